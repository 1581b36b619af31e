#if Server
import BackpropServer
import Hummingbird

/// Keeps other web pages out of the playground. A page the learner visits can make their
/// browser send requests to 127.0.0.1; the playground answers only its own page:
///
/// - the `Host` must name this machine as the page reached it: an IP address, `localhost`
///   (or a name under it), or a name given with `--allowed-host` (against DNS rebinding,
///   where a hostile name comes to point at 127.0.0.1, as Jupyter and Vite check);
/// - `/api/` refuses what browsers mark `Sec-Fetch-Site: cross-site` or `same-site`;
/// - a request that changes something (any method but GET and HEAD) with an `Origin` must
///   come from `http://` and the same host (cross-site request forgery), and one with a body
///   must say what it sends: `application/json`, or for the uploads `text/csv` and
///   `application/octet-stream` — types a page cannot send to another origin without asking
///   it first (a CORS preflight, which the playground does not answer).
///
/// Refusals are 403, or 415 for a body of another type, each saying what was expected.
/// Programs such as curl send no `Origin` and pass the checks.
struct OriginGuard<Context: RequestContext>: RouterMiddleware {
    /// Host names accepted besides IP addresses and localhost, in lower case; "*" accepts any.
    let allowedHosts: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let authority = request.head.authority ?? ""
        guard let host = Self.hostName(authority) else {
            throw RequestError(.forbidden, "the request has no Host header naming this server")
        }
        guard allowedHosts.contains("*") || Self.isLocal(host) || allowedHosts.contains(host) else {
            throw RequestError(
                .forbidden,
                "Host '\(authority.prefix(128))' is not a name of this server: open it by IP address or localhost, or start it with --allowed-host \(host.prefix(128))")
        }
        let path = request.uri.path
        // Fetch Metadata: where the page that made the request came from.
        let site = request.headers.first { $0.name.canonicalName == "sec-fetch-site" }?.value
        if path.hasPrefix("/api/"), let site, site == "cross-site" || site == "same-site" {
            throw RequestError(.forbidden, "requests from other sites' pages are refused (Sec-Fetch-Site: \(site.prefix(32)))")
        }
        guard request.method != .get && request.method != .head else { return try await next(request, context) }
        if let origin = request.headers[.origin], origin.lowercased() != "http://" + authority.lowercased() {
            throw RequestError(.forbidden, "requests from other pages are refused: Origin '\(origin.prefix(128))' is not http://\(authority.prefix(128))")
        }
        if Self.hasBody(request) {
            let expected = Self.contentTypes(for: path)
            let given = request.headers[.contentType].map(Self.mediaType) ?? ""
            guard expected.contains(given) else {
                throw RequestError(
                    .unsupportedMediaType,
                    "Content-Type '\(given.prefix(64))': expected \(expected.joined(separator: " or ")) for \(request.method) \(path.prefix(128))")
            }
        }
        return try await next(request, context)
    }

    /// The media types a POST to `path` may carry.
    static func contentTypes(for path: String) -> [String] {
        if path == "/api/tables" { return ["text/csv", "application/octet-stream"] }
        if path.hasSuffix("/model") { return ["application/octet-stream"] }
        return ["application/json"]
    }

    /// Whether the request carries a body (a length above zero, or chunks).
    static func hasBody(_ request: Request) -> Bool {
        if request.headers[.transferEncoding] != nil { return true }
        return request.headers[.contentLength].map { $0 != "0" } ?? false
    }

    /// "text/csv" of "Text/CSV; charset=utf-8".
    static func mediaType(_ value: String) -> String {
        String(value.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// The host of a `Host` value, without its port, in lower case: "[::1]", "127.0.0.1",
    /// "localhost"; nil for an empty one.
    static func hostName(_ authority: String) -> String? {
        let value = authority.lowercased()
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]") else { return nil }
            return String(value[...close])
        }
        var host = Substring(value)
        if let colon = value.lastIndex(of: ":"), value[value.index(after: colon)...].allSatisfy(\.isASCIIDigit) {
            host = value[..<colon]
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        return host.isEmpty ? nil : String(host)
    }

    /// Whether `host` can only mean this machine or an address given directly: an IP address
    /// (a hostile page's own name is never one), `localhost` or a name under it.
    static func isLocal(_ host: String) -> Bool {
        if host.hasPrefix("[") && host.hasSuffix("]") { return true }
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCIIDigit) && (Int(part) ?? 256) <= 255
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
#endif
