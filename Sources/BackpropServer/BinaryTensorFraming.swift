#if Server
import Foundation
import Hummingbird

/// The Open Inference Protocol's binary tensor data extension: a body whose first
/// `Inference-Header-Content-Length` bytes are the JSON request, followed by the raw bytes of
/// the inputs that give `"parameters": {"binary_data_size": B}`, in the order of "inputs".
/// Responses are framed the same way when an output is asked for as binary. Raw FP32 tensors
/// skip both the printing and the parsing of decimal numbers.
enum BinaryTensorFraming {
    /// The header that gives the JSON's length.
    static let headerName = HTTPFields.Element.Name("Inference-Header-Content-Length")!  // a valid field name: never nil

    /// The JSON's length: the header's value, or the whole body when there is none.
    /// - Throws: `RequestError` (400) if the value is not a decimal count of bytes or exceeds
    ///   the body.
    static func jsonLength(_ value: String?, bodyCount: Int) throws(RequestError) -> Int {
        guard let value else { return bodyCount }
        let text = value.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let length = Int(text)
        else {
            throw RequestError(.badRequest, "Inference-Header-Content-Length must be a count of bytes, not '\(value.prefix(40))'")
        }
        guard length <= bodyCount else {
            throw RequestError(.badRequest, "Inference-Header-Content-Length is \(length), but the body holds only \(bodyCount) bytes")
        }
        return length
    }

    /// Where each input's binary data lies in the bytes after the JSON (nil for an input
    /// given as JSON "data"): consecutive ranges in the order of `inputs`, which must cover
    /// those bytes exactly.
    /// - Throws: `RequestError` (400) when the sizes and the bytes disagree, or binary data
    ///   comes without the header that delimits it.
    static func ranges(of inputs: [InferenceRequest.Input], binaryCount: Int, framed: Bool) throws(RequestError) -> [Range<Int>?] {
        var offset = 0
        var ranges: [Range<Int>?] = []
        for (k, input) in inputs.enumerated() {
            guard let size = input.binaryDataSize else {
                ranges.append(nil)
                continue
            }
            guard framed else {
                throw RequestError(
                    .badRequest,
                    "inputs[\(k)] ('\(input.name.prefix(64))') has binary_data_size, but the request has no Inference-Header-Content-Length header to tell the JSON from the binary data")
            }
            let (end, overflow) = offset.addingReportingOverflow(size)
            guard !overflow, end <= binaryCount else {
                throw RequestError(
                    .badRequest,
                    "inputs[\(k)] ('\(input.name.prefix(64))') has binary_data_size \(size), but only \(binaryCount - offset) bytes of binary data remain after the JSON")
            }
            ranges.append(offset..<end)
            offset = end
        }
        guard offset == binaryCount else {
            throw RequestError(
                .badRequest,
                "the body holds \(binaryCount) bytes after the JSON header, but the inputs' binary_data_size add up to \(offset)")
        }
        return ranges
    }

    /// A response of `json` alone, or framed with the binary tensors after it.
    static func response(json: String, binary: [UInt8]) -> Response {
        guard !binary.isEmpty else { return jsonResponse(json) }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(json.utf8.count + binary.count)
        let length = buffer.writeString(json)
        buffer.writeBytes(binary)
        return Response(
            status: .ok, headers: [.contentType: "application/octet-stream", headerName: "\(length)"],
            body: ResponseBody(byteBuffer: buffer))
    }
}
#endif
