// A small pool of helper threads that each run one part of a job while the calling thread
// runs part 0: how matrix products and the optimizer step use more than one core without
// allocating (OpenBLAS's own threaded calls malloc a job table each).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Work that splits into parts which can run at the same time.
protocol ParallelJob {
    /// Runs part `part` (0 ..< parts) of the work.
    func run(part: Int, of parts: Int)
}

/// Runs `job.run(part:of:)` for part = 0 ..< parts, part 0 on the calling thread and the
/// others on helper threads at the same time, and returns when all are done. Parts beyond
/// the helpers there are, and calls made while another job runs, run on the calling thread.
///
/// The job stays on the caller's stack; helpers reach it through a pointer and a function
/// that knows its type. (A closure would do, but handing a non-escaping closure to
/// another thread takes `withoutActuallyEscaping`, which allocates.) Call it with a
/// concrete job type: in specialized code the function stored below captures nothing.
func inParallel<Job: ParallelJob>(parts: Int, _ job: Job) {
    let pool = HelperPool.shared
    guard parts > 1, !pool.helpers.isEmpty, pool.busy.compareExchange(
        expected: false, desired: true, ordering: .acquiring).exchanged
    else {
        for part in 0..<parts { job.run(part: part, of: parts) }
        return
    }
    defer { pool.busy.store(false, ordering: .releasing) }
    withUnsafePointer(to: job) { pointer in
        let helped = min(parts - 1, pool.helpers.count)
        pool.job = UnsafeRawPointer(pointer)
        pool.parts = parts
        pool.invoke = { job, part, parts in job.assumingMemoryBound(to: Job.self).pointee.run(part: part, of: parts) }
        for h in 0..<helped { pool.helpers[h].post() }
        job.run(part: 0, of: parts)
        for part in (helped + 1)..<max(parts, helped + 1) { job.run(part: part, of: parts) }
        for h in 0..<helped { pool.helpers[h].wait() }
        pool.job = nil
    }
}

/// The helper threads, started on first use: one fewer than the cores.
final class HelperPool: @unchecked Sendable {
    static let shared = HelperPool(count: ProcessInfo.processInfo.activeProcessorCount - 1)

    let helpers: [Helper]
    /// Whether a job is running (inParallel is not re-entrant).
    let busy = Atomic<Bool>(false)
    /// The job being run, its part count and the function that runs one part of it;
    /// written only while no helper reads them.
    nonisolated(unsafe) var job: UnsafeRawPointer?
    nonisolated(unsafe) var parts = 1
    nonisolated(unsafe) var invoke: (UnsafeRawPointer, Int, Int) -> Void = { _, _, _ in }

    private init(count: Int) {
        helpers = (0..<max(0, count)).map { Helper(part: $0 + 1) }
        for helper in helpers {
            let thread = Thread { [unowned self] in helper.run(self) }
            thread.name = "backprop-helper-\(helper.part)"
            thread.start()
        }
    }
}

/// One helper thread: it spins while jobs come often, then sleeps on a condition variable.
final class Helper: @unchecked Sendable {
    let part: Int
    /// Jobs posted, and jobs finished.
    private let posted = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleeping = Atomic<Bool>(false)
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// How many times the helper polls for a job before it sleeps.
    private let spinLimit = 100_000

    init(part: Int) {
        self.part = part
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    /// Hands the pool's current job to this helper.
    func post() {
        posted.wrappingAdd(1, ordering: .sequentiallyConsistent)
        if sleeping.load(ordering: .sequentiallyConsistent) {
            pthread_mutex_lock(mutex)
            pthread_cond_signal(condition)
            pthread_mutex_unlock(mutex)
        }
    }

    /// Waits until this helper has finished every job posted to it.
    func wait() {
        let target = posted.load(ordering: .relaxed)
        while finished.load(ordering: .acquiring) != target {}
    }

    fileprivate func run(_ pool: HelperPool) {
        var seen = 0
        while true {
            var spins = 0
            while posted.load(ordering: .sequentiallyConsistent) == seen {
                spins += 1
                if spins < spinLimit { continue }
                pthread_mutex_lock(mutex)
                sleeping.store(true, ordering: .sequentiallyConsistent)
                while posted.load(ordering: .sequentiallyConsistent) == seen {
                    pthread_cond_wait(condition, mutex)
                }
                sleeping.store(false, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(mutex)
            }
            seen = posted.load(ordering: .acquiring)
            if let job = pool.job { pool.invoke(job, part, pool.parts) }
            finished.store(seen, ordering: .releasing)
        }
    }
}
