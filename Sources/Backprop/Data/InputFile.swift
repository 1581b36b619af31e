#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemRead = Glibc.read
#elseif canImport(Darwin)
private let systemRead = Darwin.read
#endif

/// Reading input files within a size limit: Backprop holds a data or model file's bytes
/// in memory, so it reads only regular files, and only up to a limit that a caller raises
/// on purpose (`DataFileOptions.maximumBytes`, `backprop … --max-input-bytes`).
public enum InputFile {
    /// The default limit on the bytes held from one input file: 1 GiB (a CSV file, a model
    /// file, or an IDX file after decompression). Fashion-MNIST's largest file is 47 MB.
    public static let defaultMaximumBytes = 1 << 30

    /// Throws unless `path` is a regular file (not a folder, FIFO, socket or device, which
    /// could block or never end) of at most `maximumBytes`, and returns its size.
    /// - Throws: `DataError.unreadable` saying what `path` is or how large.
    public static func checkedSize(_ path: String, maximumBytes: Int) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            let what = kind == S_IFDIR ? "a folder" : kind == S_IFIFO ? "a FIFO (named pipe)"
                : kind == S_IFCHR || kind == S_IFBLK ? "a device" : kind == S_IFSOCK ? "a socket" : "not a regular file"
            throw DataError.unreadable(path: path, reason: "it is \(what), not a regular file")
        }
        let size = Int(info.st_size)
        guard size <= maximumBytes else {
            throw DataError.unreadable(
                path: path, reason: "it is \(size) bytes, more than the input limit of \(maximumBytes) bytes")
        }
        return size
    }

    /// The bytes of the regular file `path`, of at most `maximumBytes`.
    /// - Throws: `DataError.unreadable` for anything else, or if reading fails.
    public static func read(_ path: String, maximumBytes: Int = defaultMaximumBytes) throws -> [UInt8] {
        let size = try checkedSize(path, maximumBytes: maximumBytes)
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw DataError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress! + done, size - done) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw DataError.unreadable(path: path, reason: String(cString: strerror(errno))) }
            if n == 0 { break }  // the file shrank while being read
            done += n
        }
        return Array(bytes[0..<done])
    }
}
