import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `bytes` to `path` atomically: into a temporary file in the same folder, flushed
/// to disk, then renamed over `path`. A crash at any moment leaves either the old file or
/// the new one, never a mixture; on failure the temporary file is removed.
/// - Throws: `DataError.unwritable` naming the path and the system's reason.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())"
    func failure(_ what: String) -> DataError {
        DataError.unwritable(path: path, reason: "\(String(cString: strerror(errno))) (\(what))")
    }
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw failure("create") }
    var written = 0
    let ok: Bool = bytes.withUnsafeBytes { raw in
        while written < raw.count {
            let n = write(fd, raw.baseAddress! + written, raw.count - written)
            if n < 0 { if errno == EINTR { continue } else { return false } }
            written += n
        }
        return true
    }
    guard ok, fsync(fd) == 0 else {
        let error = failure("write")
        close(fd)
        unlink(temporary)
        throw error
    }
    close(fd)
    guard rename(temporary, path) == 0 else {
        let error = failure("rename")
        unlink(temporary)
        throw error
    }
    // Make the rename itself durable.
    let dir = open(folder.isEmpty ? "." : folder, O_RDONLY)
    if dir >= 0 {
        fsync(dir)
        close(dir)
    }
}
