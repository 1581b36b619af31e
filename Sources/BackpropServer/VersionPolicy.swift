#if Server
/// Which versions of each model in a repository are served, as TensorFlow Serving's
/// `model_version_policy` and Triton's `version_policy` choose them.
public enum VersionPolicy: Sendable, Equatable, CustomStringConvertible {
    /// The `count` highest version numbers that load (a newer version that does not load
    /// leaves the one before it serving).
    case latest(Int)
    /// Every version that loads.
    case all
    /// These versions, where they load.
    case specific(Set<Int>)

    /// A policy as the command line writes it: `latest:N`, `all` or `specific:V,V,…`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        switch (parts.first, parts.count) {
        case ("all", 1):
            self = .all
        case ("latest", 2):
            guard let count = Int(parts[1]), count >= 1 else { return nil }
            self = .latest(count)
        case ("specific", 2):
            let versions = parts[1].split(separator: ",").map { Int($0) }
            guard !versions.isEmpty, versions.allSatisfy({ ($0 ?? 0) >= 1 }) else { return nil }
            self = .specific(Set(versions.compactMap { $0 }))
        default:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .latest(let count): "latest:\(count)"
        case .all: "all"
        case .specific(let versions): "specific:" + versions.sorted().map(String.init).joined(separator: ",")
        }
    }

    /// Whether `version` may be served, before it is known to load.
    func admits(_ version: Int) -> Bool {
        if case .specific(let versions) = self { return versions.contains(version) }
        return true
    }

    /// How many loaded versions are served (from the newest).
    var limit: Int {
        if case .latest(let count) = self { return count }
        return .max
    }
}
#endif
