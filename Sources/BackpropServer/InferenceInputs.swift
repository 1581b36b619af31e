#if Server
import Foundation

/// Turns a parsed v2 request and the binary bytes after its JSON into the row-major block of
/// inputs x = v/d that the batcher runs, checking the tensor against the model: one input
/// named `inputName`, datatype FP32, shape [N, n] with n the model's input size, and as many
/// values as the shape holds. Sizes are multiplied with overflow checks before anything is
/// allocated, so a shape such as [10^18, 4] is refused, not reserved.
enum InferenceInputs {
    /// The one input tensor of every served model.
    static let inputName = "input"

    /// x and its number of rows N.
    /// - Parameters:
    ///   - binary: the body's bytes after the JSON header (empty without the extension).
    ///   - framed: whether the request carried `Inference-Header-Content-Length`.
    ///   - maxExamples: the most rows a request may hold (`--max-request-examples`).
    /// - Throws: `RequestError`: 413 for more rows than `maxExamples`, else 400 naming the fault.
    /// The request's JSON data moves into x (`request.inputs` is emptied), so that scaling
    /// it copies nothing.
    static func decode(
        _ request: inout InferenceRequest, binary: UnsafeRawBufferPointer, framed: Bool, model: ServedModel, maxExamples: Int
    ) throws(RequestError) -> (x: [Float], rows: Int) {
        let ranges = try BinaryTensorFraming.ranges(of: request.inputs, binaryCount: binary.count, framed: framed)
        var names = Set<String>()
        for input in request.inputs {
            guard names.insert(input.name).inserted else {
                throw RequestError(.badRequest, "the input '\(input.name.prefix(64))' appears twice in \"inputs\"")
            }
            guard input.name == inputName else {
                throw RequestError(.badRequest, "model '\(model.name)' has no input '\(input.name.prefix(64))'; its one input is '\(inputName)'")
            }
        }
        guard var input = request.inputs.first, let range = ranges.first else {
            throw RequestError(.badRequest, "\"inputs\" is empty: send the tensor '\(inputName)'")
        }
        request.inputs.removeAll()
        let width = model.inputSize
        guard input.datatype == "FP32" else {
            throw RequestError(.badRequest, "input '\(inputName)' has datatype '\(input.datatype.prefix(32))'; model '\(model.name)' reads FP32")
        }
        guard input.shape.count == 2, input.shape[1] == width else {
            throw RequestError(
                .badRequest,
                "input '\(inputName)' has shape \(input.shape); model '\(model.name)' reads shape [N, \(width)]: N examples of \(width) values")
        }
        let rows = input.shape[0]
        guard rows > 0 else { throw RequestError(.badRequest, "input '\(inputName)' has shape \(input.shape): send at least one example") }
        guard rows <= maxExamples else {
            throw RequestError(
                .contentTooLarge,
                "the request holds \(rows) examples, more than \(maxExamples); this server takes at most \(maxExamples) per request (--max-request-examples): split it into smaller requests")
        }
        let (count, overflow) = rows.multipliedReportingOverflow(by: width)
        guard !overflow else { throw RequestError(.badRequest, "input '\(inputName)' has shape \(input.shape), more values than a request can hold") }
        var x: [Float]
        if input.data != nil {
            x = input.data.take() ?? []  // the one reference left: scaling below copies nothing
            guard x.count == count else {
                throw RequestError(.badRequest, "input '\(inputName)' has shape \(input.shape), which holds \(count) values, but its data has \(x.count)")
            }
        } else {
            x = try binaryValues(binary, range: range, shape: input.shape, count: count)
        }
        let scale = model.inverseDivisor
        if scale != 1 {
            for k in x.indices { x[k] *= scale }
        }
        return (x, rows)
    }

    /// The little-endian FP32 values of one binary input; NaN and ±∞ are refused, as the
    /// TensorFlow Serving route refuses numbers beyond a Float's range.
    private static func binaryValues(_ binary: UnsafeRawBufferPointer, range: Range<Int>?, shape: [Int], count: Int) throws(RequestError) -> [Float] {
        guard let range else { throw RequestError(.badRequest, "input '\(inputName)' has no data") }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
        guard !overflow, bytes == range.count else {
            throw RequestError(
                .badRequest,
                "input '\(inputName)' has shape \(shape), which takes \(overflow ? "more than \(Int.max)" : "\(bytes)") bytes of FP32, but its binary_data_size is \(range.count)")
        }
        var bad: Int?
        let x = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for k in 0..<count {
                let bits = binary.loadUnaligned(fromByteOffset: range.lowerBound + 4 * k, as: UInt32.self)
                let value = Float(bitPattern: UInt32(littleEndian: bits))
                if !value.isFinite, bad == nil { bad = k }
                buffer[k] = value
            }
            initialized = count
        }
        if let bad {
            throw RequestError(.badRequest, "input '\(inputName)' holds \(x[bad]) at element \(bad) (row \(bad / max(shape[1], 1))); send finite numbers")
        }
        return x
    }
}
#endif
