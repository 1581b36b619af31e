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
    guard !path.isEmpty else { throw DataError.unwritable(path: path, reason: "the path is empty") }
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
    let (temporary, fd) = try createTemporaryFile(beside: target, for: path)
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

/// Checks, without writing anything that stays, that `writeAtomically(_:to:)` can write
/// `path`: the path is not empty, names no folder or special file, a symbolic link there
/// leads somewhere, the name fits the file system, and a temporary file can be created in
/// its folder (created and removed here). A long computation whose result goes to `path`
/// calls this first, so that it cannot end by failing to save.
/// - Throws: `DataError.unwritable` naming the path and what is wrong.
public func checkWritable(_ path: String) throws {
    guard !path.isEmpty else { throw DataError.unwritable(path: path, reason: "the path is empty") }
    let target = try resolvedDestination(path)
    var existing = stat()
    if stat(target, &existing) == 0, (existing.st_mode & S_IFMT) != S_IFREG {
        let what = (existing.st_mode & S_IFMT) == S_IFDIR ? "a folder; give a file name" : "not a regular file"
        throw DataError.unwritable(path: path, reason: "it is \(what)")
    }
    let url = URL(fileURLWithPath: target)
    let folder = url.deletingLastPathComponent().path
    var folderStatus = stat()
    guard stat(folder, &folderStatus) == 0 else {
        throw DataError.unwritable(path: path, reason: "the folder \(folder) does not exist")
    }
    guard (folderStatus.st_mode & S_IFMT) == S_IFDIR else {
        throw DataError.unwritable(path: path, reason: "\(folder) is not a folder")
    }
    let longest = pathconf(folder, Int32(_PC_NAME_MAX))
    if longest > 0, url.lastPathComponent.utf8.count > longest {
        throw DataError.unwritable(
            path: path, reason: "the name is \(url.lastPathComponent.utf8.count) bytes long; \(folder) allows \(longest)")
    }
    let (temporary, fd) = try createTemporaryFile(beside: target, for: path)
    close(fd)
    unlink(temporary)
}

/// A new, empty temporary file in the folder of `target`, named after it (its first 40
/// characters) with the process id and random bits, opened for writing with
/// `O_EXCL | O_NOFOLLOW | O_CLOEXEC`. `path` is the name given in errors.
private func createTemporaryFile(beside target: String, for path: String) throws -> (path: String, fd: Int32) {
    let url = URL(fileURLWithPath: target)
    let folder = url.deletingLastPathComponent().path
    for _ in 0..<16 {
        let temporary = folder + "/." + url.lastPathComponent.prefix(40) + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
        if fd >= 0 { return (temporary, fd) }
        if errno != EEXIST { break }
    }
    throw DataError.unwritable(
        path: path, reason: "\(String(cString: strerror(errno))) (create a temporary file in \(folder))")
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
