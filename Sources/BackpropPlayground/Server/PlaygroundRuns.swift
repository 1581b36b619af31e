#if Server
import Backprop
import BackpropServer
import Foundation

/// The server's runs and uploaded tables, by id. The most recently used `maximumRuns` runs
/// are kept; an older one is stopped and dropped when a new one is made.
final class PlaygroundRuns: @unchecked Sendable {
    /// The most runs kept at once.
    static let maximumRuns = 32
    /// The most uploaded tables kept at once (the oldest file is deleted past it; runs made
    /// from it keep their examples).
    static let maximumTables = 16
    /// Where uploads are saved while the server runs.
    let directory: URL
    /// The threads and cores the runs' work computes on.
    let workers: PlaygroundWorkers
    private let lock = NSLock()
    private var runs: [String: PlaygroundRun] = [:]
    private var tables: [String: PlaygroundTable] = [:]
    private var tableOrder: [String] = []

    /// A registry saving uploads under a fresh temporary directory.
    init(workers: PlaygroundWorkers = PlaygroundWorkers()) throws {
        self.workers = workers
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-playground-\(Self.newID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A random id of 12 hexadecimal digits.
    static func newID() -> String {
        String(UInt64.random(in: 0..<(1 << 48)), radix: 16).leftPadded(to: 12)
    }

    /// The run with this id.
    func run(_ id: String) throws(RequestError) -> PlaygroundRun {
        guard let run = lock.withLock({ runs[id] }) else {
            throw RequestError(.notFound, "no run '\(id.prefix(64))' on this server (it restarted, or the run was dropped): reload the page")
        }
        return run
    }

    /// The table with this id.
    func table(_ id: String) throws(RequestError) -> PlaygroundTable {
        guard let table = lock.withLock({ tables[id] }) else {
            throw RequestError(.notFound, "no uploaded table '\(id.prefix(64))' on this server (it restarted?): upload the CSV file again")
        }
        return table
    }

    /// Keeps `session` as a new run, dropping the least recently used one past the limit.
    func add(_ session: PlaygroundSession) -> PlaygroundRun {
        let run = PlaygroundRun(id: Self.newID(), session: session, cores: workers.cores)
        let dropped: PlaygroundRun? = lock.withLock {
            runs[run.id] = run
            guard runs.count > Self.maximumRuns else { return nil }
            let oldest = runs.values.min { $0.lastUsed < $1.lastUsed }
            if let oldest { runs.removeValue(forKey: oldest.id) }
            return oldest
        }
        dropped?.finishAll()
        return run
    }

    /// Saves an uploaded CSV file as `name` and keeps it as a table.
    func addTable(_ bytes: some Sequence<UInt8>, name: String, labelColumn: String?) throws -> (id: String, table: PlaygroundTable) {
        let id = Self.newID()
        let folder = directory.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let table = PlaygroundTable(path: path, labelColumn: labelColumn)
        let dropped: String? = lock.withLock {
            tables[id] = table
            tableOrder.append(id)
            guard tableOrder.count > Self.maximumTables else { return nil }
            let oldest = tableOrder.removeFirst()
            tables.removeValue(forKey: oldest)
            return oldest
        }
        if let dropped { try? FileManager.default.removeItem(at: directory.appendingPathComponent(dropped)) }
        return (id, table)
    }

    /// Stops every run and all work, and ends every page's stream; removes the uploads.
    func closeAll() {
        workers.stop()
        let all = lock.withLock { Array(runs.values) }
        for run in all { run.finishAll() }
        try? FileManager.default.removeItem(at: directory)
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
#endif
