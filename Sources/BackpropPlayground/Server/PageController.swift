#if Server
import Hummingbird
import NIOCore

/// The page: its HTML, scripts and style sheet, built into the binary (`PlaygroundPage`).
struct PageController<Context: RequestContext> {
    func addRoutes(to group: RouterGroup<Context>) {
        for asset in PlaygroundPage.assets {
            group.get(RouterPath(asset.path)) { _, _ in Self.response(asset) }
        }
    }

    /// `asset` as it is, to be asked for again on every load (the page changes with the binary).
    static func response(_ asset: PlaygroundPage.Asset) -> Response {
        Response(
            status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
#endif
