#if Server
/// Where the server's models come from: one model file (`ModelStore`) or a repository of
/// models and versions (`ModelRepository`). Requests look models up here; SIGHUP and the
/// file watcher reload through it.
protocol ModelSource: Sendable {
    /// Every model version served now, by name, then version from the newest.
    var served: [ServedModel] { get }
    /// The served model `name` at `version`, or its newest version when `version` is nil.
    /// - Throws: `RequestError` (404) naming what is served instead.
    func model(named name: String, version: String?) throws(RequestError) -> ServedModel
    /// Reads the files again, as SIGHUP asks.
    /// - Returns: the newest version now served, or the error that kept what was served.
    @discardableResult func reload(because reason: String) -> Result<Int, any Error>
    /// Reloads what changed on disk since it was last read.
    func reloadIfChanged()
}

extension ModelSource {
    func model(named name: String, version: String?) throws(RequestError) -> ServedModel {
        let versions = served.filter { $0.name == name }
        guard let newest = versions.first else {
            let names = Set(served.map(\.name)).sorted().map { "'\($0)'" }
            throw RequestError(
                .notFound,
                "no model named '\(name.prefix(128))'; this server serves \(names.isEmpty ? "no model yet" : names.joined(separator: ", "))")
        }
        guard let version else { return newest }
        guard let model = versions.first(where: { "\($0.version)" == version }) else {
            let list = versions.map { "\($0.version)" }.joined(separator: ", ")
            throw RequestError(
                .notFound, "model '\(name)' has no version '\(version.prefix(32))'; it serves version\(versions.count > 1 ? "s" : "") \(list)")
        }
        return model
    }
}
#endif
