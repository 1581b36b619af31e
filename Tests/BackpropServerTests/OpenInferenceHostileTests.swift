#if Server
import Backprop
import Foundation
import Hummingbird
import Testing
@testable import BackpropServer

/// Every class of malformed v2 request, JSON and binary, gets a 4xx with `{"error": "…"}`
/// that names the fault, never a 500 or a crash, and the server goes on answering.
@Suite struct OpenInferenceHostileTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var method: HTTPRequest.Method = .post
        var uri = "/v2/models/flowers/infer"
        var body: [UInt8] = []
        var headers: HTTPFields = [:]
        var status: HTTPResponse.Status = .badRequest
        var error: String
        var testDescription: String { name }
    }

    /// A request of one input tensor, its fields as given (JSON text).
    static func tensor(name: String = "\"input\"", shape: String = "[1, 3]", datatype: String = "\"FP32\"", rest: String = ", \"data\": [1, 2, 3]") -> [UInt8] {
        Array("{\"inputs\": [{\"name\": \(name), \"shape\": \(shape), \"datatype\": \(datatype)\(rest)}]}".utf8)
    }

    /// A binary request: the header's length in `Inference-Header-Content-Length`, then the bytes.
    static func binary(shape: String = "[1, 3]", size: Int = 12, values: [Float] = [1, 2, 3], length: String? = nil) -> (body: [UInt8], headers: HTTPFields) {
        let header = "{\"inputs\": [{\"name\": \"input\", \"shape\": \(shape), \"datatype\": \"FP32\", \"parameters\": {\"binary_data_size\": \(size)}}]}"
        return (binaryBody(header, values), [BinaryTensorFraming.headerName: length ?? "\(header.utf8.count)"])
    }

    static let cases: [Case] = [
        Case(name: "not JSON", body: Array("inputs: 1".utf8), error: "the request must be a JSON object"),
        Case(name: "empty body", error: "the body is empty"),
        // Control bytes are no hexadecimal digits: folding them into letters read 0x10 as '0'.
        Case(name: "control bytes in a \\u escape", body: Array("{\"id\": \"\\u\u{10}\u{10}\u{10}\u{10}\", \"inputs\": []}".utf8), error: "\\u needs four hexadecimal digits"),
        Case(name: "no inputs", body: Array("{\"outputs\": []}".utf8), error: "needs \"inputs\""),
        Case(name: "inputs empty", body: Array("{\"inputs\": []}".utf8), error: "\"inputs\" is empty"),
        Case(name: "inputs twice", body: Array("{\"inputs\": [], \"inputs\": []}".utf8), error: "\"inputs\" appears twice"),
        Case(name: "truncated JSON", body: Array("{\"inputs\": [{\"name\": \"input\"".utf8), error: "ends inside inputs[0]"),
        Case(name: "data after the object", body: tensor() + Array(" {}".utf8), error: "unexpected '{' after the JSON object"),
        Case(name: "shape and data disagree", body: tensor(shape: "[2, 3]"), error: "shape [2, 3], which holds 6 values, but its data has 3"),
        Case(name: "shape of another width", body: tensor(shape: "[1, 4]", rest: ", \"data\": [1, 2, 3, 4]"), error: "reads shape [N, 3]"),
        Case(name: "shape of rank 1", body: tensor(shape: "[3]"), error: "reads shape [N, 3]"),
        Case(name: "no examples", body: tensor(shape: "[0, 3]", rest: ", \"data\": []"), error: "at least one example"),
        Case(name: "negative dimension", body: tensor(shape: "[-1, 3]"), error: "shape[0] is -1; a dimension is 0 or more"),
        Case(name: "fractional dimension", body: tensor(shape: "[1.5, 3]"), error: "shape[0]: expected an integer"),
        Case(name: "dimension beyond Int", body: tensor(shape: "[100000000000000000000, 3]"), error: "shape[0]: expected an integer"),
        Case(name: "huge shape", body: tensor(shape: "[1000000000000000000, 3]"), status: .contentTooLarge, error: "--max-request-examples"),
        Case(name: "more examples than the limit", body: tensor(shape: "[3, 3]", rest: ", \"data\": [1, 2, 3, 4, 5, 6, 7, 8, 9]"), status: .contentTooLarge, error: "more than 2; this server takes at most 2 per request (--max-request-examples)"),
        Case(name: "wrong datatype", body: tensor(datatype: "\"FP64\""), error: "datatype 'FP64'; model 'flowers' reads FP32"),
        Case(name: "datatype not a string", body: tensor(datatype: "32"), error: "inputs[0].datatype must be a string"),
        Case(name: "unknown input name", body: tensor(name: "\"pixels\""), error: "model 'flowers' has no input 'pixels'; its one input is 'input'"),
        Case(name: "duplicate inputs", body: Array("{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 3], \"datatype\": \"FP32\", \"data\": [1, 2, 3]}, {\"name\": \"input\", \"shape\": [1, 3], \"datatype\": \"FP32\", \"data\": [1, 2, 3]}]}".utf8), error: "the input 'input' appears twice"),
        Case(name: "no shape", body: Array("{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"data\": [1, 2, 3]}]}".utf8), error: "has no \"shape\""),
        Case(name: "no data", body: tensor(rest: ""), error: "neither \"data\" nor parameters.binary_data_size"),
        Case(name: "string in data", body: tensor(rest: ", \"data\": [1, \"2\", 3]"), error: "inputs[0].data[1]: expected a number"),
        Case(name: "null in data", body: tensor(rest: ", \"data\": [1, null, 3]"), error: "inputs[0].data[1]: expected a number, got 'null'"),
        Case(name: "NaN literal in data", body: tensor(rest: ", \"data\": [NaN, 2, 3]"), error: "inputs[0].data[0]: expected a number, got 'NaN'"),
        Case(name: "beyond Float in data", body: tensor(rest: ", \"data\": [1e39, 2, 3]"), error: "1e39 is beyond the range of a 32-bit float"),
        Case(name: "data nested too deep", body: tensor(rest: ", \"data\": " + String(repeating: "[", count: 100) + "1" + String(repeating: "]", count: 100)), error: "nests deeper than 64"),
        Case(name: "unknown output", body: Array("{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 3], \"datatype\": \"FP32\", \"data\": [1, 2, 3]}], \"outputs\": [{\"name\": \"logits\"}]}".utf8), error: "has no output 'logits'; its outputs are 'probabilities', 'class'"),
        Case(name: "classification extension", body: Array("{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 3], \"datatype\": \"FP32\", \"data\": [1, 2, 3]}], \"outputs\": [{\"name\": \"class\", \"parameters\": {\"classification\": 2}}]}".utf8), error: "classification extension"),
        Case(name: "binary without the header", body: binary().body, error: "after the JSON object; binary tensor data after the JSON needs the header Inference-Header-Content-Length"),
        Case(name: "binary size larger than the body", body: binary(size: 16).body, headers: binary(size: 16).headers, error: "binary_data_size 16, but only 12 bytes of binary data remain"),
        Case(name: "binary size smaller than the body", body: binary(size: 8).body, headers: binary(size: 8).headers, error: "the body holds 12 bytes after the JSON header, but the inputs' binary_data_size add up to 8"),
        Case(name: "binary size beyond Int", body: binary(size: Int.max).body, headers: binary(size: Int.max).headers, error: "but only 12 bytes"),
        Case(name: "binary size negative", body: binary(size: -12).body, headers: binary(size: -12).headers, error: "binary_data_size is -12"),
        Case(name: "binary size and shape disagree", body: binary(shape: "[2, 3]").body, headers: binary(shape: "[2, 3]").headers, error: "shape [2, 3], which takes 24 bytes of FP32, but its binary_data_size is 12"),
        Case(name: "NaN in binary data", body: binary(values: [1, .nan, 3]).body, headers: binary(values: [1, .nan, 3]).headers, error: "holds nan at element 1 (row 0); send finite numbers"),
        Case(name: "infinity in binary data", body: binary(values: [1, 2, -.infinity]).body, headers: binary(values: [1, 2, -.infinity]).headers, error: "holds -inf at element 2"),
        Case(name: "header length beyond the body", body: binary().body, headers: binary(length: "100000").headers, error: "Inference-Header-Content-Length is 100000, but the body holds only"),
        Case(name: "header length not a number", body: binary().body, headers: binary(length: "12abc").headers, error: "must be a count of bytes, not '12abc'"),
        Case(name: "header length negative", body: binary().body, headers: binary(length: "-5").headers, error: "must be a count of bytes"),
        Case(name: "header length beyond Int", body: binary().body, headers: binary(length: "99999999999999999999999").headers, error: "must be a count of bytes"),
        Case(name: "header length cuts the JSON", body: binary().body, headers: binary(length: "10").headers, error: "not the end of the JSON"),
        Case(name: "unknown model", uri: "/v2/models/trees/infer", body: tensor(), status: .notFound, error: "no model named 'trees'"),
        Case(name: "model name with path characters", uri: "/v2/models/..%2F..%2Fetc/infer", body: tensor(), status: .notFound, error: "no model named"),
        Case(name: "another version", uri: "/v2/models/flowers/versions/7/infer", body: tensor(), status: .notFound, error: "has no version '7'; it serves version 1"),
        Case(name: "metadata of another version", method: .get, uri: "/v2/models/flowers/versions/0", status: .notFound, error: "has no version '0'"),
        Case(name: "body over the limit", body: tensor(rest: ", \"data\": [" + String(repeating: "1, ", count: 600) + "1]"), status: .contentTooLarge, error: "larger than the server's limit"),
    ]

    @Test(arguments: cases)
    func refusedWithAJSONError(_ bad: Case) async throws {
        let fixture = try ServerFixture()
        let server = try fixture.server {
            $0.maxBodyBytes = 1024
            $0.maxRequestExamples = 2
        }
        let goodBody = String(decoding: Self.tensor(), as: UTF8.self)
        try await serving(server) { client in
            let response = try await client.execute(uri: bad.uri, method: bad.method, headers: bad.headers, body: bad.body.isEmpty ? nil : ByteBuffer(bytes: bad.body))
            #expect(response.status == bad.status, "\(String(buffer: response.body))")
            #expect(response.headers["content-type"] == "application/json")
            let message = try #require(try json(response)["error"] as? String)
            #expect(message.contains(bad.error), "\(message)")
            let good = try await post(client, "/v2/models/flowers/infer", goodBody)
            #expect(good.status == .ok)
        }
    }

    @Test func metricsPortAnswersTheHealthChecksAlone() async throws {
        let fixture = try ServerFixture()
        let server = try fixture.server { $0.metricsPort = 0 }
        try await serving(server) { _, metrics in
            let probes = try #require(metrics)
            let live = try await probes.execute(uri: "/v2/health/live", method: .get)
            #expect(live.status == .ok)
            #expect(try await probes.execute(uri: "/v2/health/ready", method: .get).status == .ok)
            #expect(try await probes.execute(uri: "/v2/models/flowers", method: .get).status == .notFound)
        }
    }

    @Test func bearerTokenSparesTheHealthChecks() async throws {
        let fixture = try ServerFixture()
        let server = try fixture.server { $0.token = "s3cret" }
        let body = String(decoding: Self.tensor(), as: UTF8.self)
        try await serving(server) { client in
            let live = try await client.execute(uri: "/v2/health/live", method: .get)
            #expect(live.status == .ok)
            #expect(try await client.execute(uri: "/v2/health/ready", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/v2/models/flowers", method: .get).status == .unauthorized)
            #expect(try await post(client, "/v2/models/flowers/infer", body).status == .unauthorized)
            #expect(try await post(client, "/v2/models/flowers/infer", body, headers: [.authorization: "Bearer s3cret"]).status == .ok)
        }
    }
}
#endif
