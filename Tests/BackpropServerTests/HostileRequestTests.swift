#if Server
import Backprop
import BackpropServer
import Foundation
import Hummingbird
import Testing

/// Every class of malformed request gets a 4xx with a JSON error that says what was wrong,
/// never a 500 or a crash, and the server goes on answering good requests.
@Suite struct HostileRequestTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var method: HTTPRequest.Method = .post
        var uri = "/v1/models/flowers:predict"
        var body: String?
        var headers: HTTPFields = [:]
        var status: HTTPResponse.Status = .badRequest
        var error: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "not JSON", body: "instances: 1", error: "must be a JSON object with \"instances\", not 'instances: 1' (line 1, column 1)"),
        Case(name: "truncated JSON", body: "{\"instances\": [[1, 2, 3]", error: "ends inside \"instances\""),
        Case(name: "NaN literal", body: "{\"instances\": [[NaN, 2, 3]]}", error: "instances[0][0]: expected a number, got 'NaN' (line 1, column 17)"),
        Case(name: "Infinity literal", body: "{\"instances\": [[1,\n Infinity, 3]]}", error: "instances[0][1]: expected a number, got 'Infinity' (line 2, column 2)"),
        Case(name: "empty body", body: "", error: "the body is empty"),
        Case(name: "top-level list", body: "[[1, 2, 3]]", error: "JSON object with \"instances\""),
        Case(name: "data after the object", body: "{\"instances\": [[1, 2, 3]]} {}", error: "unexpected '{' after the JSON object"),
        Case(name: "instances twice", body: "{\"instances\": [[1, 2, 3]], \"instances\": []}", error: "appears twice"),
        Case(name: "deeply nested other key", body: "{\"x\": " + String(repeating: "[", count: 100) + ", \"instances\": [[1, 2, 3]]}", error: "nested deeper than 64"),
        Case(name: "raw control character", body: "{\"instances\": [{\"x\u{01}\": 1}]}", error: "control character"),
        Case(name: "bad escape", body: "{\"instances\": [{\"x\\q\": 1}]}", error: "unknown escape"),
        Case(name: "leading zero", body: "{\"instances\": [[01, 2, 3]]}", error: "expected ',' or ']' in instances[0]"),
        Case(name: "bare decimal point", body: "{\"instances\": [[1., 2, 3]]}", error: "a digit must follow the decimal point"),
        Case(name: "no instances", body: "{\"inputs\": [[1, 2, 3]]}", error: "needs \"instances\""),
        Case(name: "instances not a list", body: "{\"instances\": {\"x1\": 1}}", error: "must be a list"),
        Case(name: "no examples", body: "{\"instances\": []}", error: "is empty"),
        Case(name: "too few features", body: "{\"instances\": [[1, 2, 3], [1, 2]]}", error: "instances[1] has 2 values; model 'flowers' reads 3"),
        Case(name: "too many features", body: "{\"instances\": [[1, 2, 3, 4]]}", error: "instances[0] has 4 values"),
        Case(name: "string value", body: "{\"instances\": [[1, \"2\", 3]]}", error: "instances[0][1]: expected a number"),
        Case(name: "boolean value", body: "{\"instances\": [[1, 2, true]]}", error: "instances[0][2]: expected a number"),
        Case(name: "null value", body: "{\"instances\": [[1, null, 3]]}", error: "instances[0][1]: expected a number, got 'null'"),
        Case(name: "nested list", body: "{\"instances\": [[[1], 2, 3]]}", error: "instances[0][0]: expected a number"),
        Case(name: "beyond Float", body: "{\"instances\": [[1e39, 2, 3]]}", error: "instances[0][0]: 1e39 is beyond the range of a 32-bit float"),
        Case(name: "beyond Double", body: "{\"instances\": [[1, 2, -1e400]]}", error: "instances[0][2]: -1e400 is beyond"),
        Case(name: "unknown feature", body: "{\"instances\": [{\"x1\": 1, \"x2\": 2, \"x3\": 3, \"x9\": 4}]}", error: "unknown feature 'x9'"),
        Case(name: "missing feature", body: "{\"instances\": [{\"x1\": 1, \"x3\": 3}]}", error: "lacks feature 'x2'"),
        Case(name: "feature twice", body: "{\"instances\": [{\"x1\": 1, \"x2\": 2, \"x1\": 3}]}", error: "gives feature 'x1' twice"),
        Case(name: "single number for three features", body: "{\"instances\": [7]}", error: "instances[0] is a single number"),
        Case(name: "string instance", body: "{\"instances\": [\"1,2,3\"]}", error: "instances[0]: expected a list of numbers, an object of features or a number"),
        Case(name: "string in object", body: "{\"instances\": [{\"x1\": 1, \"x2\": \"a\", \"x3\": 3}]}", error: "instances[0][\"x2\"]: expected a number"),
        Case(name: "unknown model", uri: "/v1/models/trees:predict", body: "{\"instances\": [[1, 2, 3]]}", status: .notFound, error: "no model named 'trees'"),
        Case(name: "unknown method", uri: "/v1/models/flowers:classify", body: "{\"instances\": [[1, 2, 3]]}", status: .notFound, error: "unknown method 'classify'"),
        Case(name: "POST without a method", uri: "/v1/models/flowers", body: "{}", status: .methodNotAllowed, error: "expected NAME:predict"),
        Case(name: "GET predict", method: .get, uri: "/v1/models/flowers:predict", status: .methodNotAllowed, error: "use POST"),
        Case(name: "unknown path", method: .get, uri: "/v2/everything", status: .notFound, error: "no such endpoint"),
        Case(name: "unknown model metadata", method: .get, uri: "/v1/models/trees", status: .notFound, error: "no model named"),
        Case(name: "more examples than the limit", body: "{\"instances\": [[1, 2, 3], [1, 2, 3], [1, 2, 3]]}", status: .contentTooLarge, error: "more than 2 examples; this server takes at most 2 per request (--max-request-examples)"),
        Case(name: "more examples than the limit, the last one bad", body: "{\"instances\": [[1, 2, 3], [1, 2, 3], [\"x\"]]}", status: .contentTooLarge, error: "--max-request-examples"),
        Case(name: "a foreign Origin", body: "{\"instances\": [[1, 2, 3]]}", headers: [.origin: "http://evil.example"], status: .forbidden, error: "Origin 'http://evil.example' is not this server's (expected 'http://localhost')"),
        Case(name: "Origin null", body: "{\"instances\": [[1, 2, 3]]}", headers: [.origin: "null"], status: .forbidden, error: "cross-origin request refused"),
        Case(name: "Origin of another port", body: "{\"instances\": [[1, 2, 3]]}", headers: [.origin: "http://localhost:9999"], status: .forbidden, error: "cross-origin"),
        Case(name: "body over the limit", body: "{\"instances\": [[" + String(repeating: "1, ", count: 600) + "1]]}", status: .contentTooLarge, error: "larger than the server's limit"),
    ]

    @Test(arguments: cases)
    func refusedWithAJSONError(_ bad: Case) async throws {
        let fixture = try ServerFixture()
        let server = try fixture.server {
            $0.maxBodyBytes = 1024
            $0.maxRequestExamples = 2
        }
        try await serving(server) { client in
            let response = try await client.execute(uri: bad.uri, method: bad.method, headers: bad.headers, body: bad.body.map { ByteBuffer(string: $0) })
            #expect(response.status == bad.status, "\(String(buffer: response.body))")
            #expect(response.headers["content-type"] == "application/json")
            let message = try #require(try json(response)["error"] as? String)
            #expect(message.contains(bad.error), "\(message)")
            let good = try await post(client, "/v1/models/flowers:predict", "{\"instances\": [[1, 2, 3], [4, 5, 6]]}")
            #expect(good.status == .ok)
            let sameOrigin = try await post(client, "/v1/models/flowers:predict", "{\"instances\": [[1, 2, 3]]}", headers: [.origin: "http://localhost"])
            #expect(sameOrigin.status == .ok)
        }
    }

    @Test func bearerTokenGuardsAllButHealthChecks() async throws {
        let fixture = try ServerFixture()
        let tokenFile = fixture.folder.appendingPathComponent("token").path
        try "s3cret-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let token = try ServerConfiguration.token(readingFile: tokenFile)
        #expect(token == "s3cret-token")
        let server = try fixture.server { $0.token = token }
        try await serving(server) { client in
            let body = "{\"instances\": [[1, 2, 3]]}"
            let none = try await post(client, "/v1/models/flowers:predict", body)
            #expect(none.status == .unauthorized)
            #expect(none.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
            #expect((try json(none)["error"] as? String)?.contains("bearer token") == true)
            #expect(try await post(client, "/v1/models/flowers:predict", body, headers: [.authorization: "Bearer s3cret-tokem"]).status == .unauthorized)
            #expect(try await post(client, "/v1/models/flowers:predict", body, headers: [.authorization: "Basic s3cret-token"]).status == .unauthorized)
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            #expect(try await post(client, "/v1/models/flowers:predict", body, headers: [.authorization: "Bearer s3cret-token"]).status == .ok)
            // The scheme is case-insensitive, and more than one space may follow it.
            for value in ["bearer s3cret-token", "BEARER  s3cret-token"] {
                #expect(try await post(client, "/v1/models/flowers:predict", body, headers: [.authorization: value]).status == .ok, "\(value)")
            }
            for value in ["Bearers3cret-token", "Bearer", "Bearer "] {
                #expect(try await post(client, "/v1/models/flowers:predict", body, headers: [.authorization: value]).status == .unauthorized, "\(value)")
            }
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
        }
    }

    @Test func emptyTokenFileIsRefused() throws {
        let fixture = try ServerFixture()
        let tokenFile = fixture.folder.appendingPathComponent("token").path
        try "\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        #expect { try ServerConfiguration.token(readingFile: tokenFile) } throws: { "\($0)".contains("expected a bearer token") }
        #expect { try ServerConfiguration.token(readingFile: tokenFile + ".missing") } throws: { "\($0)".contains("token.missing") }
    }
}
#endif
