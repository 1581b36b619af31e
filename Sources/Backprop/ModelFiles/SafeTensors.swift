import Foundation

/// The safetensors container: an 8-byte little-endian header length N, N bytes of JSON
/// header, then the raw little-endian tensor data. The header maps each tensor name to
/// `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the data) and
/// may hold `"__metadata__"`, a map from strings to strings.
struct SafeTensors {
    enum DType: String, Sendable {
        case f32 = "F32"
        case f64 = "F64"
        /// bfloat16: float32's upper 16 bits.
        case bf16 = "BF16"

        var size: Int {
            switch self {
            case .bf16: 2
            case .f32: 4
            case .f64: 8
            }
        }
    }

    struct Tensor {
        var dtype: DType
        var shape: [Int]
        /// The bytes of the tensor, little-endian.
        var data: ArraySlice<UInt8>

        /// The values, converted to S.
        func values<S: Scalar>(as _: S.Type = S.self) -> [S] {
            let count = data.count / dtype.size
            var out = [S](repeating: 0, count: count)
            data.withUnsafeBytes { raw in
                for i in 0..<count {
                    switch dtype {
                    case .f32: out[i] = S(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
                    case .f64: out[i] = S(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                    case .bf16: out[i] = S(BFloat16.widen(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
                    }
                }
            }
            return out
        }
    }

    /// The largest header accepted (the limit of the reference implementation).
    static let maximumHeaderSize = 100_000_000

    var metadata: [String: String]
    var tensors: [String: Tensor]

    /// Encodes named tensors (in the given order) and metadata.
    static func encode(_ tensors: [(name: String, dtype: DType, shape: [Int], data: [UInt8])], metadata: [String: String]) throws -> [UInt8] {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for tensor in tensors {
            header[tensor.name] = ["dtype": tensor.dtype.rawValue, "shape": tensor.shape, "data_offsets": [offset, offset + tensor.data.count]]
            offset += tensor.data.count
        }
        var json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (8 + json.count) % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init)
        bytes.reserveCapacity(8 + json.count + offset)
        bytes += json
        for tensor in tensors { bytes += tensor.data }
        return bytes
    }

    /// Decodes and validates a whole file: header length against the file size and a sane
    /// bound, well-formed JSON, known dtypes, each shape against its byte range, offsets in
    /// order without gaps or overlaps and covering the data exactly.
    /// - Throws: `DataError.malformed` naming `path` and the field at fault.
    init(decoding bytes: [UInt8], path: String) throws {
        func fail(_ location: String, _ message: String) -> DataError {
            DataError.malformed(path: path, location: location, message: message)
        }
        guard bytes.count >= 8 else {
            throw fail("header", "file is \(bytes.count) bytes long, too short for a safetensors header")
        }
        let length = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard length >= 2, length <= UInt64(Self.maximumHeaderSize), length <= UInt64(bytes.count - 8) else {
            throw fail("bytes 0–7", "header length \(length) is impossible for a file of \(bytes.count) bytes")
        }
        let headerEnd = 8 + Int(length)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd]))
        } catch {
            throw fail("header", "not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw fail("header", "not a JSON object") }

        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let map = raw as? [String: Any] else { throw fail("__metadata__", "not an object") }
            for (key, value) in map {
                guard let text = value as? String else { throw fail("__metadata__.\(key)", "not a string") }
                metadata[key] = text
            }
        }
        let dataCount = bytes.count - headerEnd
        var tensors: [String: Tensor] = [:]
        var ranges: [(name: String, begin: Int, end: Int)] = []
        for (name, raw) in header where name != "__metadata__" {
            guard let entry = raw as? [String: Any] else { throw fail(name, "not an object") }
            guard let dtypeName = entry["dtype"] as? String else { throw fail("\(name).dtype", "missing") }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw fail("\(name).dtype", "'\(dtypeName)' is not supported, expected F32, F64 or BF16")
            }
            guard let shape = integers(entry["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("\(name).shape", "expected a list of non-negative integers")
            }
            guard let offsets = integers(entry["data_offsets"]), offsets.count == 2,
                  offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataCount
            else {
                throw fail("\(name).data_offsets", "expected [begin, end] within the \(dataCount) data bytes")
            }
            var elements = 1
            for size in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: size)
                guard !overflow, product <= dataCount else {
                    throw fail("\(name).shape", "\(shape) holds more values than the file")
                }
                elements = product
            }
            guard elements * dtype.size == offsets[1] - offsets[0] else {
                throw fail(
                    "\(name).data_offsets",
                    "shape \(shape) of \(dtype.rawValue) needs \(elements * dtype.size) bytes, the offsets give \(offsets[1] - offsets[0])")
            }
            ranges.append((name, offsets[0], offsets[1]))
            tensors[name] = Tensor(
                dtype: dtype, shape: shape, data: bytes[(headerEnd + offsets[0])..<(headerEnd + offsets[1])])
        }
        var expectedBegin = 0
        for range in ranges.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard range.begin == expectedBegin else {
                throw fail(
                    "\(range.name).data_offsets",
                    range.begin < expectedBegin ? "overlaps another tensor" : "leaves a gap of \(range.begin - expectedBegin) bytes before it")
            }
            expectedBegin = range.end
        }
        guard expectedBegin == dataCount else {
            throw fail("data", "\(dataCount - expectedBegin) bytes after the last tensor belong to none")
        }
        self.metadata = metadata
        self.tensors = tensors
    }
}

/// A JSON list of integers (JSONSerialization gives NSNumber), or nil.
private func integers(_ value: Any?) -> [Int]? {
    guard let list = value as? [Any] else { return nil }
    var out: [Int] = []
    for item in list {
        guard let number = item as? NSNumber, let double = Double(exactly: number.doubleValue),
              double == double.rounded(), abs(double) < 9e15
        else { return nil }
        out.append(Int(double))
    }
    return out
}

extension Array where Element: Scalar {
    /// The values as little-endian bytes of `dtype` (for BF16 rounded to nearest, ties to even).
    func littleEndianBytes(_ dtype: SafeTensors.DType) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * dtype.size)
        if dtype == .bf16 {
            for value in BFloat16.round(map { Float($0) }) { Swift.withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
            return bytes
        }
        for value in self {
            switch dtype {
            case .f32: Swift.withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { bytes += $0 }
            case .f64: Swift.withUnsafeBytes(of: Double(value).bitPattern.littleEndian) { bytes += $0 }
            case .bf16: break
            }
        }
        return bytes
    }
}
