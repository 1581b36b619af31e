import CSV
import Foundation

/// A CSV file with a header row, read with CSV.swift (quoted fields, embedded commas and
/// CRLF line ends are handled there). Cells are kept as text until a column's use is known.
public struct CSVTable: Sendable {
    /// The path the table was read from, named in errors.
    public let path: String
    /// The column names, from the header row.
    public let header: [String]
    /// The data rows; row i is on line i + 2 of the file (the header is line 1).
    public let rows: [[String]]

    /// - Parameters:
    ///   - path: the CSV file.
    ///   - maximumBytes: the largest file read (see `InputFile`).
    /// - Throws: `DataError` if the file cannot be read, is not a regular file, is larger than
    ///   `maximumBytes`, is empty or not UTF-8, has no data
    ///   rows, repeats a column name, or has a row whose cell count differs from the header's.
    public init(contentsOf path: String, maximumBytes: Int = InputFile.defaultMaximumBytes) throws {
        let data = try InputFile.read(path, maximumBytes: maximumBytes)
        guard let text = String(validating: data, as: UTF8.self) else {
            throw DataError.malformed(path: path, location: "file", message: "not UTF-8 text")
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: true)
        } catch {
            throw DataError.malformed(path: path, location: "line 1", message: "empty file: expected a header row")
        }
        guard let header = reader.headerRow, !(header.count == 1 && header[0].isEmpty) else {
            throw DataError.malformed(path: path, location: "line 1", message: "empty file: expected a header row")
        }
        var seen = Set<String>()
        for (column, name) in header.enumerated() where !seen.insert(name).inserted {
            throw DataError.malformed(
                path: path, location: "line 1, column \(column + 1)", message: "column name '\(name)' appears twice")
        }
        var rows: [[String]] = []
        while let row = reader.next() {
            let line = rows.count + 2
            if row.count == 1, row[0].isEmpty { continue }  // a blank line
            guard row.count == header.count else {
                throw DataError.malformed(
                    path: path, location: "line \(line)",
                    message: "\(row.count) cells, expected \(header.count) (one per header column)")
            }
            rows.append(row)
        }
        if let error = reader.error {
            throw DataError.malformed(path: path, location: "line \(rows.count + 2)", message: "\(error)")
        }
        guard !rows.isEmpty else {
            throw DataError.malformed(path: path, location: "line 2", message: "no data rows after the header")
        }
        self.path = path
        self.header = header
        self.rows = rows
    }

    /// The index of the column `name`, or of the column at 1-based position `name` when it
    /// is a number and no column has that name.
    public func columnIndex(_ name: String) throws -> Int {
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
                let cell = row[column]
                guard let value = Double(cell), value.isFinite, S(value).isFinite else {
                    let what = cell.isEmpty ? "an empty cell" : "'\(cell)'"
                    throw DataError.malformed(
                        path: path, location: "line \(i + 2), column \(column + 1) ('\(header[column])')",
                        message: "\(what) is not a finite number")
                }
                values.append(S(value))
            }
        }
        return try Matrix(rows: rows.count, columns: columns.count, elements: values)
    }
}
