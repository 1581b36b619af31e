import CZlib

/// Reads a gzip (or plain) stream in chunks.
struct GzipReader {
    let file: gzFile
    let path: String
    /// Decompressed bytes read so far.
    private(set) var offset = 0

    init(file: gzFile, path: String) {
        self.file = file
        self.path = path
    }

    /// Passes over `count` bytes (decompressing them, for a gzip stream).
    /// - Throws: `DataError` if the stream ends or is damaged first.
    mutating func skip(count: Int) throws {
        let target = offset + count
        if gzseek(file, target, SEEK_SET) != target {
            try checkStream()
            throw DataError.malformed(
                path: path, location: "data", message: "the file ends before decompressed byte \(target), where this part of its records starts")
        }
        offset = target
    }

    /// Up to `count` bytes; fewer only at the end of the stream.
    /// - Throws: `DataError` for a damaged gzip stream (a failed check, or one cut short).
    mutating func read(count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: min(chunk, max(count, 1)))
        while result.count < count {
            let wanted = min(buffer.count, count - result.count)
            let got = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32(wanted)) }
            if got <= 0 {
                try checkStream()
                break
            }
            result.append(contentsOf: buffer[0..<Int(got)])
            offset += Int(got)
        }
        return result
    }

    /// Throws if zlib reports an error on the stream: a cut-short gzip file reads as a
    /// short file, with `Z_BUF_ERROR` left to say why.
    private func checkStream() throws {
        var code: Int32 = Z_OK
        let message = gzerror(file, &code).map { String(cString: $0) } ?? ""
        guard code != Z_OK else { return }
        let location = "decompressed byte \(offset)"
        if code == Z_BUF_ERROR {
            throw DataError.malformed(path: path, location: location, message: "the gzip stream is cut short (a truncated file)")
        }
        // zlib prefixes its message with the path.
        let reason = message.hasPrefix(path + ": ") ? String(message.dropFirst(path.count + 2)) : message
        throw DataError.malformed(path: path, location: location, message: "damaged gzip stream: \(reason)")
    }
}

extension GzipReader {
    /// Fills `buffer` from the stream, without allocating.
    /// - Returns: the bytes read: fewer than the buffer's size only at the end of the stream.
    /// - Throws: `DataError` for a damaged gzip stream.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var done = 0
        while done < buffer.count {
            let got = gzread(file, buffer.baseAddress! + done, UInt32(Swift.min(buffer.count - done, 1 << 30)))
            if got <= 0 {
                try checkStream()
                break
            }
            done += Int(got)
            offset += Int(got)
        }
        return done
    }
}
