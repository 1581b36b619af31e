#if Server
import Hummingbird

/// `HEAD` answered as `GET` without the body (RFC 9110, section 9.3.2): the same status and
/// header fields, `Content-Length` that of the body not sent. The router generates a `HEAD`
/// route beside each `GET` one (`Router.headAsGet`); this middleware, outermost, also drops
/// the body of the answers no route gives (404, errors), which a client reading a `HEAD`
/// response would otherwise take for the start of the next response.
package struct HeadAsGetMiddleware<Context: RequestContext>: RouterMiddleware {
    package init() {}

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        return request.method == .head ? response.createHeadResponse() : response
    }
}

extension Router {
    /// A router that answers `HEAD` on every `GET` route, its middlewares starting with
    /// `HeadAsGetMiddleware`.
    package static func headAsGet() -> Router<Context> {
        let router = Router(context: Context.self, options: .autoGenerateHeadEndpoints)
        router.middlewares.add(HeadAsGetMiddleware<Context>())
        return router
    }
}
#endif
