import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `bytes` to `path` atomically: into a new temporary file in the same folder,
/// flushed to disk, renamed over `path`, then the folder flushed so that the rename lasts.
/// A crash at any moment leaves either the old file or the new one, never a mixture; on
/// failure the temporary file is removed and the old file is untouched.
///
/// - The temporary file has a name no other writer uses (process id and random bits) and
///   is created with `O_EXCL | O_NOFOLLOW | O_CLOEXEC`, so it never follows a planted link.
/// - Permissions: a new file gets 0666 less the umask, as any program's new file does; a
///   file that is replaced keeps its mode.
/// - A `path` that is a symbolic link stays one: the file it points to is replaced (as
///   editors save through a link). A link to nothing is an error.
/// - Throws: `DataError.unwritable` naming the path, the step that failed and the system's reason.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let target = try resolvedDestination(path)
    let url = URL(fileURLWithPath: target)
    let folder = url.deletingLastPathComponent().path
    func failure(_ what: String, _ code: Int32 = errno) -> DataError {
        DataError.unwritable(path: path, reason: "\(String(cString: strerror(code))) (\(what))")
    }
    var existing = stat()
    let replacedMode: mode_t? = stat(target, &existing) == 0 ? existing.st_mode & 0o7777 : nil
    if replacedMode != nil, (existing.st_mode & S_IFMT) != S_IFREG {
        throw DataError.unwritable(path: path, reason: "it exists and is not a regular file")
    }
    var temporary = "", fd: Int32 = -1
    for _ in 0..<16 where fd < 0 {
        temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
        if fd < 0, errno != EEXIST { throw failure("create a temporary file in \(folder)") }
    }
    guard fd >= 0 else { throw failure("create a temporary file in \(folder)") }
    var written = 0
    let ok: Bool = bytes.withUnsafeBytes { raw in
        while written < raw.count {
            let n = write(fd, raw.baseAddress! + written, raw.count - written)
            if n < 0 { if errno == EINTR { continue } else { return false } }
            written += n
        }
        return true
    }
    guard ok, replacedMode.map({ fchmod(fd, $0) == 0 }) ?? true, fsync(fd) == 0 else {
        let error = failure("write")
        close(fd)
        unlink(temporary)
        throw error
    }
    close(fd)
    guard rename(temporary, target) == 0 else {
        let error = failure("rename into place")
        unlink(temporary)
        throw error
    }
    // Make the rename itself durable. Some file systems cannot sync a folder (EINVAL):
    // the file is in place, and there is nothing more to do there.
    let dir = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard dir >= 0 else { throw failure("open the folder to sync the rename") }
    defer { close(dir) }
    if fsync(dir) != 0, errno != EINVAL {
        throw failure("sync the folder: the new file is in place but may not survive a power loss")
    }
}

/// The file a write to `path` replaces: `path` itself, or the file a symbolic link at
/// `path` points to.
private func resolvedDestination(_ path: String) throws -> String {
    var link = stat()
    guard lstat(path, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK else { return path }
    guard let resolved = realpath(path, nil) else {
        throw DataError.unwritable(path: path, reason: "it is a symbolic link to a file that cannot be reached")
    }
    defer { free(resolved) }
    return String(cString: resolved)
}
