import CZlib

/// A labelled data file read one example at a time, in file order, holding only the example
/// being read: what a streamed training set (`DataStream`) reads through its shuffle buffer.
///
/// The same files as `RawExamples.read`: a CSV table with a header row (read a block of
/// whole records at a time, see `CSVBlocks`), or an IDX images file (gzipped or not) with its IDX labels file,
/// pixels read as x / 255. No size limit applies: the file is never held.
final class ExampleReader<S: Scalar> {
    let path: String
    /// The features of each example, d.
    let width: Int
    /// The CSV columns read as features (empty for images), and the label column.
    let featureNames: [String]
    let labelName: String?
    let input: InputKind
    /// The examples read so far.
    private(set) var count = 0
    /// The data lines read so far, blank ones included (a CSV table's).
    private var lines = 0
    private let source: Source

    private enum Source {
        case table(CSVBlocks, label: Int, features: [Int], header: [String])
        case images(IDXRecords, labels: IDXRecords)
    }

    /// Opens `path` and reads its header (a CSV header row, or the IDX headers of the images
    /// and labels files, whose counts must agree).
    /// - Throws: `DataError` naming the file and what is wrong with its header or columns.
    init(_ path: String, options: DataFileOptions) throws {
        var options = options
        options.requiresLabels = true
        self.path = path
        _ = try InputFile.checkedSize(path, maximumBytes: .max)
        if isIDX(path) {
            let images = try IDXRecords(path)
            guard images.dimensions.count >= 2, images.recordSize > 0 else {
                throw DataError.malformed(
                    path: path, location: "header",
                    message: "dimensions \(images.dimensions), expected at least 2 for images (count, then pixel sizes ≥ 1)")
            }
            guard let labelsPath = options.labelsPath ?? defaultLabelsPath(for: path) else {
                throw DataError.malformed(
                    path: path, location: "file name",
                    message: "cannot derive the labels file name (no 'images-idx3' in it); pass the labels file")
            }
            _ = try InputFile.checkedSize(labelsPath, maximumBytes: .max)
            let labels = try IDXRecords(labelsPath)
            guard labels.dimensions.count == 1 else {
                throw DataError.malformed(
                    path: labelsPath, location: "header", message: "\(labels.dimensions.count) dimensions, expected 1 for labels")
            }
            guard labels.dimensions[0] == images.dimensions[0] else {
                throw DataError.malformed(
                    path: labelsPath, location: "dimension 1",
                    message: "\(labels.dimensions[0]) labels, but \(path) holds \(images.dimensions[0]) images")
            }
            (width, featureNames, labelName, input) = (images.recordSize, [], nil, .images)
            source = .images(images, labels: labels)
        } else {
            let reader = try CSVBlocks(path)
            let header = reader.header
            let (label, features) = try options.columns(of: header, path: path)
            guard let label else {
                throw DataError.malformed(path: path, location: "line 1", message: "no label column; name the label column")
            }
            (width, featureNames, labelName, input) = (features.count, features.map { header[$0] }, header[label], .table)
            source = .table(reader, label: label, features: features, header: header)
        }
    }

    /// Where the example last read is in the file, for errors: "line N" or "record N".
    var location: String {
        input == .table ? "line \(lines + 1)" : "record \(count)"
    }

    /// Reads the next example: its d features, unscaled, into `x` (nil: an image's pixels are
    /// passed over; a table's cells are still checked).
    /// - Returns: its label, or nil at the end of the file.
    /// - Throws: `DataError` naming the line and column (or record) of a malformed example.
    func next(into x: UnsafeMutablePointer<S>?) throws -> String? {
        switch source {
        case .table(let reader, let label, let features, let header):
            var row: [String]
            repeat {
                guard let next = try reader.next(line: "line \(lines + 2)") else { return nil }
                row = next
                lines += 1
            } while row.count == 1 && row[0].isEmpty  // a blank line
            count += 1
            let line = lines  // the header row is line 1
            guard row.count == header.count else {
                throw DataError.malformed(
                    path: path, location: "line \(line + 1)",
                    message: "\(row.count) cells, expected \(header.count) (one per header column)")
            }
            for (j, column) in features.enumerated() {
                let value: S = try CSVTable.number(row[column], path: path, line: "line \(line + 1)", column: column, name: header[column])
                x?[j] = value
            }
            return row[label]
        case .images(let images, let labels):
            guard try images.next() else { return nil }
            guard try labels.next() else {
                throw DataError.malformed(path: labels.path, location: "record \(count + 1)", message: "the file ends before its header's count")
            }
            if let x {
                images.withRecord { bytes in
                    for j in 0..<width { x[j] = S(bytes[j]) / 255 }
                }
            }
            count += 1
            return labels.withRecord { String($0[0]) }
        }
    }
}

/// The records of an IDX file (its first dimension) read one at a time into one buffer.
final class IDXRecords {
    let path: String
    let dimensions: [Int]
    /// The bytes of one record: the product of the dimensions after the first.
    let recordSize: Int
    private var reader: GzipReader
    private let record: UnsafeMutableRawBufferPointer
    private var read = 0

    init(_ path: String) throws {
        guard let file = gzopen(path, "rb") else {
            throw DataError.unreadable(path: path, reason: "no such file, or permission denied")
        }
        reader = GzipReader(file: file, path: path)
        do {
            dimensions = try IDXFile.header(from: &reader, path: path, limit: IDXFile.maximumCount)
        } catch {
            gzclose(file)
            throw error
        }
        self.path = path
        recordSize = dimensions.dropFirst().reduce(1, *)
        record = .allocate(byteCount: Swift.max(recordSize, 1), alignment: 8)
    }

    deinit {
        gzclose(reader.file)
        record.deallocate()
    }

    /// Reads the next record into the buffer.
    /// - Returns: false after the last record (the file must end there).
    /// - Throws: `DataError` if the file ends inside a record or holds more than its header says.
    func next() throws -> Bool {
        let buffer = UnsafeMutableRawBufferPointer(rebasing: record[0..<recordSize])
        guard read < dimensions[0] else {
            guard try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: record[0..<1])) == 0 else {
                throw DataError.malformed(
                    path: path, location: "data",
                    message: "file holds more than the \(dimensions[0]) records its header sizes \(dimensions) describe")
            }
            return false
        }
        guard try reader.read(into: buffer) == recordSize else {
            throw DataError.malformed(
                path: path, location: "record \(read + 1)",
                message: "the file ends inside this record; its header sizes \(dimensions) describe \(dimensions[0]) records")
        }
        read += 1
        return true
    }

    /// Calls `body` with the record last read.
    func withRecord<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        body(UnsafeRawBufferPointer(record))
    }
}

