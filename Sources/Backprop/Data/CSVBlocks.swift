import CSV

/// A CSV file's rows read a block at a time, holding one block: the file is read in blocks
/// of about `blockSize` bytes, each cut after its last line feed outside quotes (an even
/// number of `"` before it since the block began, as RFC 4180 escapes them), so that every
/// block holds whole records, and each block is parsed with CSV.swift.
final class CSVBlocks {
    let path: String
    /// The column names, from the header row.
    let header: [String]
    private let file: FileRegions
    private let blockSize: Int
    private var offset = 0
    private var rows: CSVReader?

    /// Opens `path` and reads its header row.
    /// - Throws: `DataError` for a file that cannot be read, is not UTF-8 text, or lacks a
    ///   header row (or repeats a column name in it).
    init(_ path: String, blockSize: Int = 1 << 20) throws {
        (self.path, self.blockSize) = (path, blockSize)
        file = try FileRegions(path)
        let headerEnd = try file.lineStart(atOrAfter: 1, floor: 0)
        guard let text = String(validating: try file.bytes(0 ..< headerEnd), as: UTF8.self) else {
            throw DataError.malformed(path: path, location: "line 1", message: "not UTF-8 text")
        }
        let reader = try? CSVReader(string: text, hasHeaderRow: true, trimFields: true)
        header = try CSVTable.checkedHeader(reader?.headerRow, path: path)
        offset = headerEnd
    }

    /// The next row (a blank line reads as one empty cell), or nil at the end of the file.
    /// - Throws: `DataError` for a block that is not UTF-8 text or that CSV.swift cannot parse,
    ///   naming the line `line` says the next row is on.
    func next(line: @autoclosure () -> String) throws -> [String]? {
        while true {
            if let rows {
                if let row = rows.next() { return row }
                if let error = rows.error { throw DataError.malformed(path: path, location: line(), message: "\(error)") }
                self.rows = nil
            }
            guard offset < file.size else { return nil }
            let block = try nextBlock()
            guard let text = String(validating: block, as: UTF8.self) else {
                throw DataError.malformed(path: path, location: line(), message: "not UTF-8 text (in the block of lines from here)")
            }
            do {
                rows = try CSVReader(string: text, hasHeaderRow: false, trimFields: true)
            } catch {
                throw DataError.malformed(path: path, location: line(), message: "\(error)")
            }
        }
    }

    /// The bytes from `offset` to the end of the last whole record within about `blockSize`
    /// bytes (or further, for a record longer than that), and `offset` moved past them.
    private func nextBlock() throws -> [UInt8] {
        var end = Swift.min(file.size, offset + blockSize)
        var bytes = try file.bytes(offset ..< end)
        while end < file.size {
            if let cut = lastRecordEnd(bytes) {
                bytes.removeSubrange(cut...)
                break
            }
            let more = try file.bytes(end ..< Swift.min(file.size, end + blockSize))  // one record spans the block
            guard !more.isEmpty else { break }
            bytes += more
            end += more.count
        }
        offset += bytes.count
        return bytes
    }

    /// The index after the last line feed outside quotes in `bytes`, which start at a record.
    private func lastRecordEnd(_ bytes: [UInt8]) -> Int? {
        var quoted = false, last: Int?
        for (i, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if byte == UInt8(ascii: "\n"), !quoted {
                last = i + 1
            }
        }
        return last
    }
}
