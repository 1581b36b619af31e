#if Server
import BackpropServer
import Hummingbird

/// `GET /api/options`: the lists, defaults and limits the page builds its controls from
/// (`PlaygroundOptions`).
struct OptionsController<Context: RequestContext> {
    func addRoutes(to group: RouterGroup<Context>) {
        group.get(use: options)
    }

    @Sendable func options(_ request: Request, context: Context) throws -> Response {
        jsonResponse(try PlaygroundJSON.string(PlaygroundOptions()))
    }
}
#endif
