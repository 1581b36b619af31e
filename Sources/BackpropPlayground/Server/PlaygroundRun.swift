#if Server
import Backprop
import Foundation
import BackpropServer
import NIOCore
import Synchronization

/// One run on the playground server: its session behind a lock, the thread that trains it
/// while it plays, and the pages that follow it by Server-Sent Events. Training and drawing
/// compute on the server's shared cores (`CoreQueue`) a slice at a time, so however many
/// runs play, they share the cores with each other and with requests.
///
/// Training and drawing are apart: the training thread steps the session and, at most 30
/// times a second, hands a copy of the run (`PlaygroundState`) to a queue of its own that
/// computes the views, encodes them and sends them. A frame still being drawn when the next
/// is due is skipped, so a slow page or a slow network never slows training.
final class PlaygroundRun: @unchecked Sendable {
    /// The run's id in URLs.
    let id: String
    private let lock = NSLock()
    /// Threads waiting for the lock besides the training thread, which gives way to them
    /// (a mutex is not fair: a thread that unlocks and locks again at once would win).
    private let waiting = Atomic<Int>(0)
    private var session: PlaygroundSession
    private var playing = false
    private var generation = 0
    private var error: String?
    private var subscribers: [Int: AsyncStream<ByteBuffer>.Continuation] = [:]
    private var nextSubscriber = 0
    private var drawing = false, pending = false
    private var lastUse = ContinuousClock.now
    private let frames: DispatchQueue
    private let cores: CoreQueue

    /// The most frames a second sent to the pages.
    static let framesPerSecond = 30.0
    /// How long a run plays with no page following it and no request about it.
    static let unattendedLimit = Duration.seconds(60)

    /// The longest a slice of training holds a core and the run's lock.
    static let slice = Duration.milliseconds(5)

    init(id: String, session: PlaygroundSession, cores: CoreQueue) {
        self.id = id
        self.session = session
        self.cores = cores
        frames = DispatchQueue(label: "backprop.playground.frames.\(id)")
    }

    /// When the run was last asked for anything.
    var lastUsed: ContinuousClock.Instant { locked { lastUse } }

