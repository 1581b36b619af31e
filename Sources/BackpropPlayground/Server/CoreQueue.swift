#if Server
import Foundation

/// The cores that the playground's work shares: at most `cores` pieces of work compute at
/// once, one a core, and the others wait their turn, first come first served. Training runs
/// and requests take a core for a slice of work at a time, so a run that plays flat out
/// gets its share and no more, and a request never waits behind a whole training run.
///
/// `withCore` blocks its thread while it waits: it is called on the playground's own
/// threads (`PlaygroundWorkers`, a run's training thread), never on Swift's cooperative pool.
final class CoreQueue: @unchecked Sendable {
    /// How many pieces of work compute at once.
    let cores: Int
    private let condition = NSCondition()
    private var busy = 0
    private var nextTicket = 0, nextServed = 0

    /// A queue for `cores` cores (at least 1).
    init(cores: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.cores = max(1, cores)
    }

    /// `body` on one of the cores, once every piece of work that asked earlier has had one.
    func withCore<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        let ticket = nextTicket
        nextTicket += 1
        while ticket != nextServed || busy == cores { condition.wait() }
        nextServed += 1
        busy += 1
        condition.broadcast()
        condition.unlock()
        defer {
            condition.lock()
            busy -= 1
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }
}
#endif
