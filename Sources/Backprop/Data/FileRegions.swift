#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file read in parts (`pread`), for a rank that holds only its shard of a file
/// and never the whole.
final class FileRegions {
    let path: String
    /// The file's size in bytes.
    let size: Int
    private let descriptor: Int32

    /// Opens the regular file `path` (any size: the limit applies to the parts read).
    /// - Throws: `DataError.unreadable` for a missing file or anything but a regular file.
    init(_ path: String) throws {
        size = try InputFile.checkedSize(path, maximumBytes: .max)
        descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw DataError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        self.path = path
    }

    deinit {
        close(descriptor)
    }

    /// The bytes of `range` (fewer if the file ends first).
    /// - Throws: `DataError.unreadable` if reading fails.
    func bytes(_ range: Range<Int>) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: range.count)
        var done = 0
        while done < range.count {
            let n = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, range.count - done, off_t(range.lowerBound + done)) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw DataError.unreadable(path: path, reason: String(cString: strerror(errno))) }
            if n == 0 { break }
            done += n
        }
        return done == range.count ? bytes : Array(bytes[0..<done])
    }

    /// The first line start at or after `offset`: `offset` itself when it follows a line
    /// feed (or is `floor`, where a line starts), else the byte after the next line feed,
    /// else the file's size.
    func lineStart(atOrAfter offset: Int, floor: Int) throws -> Int {
        guard offset > floor else { return floor }
        var position = offset - 1
        let chunk = 1 << 16
        while position < size {
            let bytes = try self.bytes(position ..< Swift.min(size, position + chunk))
            if let feed = bytes.firstIndex(of: UInt8(ascii: "\n")) { return position + feed + 1 }
            guard !bytes.isEmpty else { break }
            position += bytes.count
        }
        return size
    }

    /// The line feeds in bytes 0 ..< `offset`: a line starting at `offset` is line this + 1.
    func lineFeeds(before offset: Int) throws -> Int {
        var count = 0, position = 0
        let chunk = 1 << 20
        while position < offset {
            let bytes = try self.bytes(position ..< Swift.min(offset, position + chunk))
            guard !bytes.isEmpty else { break }
            for byte in bytes where byte == UInt8(ascii: "\n") { count += 1 }
            position += bytes.count
        }
        return count
    }
}
