#if GRPC
import BackpropServer
import GRPCCore

/// Requires the metadata `authorization: Bearer TOKEN` on every call but ServerLive and
/// ServerReady (the health checks, as on REST), and answers UNAUTHENTICATED otherwise.
struct BearerTokenInterceptor: ServerInterceptor {
    let token: BearerToken

    static let healthMethods: Set<String> = ["ServerLive", "ServerReady"]

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        if !Self.healthMethods.contains(context.descriptor.method) {
            do {
                try token.check(Array(request.metadata[stringValues: "authorization"]).first)
            } catch {
                return StreamingServerResponse(error: RPCError(error))
            }
        }
        return try await next(request, context)
    }
}
#endif
