#if GRPC
import BackpropServer
import GRPCCore

extension RPCError {
    /// The gRPC status of a fault the REST routes answer with `error.status`, with the same
    /// message: 400 → INVALID_ARGUMENT, 401 → UNAUTHENTICATED, 403 → PERMISSION_DENIED,
    /// 404 → NOT_FOUND, 413 and 429 → RESOURCE_EXHAUSTED, 503 → UNAVAILABLE, 504 →
    /// DEADLINE_EXCEEDED; any other 4xx is INVALID_ARGUMENT and anything else INTERNAL.
    init(_ error: RequestError) {
        let code: RPCError.Code =
            switch error.status.code {
            case 401: .unauthenticated
            case 403: .permissionDenied
            case 404: .notFound
            case 413, 429: .resourceExhausted
            case 503: .unavailable
            case 504: .deadlineExceeded
            case 400..<500: .invalidArgument
            default: .internalError
            }
        self.init(code: code, message: error.message)
    }
}
#endif
