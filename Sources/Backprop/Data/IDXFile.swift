import CZlib

/// An IDX file, the format of MNIST and Fashion-MNIST, gzipped or not.
///
/// Layout (big-endian): two zero bytes, a type byte (0x08 = unsigned byte), the number
/// of dimensions d, then d 32-bit sizes, then the values, last dimension fastest.
public struct IDXFile: Equatable, Sendable {
    /// The size of each dimension, e.g. [60000, 28, 28] for images, [60000] for labels; for
    /// a part of the file, the first is the part's count.
    public let dimensions: [Int]
    /// The values, row-major.
    public let bytes: [UInt8]

    /// Reads and validates an IDX file; a `.gz` file (or any gzip stream) is decompressed.
    ///
    /// Memory grows only with data actually read, so a header claiming absurd sizes
    /// cannot make this allocate more than the file holds; and the values, decompressed,
    /// may not exceed `maximumBytes` (a gzip bomb stops at the header).
    ///
    /// With a `shard`, only that part of the records (the first dimension) is read and held:
    /// a plain file is read from the part's offset, a gzipped one decompressed up to it and
    /// the bytes before it dropped; `maximumBytes` then limits the part's values.
    /// - Throws: `DataError` naming the file and the field or offset at fault.
    public init(contentsOf path: String, maximumBytes: Int = InputFile.defaultMaximumBytes, shard: DataShard = .whole) throws {
        let whole = shard.count == 1
        _ = try InputFile.checkedSize(path, maximumBytes: whole ? maximumBytes : .max)
        guard let file = gzopen(path, "rb") else {
            throw DataError.unreadable(path: path, reason: "no such file, or permission denied")
        }
        defer { gzclose(file) }
        var reader = GzipReader(file: file, path: path)

        var dimensions = try IDXFile.header(
            from: &reader, path: path, limit: whole ? min(IDXFile.maximumCount, maximumBytes) : IDXFile.maximumCount)
        let total = dimensions.reduce(1, *)
        let record = dimensions[0] == 0 ? 0 : total / dimensions[0]
        let held = shard.range(of: dimensions[0])
        guard held.count * record <= maximumBytes else {
            throw DataError.malformed(
                path: path, location: "dimension 1",
                message: "\(shard.name) of the \(dimensions[0]) records is \(held.count * record) bytes, more than the input limit of \(maximumBytes)")
        }
        if held.lowerBound > 0 { try reader.skip(count: held.lowerBound * record) }
        let bytes = try reader.read(count: held.count * record)
        guard bytes.count == held.count * record else {
            throw DataError.malformed(
                path: path, location: "data",
                message: "header sizes \(dimensions) need \(total) bytes of data, but the file holds \(held.lowerBound * record + bytes.count)")
        }
        // The part that ends with the file checks that nothing follows the values.
        guard try held.upperBound < dimensions[0] || reader.read(count: 1).isEmpty else {
            throw DataError.malformed(
                path: path, location: "data",
                message: "file holds more than the \(total) bytes of data its header sizes \(dimensions) describe")
        }
        dimensions[0] = held.count
        self.dimensions = dimensions
        self.bytes = bytes
    }

    /// Reads an IDX header from `reader`: the magic number (unsigned bytes only) and the
    /// dimensions, which may describe at most `limit` values.
    /// - Throws: `DataError` naming the byte or dimension at fault.
    static func header(from reader: inout GzipReader, path: String, limit: Int) throws -> [Int] {
        let magic = try reader.read(count: 4)
        guard magic.count == 4 else {
            throw DataError.malformed(
                path: path, location: "header", message: "file is \(magic.count) bytes long, too short for an IDX header")
        }
        guard magic[0] == 0, magic[1] == 0 else {
            throw DataError.malformed(
                path: path, location: "bytes 0–1",
                message: "not an IDX file: magic number starts with \(hex(magic[0])) \(hex(magic[1])), expected 0x00 0x00")
        }
        guard magic[2] == 0x08 else {
            throw DataError.malformed(
                path: path, location: "byte 2",
                message: "value type \(hex(magic[2])) is not supported, expected 0x08 (unsigned byte)")
        }
        let rank = Int(magic[3])
        guard rank >= 1 else {
            throw DataError.malformed(path: path, location: "byte 3", message: "0 dimensions, expected at least 1")
        }
        let header = try reader.read(count: 4 * rank)
        guard header.count == 4 * rank else {
            throw DataError.malformed(
                path: path, location: "header",
                message: "file ends inside the sizes of its \(rank) dimensions")
        }
        var dimensions: [Int] = []
        var total = 1
        for d in 0..<rank {
            let size = header[4 * d ..< 4 * d + 4].reduce(0) { $0 << 8 | Int($1) }
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow, product <= limit else {
                throw DataError.malformed(
                    path: path, location: "dimension \(d + 1)",
                    message: "sizes \(dimensions + [size]) describe more than \(limit) values (the input limit)")
            }
            dimensions.append(size)
            total = product
        }
        return dimensions
    }

    /// The largest number of values accepted (16 GiB of bytes).
    public static let maximumCount = 1 << 34

    /// The file as images, one per row, pixels scaled from 0 … 255 to [0, 1].
    ///
    /// Shape (n × d_2·d_3·…) for dimensions [n, d_2, d_3, …].
    public func images<S: Scalar>(as _: S.Type = S.self, path: String = "") throws -> Matrix<S> {
        guard dimensions.count >= 2 else {
            throw DataError.malformed(
                path: path, location: "header",
                message: "\(dimensions.count) dimension(s), expected at least 2 for images (count, then pixel sizes)")
        }
        let count = dimensions[0]
        let width = count == 0 ? 0 : bytes.count / count
        return try Matrix(rows: count, columns: width, elements: scaledPixels(bytes))
    }

    /// The file as class labels.
    public func labels(path: String = "") throws -> [Int] {
        guard dimensions.count == 1 else {
            throw DataError.malformed(
                path: path, location: "header",
                message: "\(dimensions.count) dimensions, expected 1 for labels")
        }
        return bytes.map(Int.init)
    }
}

/// Pixel values 0 … 255 as x / 255 (correctly rounded, as NumPy's `pixels / 255` gives).
@_specialize(where S == Float)
@_specialize(where S == Double)
private func scaledPixels<S: Scalar>(_ bytes: [UInt8]) -> [S] {
    [S](unsafeUninitializedCapacity: bytes.count) { buffer, initialized in
        for i in bytes.indices { buffer[i] = S(bytes[i]) / 255 }
        initialized = bytes.count
    }
}

private func hex(_ byte: UInt8) -> String {
    "0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
}