    /// `body` under the lock, ahead of the training thread.
    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        waiting.add(1, ordering: .acquiringAndReleasing)
        lock.lock()
        waiting.subtract(1, ordering: .acquiringAndReleasing)
        defer { lock.unlock() }
        return try body()
    }

    /// Runs `body` on the session under the lock; a run that plays keeps playing.
    func withSession<T>(_ body: (PlaygroundSession) throws -> T) throws -> T {
        try locked {
            lastUse = .now
            return try body(session)
        }
    }

    /// Runs `body` with the run paused (the training thread stops first), then sends a frame.
    func paused<T>(_ body: (PlaygroundSession) throws -> T) throws -> T {
        defer { publish() }
        return try locked {
            lastUse = .now
            playing = false
            generation += 1
            return try body(session)
        }
    }

    /// Pauses the run and trains `batches` mini-batches, a slice at a time on one of `cores`,
    /// until they are done or `control` says to stop; then the run as it stands, unless the
    /// client has left (its views would be drawn for nobody).
    /// - Throws: `BackpropError.diverged` when training diverges; `CancellationError` when the
    ///   client has left.
    func step(batches: Int, on cores: CoreQueue, until control: WorkControl) throws -> PlaygroundSnapshot {
        pause()
        var done = 0
        while done < batches, !control.shouldStop {
            try cores.withCore {
                try locked {
                    lastUse = .now
                    let sliceEnd = ContinuousClock.now + Self.slice
                    repeat {
                        try session.step()
                        done += 1
                    } while done < batches && ContinuousClock.now < sliceEnd
                }
            }
            giveWay()
        }
        let state = locked { session.state }
        publish()
        if control.clientLeft { throw CancellationError() }
        return try cores.withCore { try state.snapshot() }
    }

    /// Replaces the session (a model uploaded to continue from), paused.
    func replace(with new: PlaygroundSession) {
        locked {
            playing = false
            generation += 1
            error = nil
            session = new
            lastUse = .now
        }
        publish()
    }

    /// Trains on a thread of its own, `rate` mini-batches a second (nil: as fast as it can).
    func play(rate: Double?) {
        let started: Int? = locked {
            lastUse = .now
            guard !playing else { return nil }
            playing = true
            error = nil
            generation += 1
            return generation
        }
        guard let started else { return }
        let thread = Thread { [self] in train(generation: started, rate: rate) }
        thread.name = "backprop.playground.train"
        thread.start()
        publish()
    }

    /// Stops the training thread after its current step.
    func pause() {
        locked {
            lastUse = .now
            playing = false
            generation += 1
        }
        publish()
    }

    /// The training loop: holds the lock for at most a few milliseconds of steps at a time,
    /// keeps to `rate`, and publishes a frame every 1/30 s.
    private func train(generation started: Int, rate: Double?) {
        let clock = ContinuousClock()
        let start = clock.now
        var trained = 0
        // Frames are due every 1/30 s on a fixed schedule (a frame late by a slice does not
        // push the next one back); a slice of steps ends when one is due.
        let period = Duration.seconds(1 / Self.framesPerSecond)
        var nextFrame = clock.now + period
        while true {
            let keepGoing: Bool = cores.withCore { lock.withLock {
                let sliceEnd = min(clock.now + Self.slice, nextFrame)
                guard playing, generation == started else { return false }
                // A run that no page follows and nobody has asked about for a while stops
                // (a closed tab would otherwise leave it training forever).
                if subscribers.isEmpty, clock.now - lastUse > Self.unattendedLimit {
                    playing = false
                    return false
                }
                do {
                    repeat {
                        if let rate, Double(trained) >= rate * ((clock.now - start) / .seconds(1)) { break }
                        try session.step()
                        trained += 1
                    } while clock.now < sliceEnd
                    return true
                } catch {
                    self.error = "\(error)"
                    playing = false
                    return false
                }
            } }
            guard keepGoing else {
                publish()
                return
            }
            giveWay()
            if clock.now >= nextFrame {
                nextFrame = max(nextFrame + period, clock.now)
                publish()
            }
            if let rate, Double(trained) >= rate * ((clock.now - start) / .seconds(1)) {
                Thread.sleep(forTimeInterval: min(0.02, 1 / rate))
            }
        }
    }

    /// Waits until the threads waiting for the lock have had it.
    private func giveWay() {
        while waiting.load(ordering: .acquiring) > 0 { sched_yield() }
    }

    /// Sends the run as it stands to every page following it, unless a frame is still being drawn.
    func publish() {
        let taken: (PlaygroundState, Bool, String?)? = locked {
            guard !subscribers.isEmpty else { return nil }
            guard !drawing else {
                pending = true
                return nil
            }
            drawing = true
            return (session.state, playing, error)
        }
        guard let (state, playing, error) = taken else { return }
        frames.async { [self] in
            let event = cores.withCore { Self.event(state, playing: playing, error: error) }
            let (continuations, again) = locked {
                drawing = false
                defer { pending = false }
                return (Array(subscribers.values), pending)
            }
            for continuation in continuations { continuation.yield(event) }
            if again { publish() }
        }
    }

    /// `state`'s snapshot as one Server-Sent Event.
    static func event(_ state: PlaygroundState, playing: Bool, error: String?) -> ByteBuffer {
        do {
            var snapshot = try state.snapshot()
            snapshot.playing = playing
            snapshot.error = error
            return ByteBuffer(string: "data: \(snapshot.json())\n\n")
        } catch {
            return ByteBuffer(string: "data: {\"error\":\(jsonQuoted("\(error)"))}\n\n")
        }
    }

    /// A stream of this run's frames, starting with the run as it stands; it ends when
    /// the page goes away or `finishAll` is called.
    func subscribe() -> AsyncStream<ByteBuffer> {
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(2))
        let key: Int = locked {
            lastUse = .now
            nextSubscriber += 1
            subscribers[nextSubscriber] = continuation
            return nextSubscriber
        }
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.locked { _ = self.subscribers.removeValue(forKey: key) }
        }
        // A comment line first, so that the page knows at once that it is connected.
        continuation.yield(ByteBuffer(string: ": run \(id)\n\n"))
        publish()
        return stream
    }

    /// Stops training and ends every page's stream (the server is shutting down, or the run
    /// is dropped).
    func finishAll() {
        let continuations = locked {
            playing = false
            generation += 1
            let all = Array(subscribers.values)
            subscribers.removeAll()
            return all
        }
        for continuation in continuations { continuation.finish() }
    }
}
#endif
