#if Server
/// The page's files, built into the binary (SwiftPM's `embedInCode`), so the playground
/// works offline and from any folder. Everything it runs is ours: no CDN, no framework.
enum PlaygroundPage {
    struct Asset: Sendable {
        let path: String, contentType: String, bytes: [UInt8]
    }

    static let assets: [Asset] = [
        Asset(path: "/", contentType: "text/html; charset=utf-8", bytes: PackageResources.index_html),
        Asset(path: "/playground.js", contentType: "text/javascript; charset=utf-8", bytes: PackageResources.playground_js),
        Asset(path: "/playground.css", contentType: "text/css; charset=utf-8", bytes: PackageResources.playground_css),
    ]
}
#endif
