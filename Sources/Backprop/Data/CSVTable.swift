import CSV
import Foundation

/// A CSV file with a header row, read with CSV.swift (quoted fields, embedded commas and
/// CRLF line ends are handled there). Cells are kept as text until a column's use is known.
public struct CSVTable: Sendable {
    /// The path the table was read from, named in errors.
    public let path: String
    /// The column names, from the header row.
    public let header: [String]
    /// The data rows; row i is on line i + 2 of the file (the header is line 1), or for a
    /// part of the file, i lines after the part's first.
    public let rows: [[String]]
    /// Where the rows are in the file, for errors.
    let lines: RowLines

    /// - Parameters:
    ///   - path: the CSV file.
    ///   - maximumBytes: the largest file read (see `InputFile`), or for a part, the most
    ///     bytes of the part and the header row.
    ///   - shard: the part of the file to read (see `DataShard`); the whole file by default.
    /// - Throws: `DataError` if the file cannot be read, is not a regular file, is larger than
    ///   `maximumBytes`, is empty or not UTF-8, has no data
    ///   rows, repeats a column name, or has a row whose cell count differs from the header's.
    public init(contentsOf path: String, maximumBytes: Int = InputFile.defaultMaximumBytes, shard: DataShard = .whole) throws {
        let data: [UInt8]
        if shard.count == 1 {
            (data, lines) = (try InputFile.read(path, maximumBytes: maximumBytes), RowLines(path: path, start: nil))
        } else {
            (data, lines) = try CSVTable.part(shard, of: path, maximumBytes: maximumBytes)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw DataError.malformed(path: path, location: shard.count == 1 ? "file" : "\(shard.name)", message: "not UTF-8 text")
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: true)
        } catch {
            throw DataError.malformed(path: path, location: "line 1", message: "empty file: expected a header row")
        }
        let header = try CSVTable.checkedHeader(reader.headerRow, path: path)
        var rows: [[String]] = []
        while let row = reader.next() {
            if row.count == 1, row[0].isEmpty { continue }  // a blank line
            guard row.count == header.count else {
                throw DataError.malformed(
                    path: path, location: lines.line(rows.count),
                    message: "\(row.count) cells, expected \(header.count) (one per header column)")
            }
            rows.append(row)
        }
        if let error = reader.error {
            throw DataError.malformed(path: path, location: lines.line(rows.count), message: "\(error)")
        }
        guard !rows.isEmpty else {
            let message = shard.count == 1
                ? "no data rows after the header"
                : "no data rows in \(shard.name) of the file (split at line starts); use fewer ranks or a longer file"
            throw DataError.malformed(path: path, location: lines.line(0), message: message)
        }
        self.path = path
        self.header = header
        self.rows = rows
    }

    /// `header`, unless it is missing or empty or repeats a column name.
    /// - Throws: `DataError` naming line 1.
    static func checkedHeader(_ header: [String]?, path: String) throws -> [String] {
        guard let header, !(header.count == 1 && header[0].isEmpty) else {
            throw DataError.malformed(path: path, location: "line 1", message: "empty file: expected a header row")
        }
        var seen = Set<String>()
        for (column, name) in header.enumerated() where !seen.insert(name).inserted {
            throw DataError.malformed(
                path: path, location: "line 1, column \(column + 1)", message: "column name '\(name)' appears twice")
        }
        return header
    }

    /// The header row and the lines of part `shard` of the file, and where they are.
    private static func part(_ shard: DataShard, of path: String, maximumBytes: Int) throws -> ([UInt8], RowLines) {
        let file = try FileRegions(path)
        let body = try file.lineStart(atOrAfter: 1, floor: 0)  // after the header row
        let share = shard.range(of: file.size - body)
        let start = try file.lineStart(atOrAfter: body + share.lowerBound, floor: body)
        let end = try file.lineStart(atOrAfter: body + share.upperBound, floor: body)
        guard body + (end - start) <= maximumBytes else {
            throw DataError.unreadable(
                path: path,
                reason: "\(shard.name) with the header row is \(body + end - start) bytes, more than the input limit of \(maximumBytes) bytes")
        }
        let header = try file.bytes(0 ..< body)
        let lines = RowLines(path: path, start: start == body ? nil : start)
        let headerLine = header.last == UInt8(ascii: "\n") || header.isEmpty ? header : header + [UInt8(ascii: "\n")]
        return (headerLine + (try file.bytes(start ..< end)), lines)
    }

    /// The index of the column `name`, or of the column at 1-based position `name` when it
    /// is a number and no column has that name.
    public func columnIndex(_ name: String) throws -> Int {
        try CSVTable.columnIndex(name, in: header, path: path)
    }

    /// The index of the column `name` in `header`, as `columnIndex(_:)` finds it.
    static func columnIndex(_ name: String, in header: [String], path: String) throws -> Int {
        if let index = header.firstIndex(of: name) { return index }
        if let position = Int(name), (1...header.count).contains(position) { return position - 1 }
        throw DataError.malformed(
            path: path, location: "line 1",
            message: "no column '\(name)'; columns are \(header.joined(separator: ", "))")
    }

    /// The cells of `columns` parsed as numbers, one row per data row.
    /// - Throws: `DataError` naming the line and column of a cell that is not a finite number.
    public func numbers<S: Scalar>(columns: [Int], as _: S.Type = S.self) throws -> Matrix<S> {
        var values: [S] = []
        values.reserveCapacity(rows.count * columns.count)
        for (i, row) in rows.enumerated() {
            for column in columns {
                values.append(try CSVTable.number(row[column], path: path, line: lines.line(i), column: column, name: header[column]))
            }
        }
        return try Matrix(rows: rows.count, columns: columns.count, elements: values)
    }
}

extension CSVTable {
    /// `cell` as a finite number of `S`.
    /// - Throws: `DataError` naming the file, `line` and the column (0-based `column`, named
    ///   `name`) of a cell that is not one.
    static func number<S: Scalar>(_ cell: String, path: String, line: @autoclosure () -> String, column: Int, name: String) throws -> S {
        guard let value = Double(cell), value.isFinite, S(value).isFinite else {
            let what = cell.isEmpty ? "an empty cell" : "'\(cell)'"
            throw DataError.malformed(
                path: path, location: "\(line()), column \(column + 1) ('\(name)')", message: "\(what) is not a finite number")
        }
        return S(value)
    }
}

/// Where a table's data rows are in its file, for errors: row i is on line i + 2, or for a
/// part of the file that starts at byte `start`, on the line there plus i. (The line feeds
/// before a part are counted only when an error names a line.)
struct RowLines: Equatable, Sendable {
    let path: String
    /// The byte at which the line of row 0 starts, when it is not the line after the header.
    let start: Int?

    /// "line N" for data row `row` (0-based).
    func line(_ row: Int) -> String {
        guard let start else { return "line \(row + 2)" }
        guard let before = try? FileRegions(path).lineFeeds(before: start) else {
            return "data row \(row + 1) after byte \(start)"
        }
        return "line \(before + 1 + row)"
    }
}
