#if Server
import Backprop
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The served model of one file and its reloads. A reload reads and checks the whole file
/// before it swaps the new version in, in one step; a file that does not load leaves the old
/// version serving and is logged and counted. Requests hold the version they started with.
final class ModelStore: ModelSource {
    let path: String
    let name: String
    private let maxBytes: Int
    private let metrics: ServerMetrics
    private let logger: Logger
    private let state: Mutex<(model: ServedModel, file: FileIdentity?)>
    /// Held for the whole of a reload, so that SIGHUP and the file watcher never reload at once.
    private let reloading = Mutex(())

    /// Loads the model at `path`.
    /// - Throws: the library's error if the file does not load.
    init(path: String, name: String, maxBytes: Int, metrics: ServerMetrics, logger: Logger) throws {
        self.path = path
        self.name = name
        self.maxBytes = maxBytes
        self.metrics = metrics
        self.logger = logger
        let file = FileIdentity(path)
        let model = try ServedModel(model: ModelFile.read(from: path, maximumBytes: maxBytes), name: name, version: 1, file: path)
        state = Mutex((model, file))
        metrics.modelVersion.set(Int64(1))
    }

    /// The version that new requests use.
    var current: ServedModel { state.withLock { $0.model } }

    var served: [ServedModel] { [current] }

    /// Reads the file again and serves it as the next version if it loads.
    /// - Returns: the version now served, or the error that kept the old one.
    @discardableResult
    func reload(because reason: String) -> Result<Int, any Error> {
        reloading.withLock { _ in
            let file = FileIdentity(path)
            let next = current.version + 1
            do {
                let model = try ServedModel(model: ModelFile.read(from: path, maximumBytes: maxBytes), name: name, version: next, file: path)
                state.withLock { $0 = (model, file) }
                metrics.reloads("success").increment()
                metrics.modelVersion.set(Int64(next))
                logger.notice("reloaded \(path) (\(reason)): model '\(name)' version \(next)")
                return .success(next)
            } catch {
                state.withLock { $0.file = file }  // not retried until the file changes again
                metrics.reloads("error").increment()
                logger.error("reload of \(path) (\(reason)) failed, still serving version \(next - 1): \(error)")
                return .failure(error)
            }
        }
    }

    /// Reloads if the file is not the one last read (another inode, size or modification time).
    func reloadIfChanged() {
        let file = FileIdentity(path)
        guard file != nil, file != state.withLock({ $0.file }) else { return }
        reload(because: "the file changed")
    }
}

/// What tells a replaced or rewritten file from the one read before.
struct FileIdentity: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modifiedSeconds: Int
    let modifiedNanoseconds: Int

    init?(_ path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        #if canImport(Darwin)
        let modified = status.st_mtimespec
        #else
        let modified = status.st_mtim
        #endif
        modifiedSeconds = Int(modified.tv_sec)
        modifiedNanoseconds = Int(modified.tv_nsec)
    }
}

/// Reloads the models on SIGHUP, and when their files change (checked every `interval`),
/// until the server shuts down.
struct ModelReloadService: Service {
    let store: any ModelSource
    let interval: Duration?

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in signals { store.reload(because: "SIGHUP") }
            }
            if let interval {
                group.addTask {
                    while (try? await Task.sleep(for: interval)) != nil { store.reloadIfChanged() }
                }
            }
            try? await gracefulShutdown()  // returns once the server starts to drain
            group.cancelAll()
        }
    }
}
#endif
