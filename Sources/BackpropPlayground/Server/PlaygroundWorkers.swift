#if Server
import BackpropServer
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// Where the playground's work runs: on threads of its own, never on Swift's cooperative
/// pool that answers requests (a request that trains or checks for seconds would otherwise
/// hold one of its few threads, and with them the whole server). Work computes on a core of
/// `cores` at a time, and stops early (`WorkControl.shouldStop`) when its client disconnects,
/// when `PlaygroundBudget.requestSeconds` have passed, or when the server shuts down.
final class PlaygroundWorkers: Sendable {
    /// The cores the work and the playing runs share.
    let cores: CoreQueue
    /// What a request may cost.
    let budget: PlaygroundBudget
    private let inFlight = Atomic<Int>(0)
    private let uploads = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)

    init(cores: CoreQueue = CoreQueue(), budget: PlaygroundBudget = .standard) {
        self.cores = cores
        self.budget = budget
    }

    /// Whether the server is shutting down: work still going stops at its next check.
    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Tells all work to stop (the server is shutting down).
    func stop() {
        stopping.store(true, ordering: .releasing)
    }

    /// `body`'s result, computed on a thread of its own while the calling task waits.
    /// - Parameter connection: the request's connection; the work is told to stop if it closes.
    /// - Throws: `RequestError` (503) when `budget.maximumWaiting` requests are computing
    ///   or waiting already; whatever `body` throws.
    func run<T: Sendable>(for connection: (any Channel)?, _ body: @escaping @Sendable (WorkControl) throws -> T) async throws -> T {
        guard inFlight.add(1, ordering: .acquiringAndReleasing).newValue <= budget.maximumWaiting else {
            inFlight.subtract(1, ordering: .acquiringAndReleasing)
            throw RequestError(
                .serviceUnavailable, "the playground is busy: \(budget.maximumWaiting) requests are computing or waiting; try again",
                headers: [.retryAfter: "1"])
        }
        defer { inFlight.subtract(1, ordering: .acquiringAndReleasing) }
        let control = WorkControl(deadline: .now + .seconds(budget.requestSeconds), workers: self)
        connection?.closeFuture.whenComplete { _ in control.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body(control) }) }
            thread.name = "backprop.playground.work"
            thread.start()
        }
    }

    /// `receive`'s result, if fewer than `budget.maximumUploads` uploads are being received.
    /// - Throws: `RequestError` (503) past the limit; whatever `receive` throws.
    func receivingUpload<T>(_ receive: () async throws -> T) async throws -> T {
        guard uploads.add(1, ordering: .acquiringAndReleasing).newValue <= budget.maximumUploads else {
            uploads.subtract(1, ordering: .acquiringAndReleasing)
            throw RequestError(
                .serviceUnavailable, "the playground is receiving \(budget.maximumUploads) uploads already; try again",
                headers: [.retryAfter: "1"])
        }
        defer { uploads.subtract(1, ordering: .acquiringAndReleasing) }
        return try await receive()
    }

    /// `body` on its own thread and one of the cores.
    func compute<T: Sendable>(for connection: (any Channel)?, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await run(for: connection) { [cores] _ in try cores.withCore(body) }
    }
}

/// Whether a piece of work should stop: its client disconnected, its deadline passed, or the
/// server is shutting down. Long work checks it between its steps.
final class WorkControl: Sendable {
    /// When the work should have ended.
    let deadline: ContinuousClock.Instant
    private let workers: PlaygroundWorkers
    private let cancelled = Atomic<Bool>(false)

    init(deadline: ContinuousClock.Instant, workers: PlaygroundWorkers) {
        self.deadline = deadline
        self.workers = workers
    }

    /// The client went away.
    func cancel() {
        cancelled.store(true, ordering: .releasing)
    }

    /// Whether the client went away: nobody waits for the work's answer.
    var clientLeft: Bool { cancelled.load(ordering: .acquiring) }

    /// Whether to stop after the current step.
    var shouldStop: Bool {
        cancelled.load(ordering: .acquiring) || workers.isStopping || ContinuousClock.now >= deadline
    }
}
#endif
