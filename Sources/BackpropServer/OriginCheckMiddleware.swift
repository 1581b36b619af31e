#if Server
import Hummingbird

/// Refuses (403) a request whose `Origin` header names another site than the one it was sent
/// to (`http://` and its `Host`): a web page that makes the browser send requests to this
/// server. Programs (curl, clients, load balancers) send no `Origin` and are not affected,
/// under any `Host` name.
package struct OriginCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    package init() {}

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let origin = request.headers[.origin] {
            let host = request.head.authority ?? ""
            guard !host.isEmpty, origin == "http://" + host else {
                throw RequestError(
                    .forbidden,
                    "cross-origin request refused: Origin '\(origin.prefix(128))' is not this server's (expected 'http://\(host.prefix(128))'); this API is for programs, not for pages in a browser")
            }
        }
        return try await next(request, context)
    }
}
#endif
