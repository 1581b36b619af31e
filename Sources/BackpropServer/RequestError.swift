#if Server
import Hummingbird

/// A request the server refuses, answered `{"error": "…"}` (TensorFlow Serving's shape) with
/// a 4xx status.
package struct RequestError: Error, HTTPResponseError, Sendable {
    package let status: HTTPResponse.Status
    package let message: String
    package var headers: HTTPFields = [:]

    package init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        jsonResponse("{\"error\":\(jsonQuoted(message))}", status: status, headers: headers)
    }
}

/// A response with a JSON body.
package func jsonResponse(_ body: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
    var fields = headers
    fields[.contentType] = "application/json"
    return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
}

/// Turns every error into a JSON response: a `RequestError` as it is, Hummingbird's and
/// NIO's (404 for an unknown path, 413 for a body over the limit, …) with a message, and
/// anything else as 500, logged (a bug: no request should reach it).
package struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    package init() {}

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as RequestError {
            return try error.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            let message: String =
                switch error.status {
                case .notFound: "no such endpoint: \(request.method) \(request.uri.path)"
                case .contentTooLarge: "the request body is larger than the server's limit"
                default: (error as? HTTPError)?.body ?? error.status.reasonPhrase
                }
            return jsonResponse("{\"error\":\(jsonQuoted(message))}", status: error.status, headers: (error as? HTTPError)?.headers ?? [:])
        } catch {
            context.logger.error("internal error: \(error)")
            return jsonResponse("{\"error\":\"internal error\"}", status: .internalServerError)
        }
    }
}

/// Requires `Authorization: Bearer TOKEN` on every path but the health checks, which load
/// balancers probe without credentials.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: BearerToken

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/healthz" || path == "/readyz" || path == "/v2/health/live" || path == "/v2/health/ready" {
            return try await next(request, context)
        }
        try token.check(request.headers[.authorization])
        return try await next(request, context)
    }
}

/// The server's bearer token, and the check of an `Authorization` value against it (HTTP's
/// header, gRPC's metadata). The scheme is matched in any case and may be followed by several
/// spaces (RFC 9110, section 11.4); the comparison of tokens takes the same time wherever
/// they differ.
package struct BearerToken: Sendable {
    let token: [UInt8]

    package init(_ token: String) {
        self.token = Array(token.utf8)
    }

    /// - Throws: `RequestError` (401) when `authorization` is missing or not `Bearer TOKEN`.
    package func check(_ authorization: String?) throws(RequestError) {
        guard let authorization else {
            throw RequestError(.unauthorized, "this server needs a bearer token: send 'Authorization: Bearer TOKEN'", headers: [.wwwAuthenticate: "Bearer"])
        }
        guard let given = Self.credentials(authorization), Self.equal(given, token) else {
            throw RequestError(.unauthorized, "the bearer token is not this server's", headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
        }
    }

    /// The token of an `Authorization` value of the Bearer scheme: "bearer" in any case, one
    /// or more spaces, then the token; nil for another scheme.
    static func credentials(_ header: String) -> [UInt8]? {
        let bytes = Array(header.utf8), scheme = Array("bearer".utf8)
        guard bytes.count > scheme.count, bytes[scheme.count] == UInt8(ascii: " "),
              zip(bytes, scheme).allSatisfy({ $0 | 0x20 == $1 })
        else { return nil }
        return Array(bytes.dropFirst(scheme.count).drop { $0 == UInt8(ascii: " ") })
    }

    /// Whether a == b, in time that depends only on their lengths.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
#endif
