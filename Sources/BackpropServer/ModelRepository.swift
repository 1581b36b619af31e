#if Server
import Backprop
import Foundation
import Logging
import Synchronization

/// A repository of models and versions, in TensorFlow Serving's and Triton's layout:
/// `DIR/NAME/VERSION/model.safetensors`, NAME a model name and VERSION a positive whole
/// number. Every scan (at start, on SIGHUP and every watch interval) loads the versions the
/// policy admits that are new or whose file changed, reading and checking each whole file
/// before it is served, and retires the versions the policy no longer admits or whose files
/// are gone. A file that does not load is logged and counted, and not read again until it
/// changes; what was served goes on being served. Requests hold the version they started with.
final class ModelRepository: ModelSource {
    /// The file each version's folder holds.
    static let fileName = "model.safetensors"
    let directory: String
    let policy: VersionPolicy
    private let maxBytes: Int
    private let metrics: ServerMetrics
    private let logger: Logger
    private struct Entry {
        var model: ServedModel?
        var file: FileIdentity?
    }
    /// Every version seen, loaded or not, by model name and version.
    private let entries = Mutex<[String: [Int: Entry]]>([:])
    /// Held for the whole of a scan, so that SIGHUP and the watcher never scan at once.
    private let scanning = Mutex(())
    /// Folders skipped and logged already (each is logged once).
    private let skipped = Mutex<Set<String>>([])

    /// A repository at `directory`, scanned now.
    init(directory: String, policy: VersionPolicy, maxBytes: Int, metrics: ServerMetrics, logger: Logger) {
        self.directory = directory
        self.policy = policy
        self.maxBytes = maxBytes
        self.metrics = metrics
        self.logger = logger
        scan(because: "the server started")
    }

    var served: [ServedModel] {
        entries.withLock { all in
            all.keys.sorted().flatMap { name in
                (all[name] ?? [:]).sorted { $0.key > $1.key }.compactMap(\.value.model)
            }
        }
    }

    @discardableResult
    func reload(because reason: String) -> Result<Int, any Error> {
        scan(because: reason)
        return .success(served.map(\.version).max() ?? 0)
    }

    func reloadIfChanged() {
        scan(because: "a scan of the repository")
    }

    /// Loads what is new or changed and admitted, retires what is not.
    private func scan(because reason: String) {
        scanning.withLock { _ in
            let found = Self.versionFolders(in: directory) { folder in
                if skipped.withLock({ $0.insert(folder).inserted }) {
                    logger.warning("\(folder): skipped, not a model name (letters, digits, '.', '_', '-')")
                }
            }
            for (name, versions) in found {
                var kept = 0
                for (version, path) in versions.sorted(by: { $0.key > $1.key }) where policy.admits(version) {
                    if kept < policy.limit, load(name, version, from: path, because: reason) { kept += 1 }
                }
            }
            retire(keeping: found)
            metrics.modelVersion.set(Int64(served.map(\.version).max() ?? 0))
        }
    }

    /// Loads `name` version `version` unless it is loaded from this very file already.
    /// - Returns: whether that version is served now.
    private func load(_ name: String, _ version: Int, from path: String, because reason: String) -> Bool {
        let file = FileIdentity(path)
        let known = entries.withLock { $0[name]?[version] }
        if let known, known.file == file { return known.model != nil }
        do {
            let model = try ServedModel(model: ModelFile.read(from: path, maximumBytes: maxBytes), name: name, version: version, file: path)
            entries.withLock { $0[name, default: [:]][version] = Entry(model: model, file: file) }
            metrics.reloads("success").increment()
            logger.notice("loaded \(path) (\(reason)): model '\(name)' version \(version)")
            return true
        } catch {
            // Not read again until the file changes; a version loaded from an earlier file serves on.
            entries.withLock { $0[name, default: [:]][version] = Entry(model: known?.model, file: file) }
            metrics.reloads("error").increment()
            logger.error("\(path) (\(reason)) did not load\(known?.model != nil ? ", its earlier file serves on" : ""): \(error)")
            return known?.model != nil
        }
    }

    /// Drops the versions whose folders are gone or that the policy no longer serves (past
    /// the newest `policy.limit` that load).
    private func retire(keeping found: [String: [Int: String]]) {
        let retired: [String] = entries.withLock { all in
            var retired: [String] = []
            for (name, versions) in all {
                var kept = 0
                for version in versions.keys.sorted(by: >) {
                    let present = found[name]?[version] != nil && policy.admits(version)
                    let serving = versions[version]?.model != nil
                    if present && serving && kept < policy.limit {
                        kept += 1
                    } else if !present || serving {
                        if serving { retired.append("model '\(name)' version \(version)") }
                        all[name]?[version] = nil
                    }
                }
                if all[name]?.isEmpty == true { all[name] = nil }
            }
            return retired
        }
        for version in retired { logger.notice("retired \(version)") }
    }

    /// `DIR/NAME/VERSION/model.safetensors` files, by name and version. Folders whose names
    /// are not versions are skipped; those that are not model names are passed to `skip`.
    static func versionFolders(in directory: String, skip: (String) -> Void) -> [String: [Int: String]] {
        let manager = FileManager.default
        var found: [String: [Int: String]] = [:]
        for name in (try? manager.contentsOfDirectory(atPath: directory)) ?? [] where !name.hasPrefix(".") {
            let folder = directory + "/" + name
            guard isFolder(folder) else { continue }
            guard ServerConfiguration.isValidModelName(name) else {
                skip(folder)
                continue
            }
            for entry in (try? manager.contentsOfDirectory(atPath: folder)) ?? [] {
                guard let version = Int(entry), version >= 1, entry.allSatisfy(\.isNumber) else { continue }
                let path = "\(folder)/\(entry)/\(fileName)"
                if manager.fileExists(atPath: path) { found[name, default: [:]][version] = path }
            }
        }
        return found
    }

    /// Whether `path` is a folder (following a symbolic link).
    static func isFolder(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
    }
}
#endif
