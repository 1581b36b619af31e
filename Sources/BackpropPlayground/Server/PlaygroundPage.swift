#if Server
/// The page's files, built into the binary (SwiftPM's `embedInCode`), so the playground
/// works offline and from any folder. Everything it runs is ours: no CDN, no framework.
/// Its scripts are ES modules (`main.js` imports the rest), each served at its file name.
enum PlaygroundPage {
    struct Asset: Sendable {
        let path: String, contentType: String, bytes: [UInt8]
    }

    static let assets: [Asset] = [
        Asset(path: "/", contentType: "text/html; charset=utf-8", bytes: PackageResources.index_html),
        Asset(path: "/playground.css", contentType: "text/css; charset=utf-8", bytes: PackageResources.playground_css),
        script("main.js", PackageResources.main_js),
        script("state.js", PackageResources.state_js),
        script("api.js", PackageResources.api_js),
        script("dom.js", PackageResources.dom_js),
        script("format.js", PackageResources.format_js),
        script("labels.js", PackageResources.labels_js),
        script("options.js", PackageResources.options_js),
        script("controls.js", PackageResources.controls_js),
        script("transport.js", PackageResources.transport_js),
        script("uploads.js", PackageResources.uploads_js),
        script("run.js", PackageResources.run_js),
        script("draw.js", PackageResources.draw_js),
        script("heat-map.js", PackageResources.heat_map_js),
        script("plots.js", PackageResources.plots_js),
        script("network-view.js", PackageResources.network_view_js),
        script("lecture.js", PackageResources.lecture_js),
        script("explanation-view.js", PackageResources.explanation_view_js),
        script("mathml.js", PackageResources.mathml_js),
        script("lecture-step.js", PackageResources.lecture_step_js),
        script("gradient-check.js", PackageResources.gradient_check_js),
    ]

    /// A module of the page's script.
    private static func script(_ name: String, _ bytes: [UInt8]) -> Asset {
        Asset(path: "/" + name, contentType: "text/javascript; charset=utf-8", bytes: bytes)
    }
}
#endif
