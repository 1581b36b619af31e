#if Server
import Backprop
import Foundation

/// Dynamic batching, as Triton's dynamic batcher does it: requests that wait together are run
/// as one forward pass, Z^(l+1) = A^l (W^l)ᵀ + 1 (b^l)ᵀ for all their examples at once, so
/// under load the server approaches the library's batched inference rate.
///
/// One thread runs the passes, off Swift's cooperative pool so that the pool keeps serving
/// connections. When it is idle a request runs at once; requests that arrive meanwhile queue,
/// and the next pass takes them all, up to `maxBatch` examples (with `maxDelay` > 0 it first
/// waits that long for the batch to fill). A pass holds requests for one model version only,
/// so a reload never mixes versions and requests in flight finish on the version they were
/// checked against.
final class DynamicBatcher: @unchecked Sendable {  // every stored var is guarded by `condition`
    private struct Job {
        let model: ServedModel
        let inputs: [Float]
        let rows: Int
        let continuation: CheckedContinuation<[Float], any Error>
    }

    private let maxBatch: Int
    private let maxDelay: Duration
    private let precision: Precision
    private let metrics: ServerMetrics
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var head = 0
    private var stopping = false
    private var finished = false

    init(maxBatch: Int, maxDelay: Duration, precision: Precision = .float32, metrics: ServerMetrics) {
        self.precision = precision
        self.maxBatch = max(1, maxBatch)
        self.maxDelay = maxDelay
        self.metrics = metrics
    }

    /// Starts the thread that runs the forward passes.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "backprop-batcher"
        thread.start()
    }

    /// Lets the queued requests finish, then ends the thread; later requests get 503.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    /// a^L for `rows` examples x (row-major, already divided by d), computed by `model` in
    /// some forward pass.
    func predict(_ inputs: [Float], rows: Int, model: ServedModel) async throws -> [Float] {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            defer { condition.unlock() }
            guard !stopping else {
                continuation.resume(throwing: RequestError(.serviceUnavailable, "the server is shutting down"))
                return
            }
            queue.append(Job(model: model, inputs: inputs, rows: rows, continuation: continuation))
            condition.signal()
        }
    }

    private func run() {
        while let batch = nextBatch() {
            runPass(batch)
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for work, then takes the next pass's requests: the first in line and those behind
    /// it for the same model, while the total fits in `maxBatch`. Nil once stopping with
    /// nothing left.
    private func nextBatch() -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while head == queue.count && !stopping { condition.wait() }
        guard head < queue.count else { return nil }
        if maxDelay > .zero && !stopping {
            let deadline = Date(timeIntervalSinceNow: Double(maxDelay.components.attoseconds) * 1e-18 + Double(maxDelay.components.seconds))
            while queuedRows() < maxBatch && !stopping && condition.wait(until: deadline) {}
        }
        let model = queue[head].model
        var batch = [queue[head]]
        var rows = queue[head].rows
        head += 1
        while head < queue.count, queue[head].model === model, rows + queue[head].rows <= maxBatch {
            rows += queue[head].rows
            batch.append(queue[head])
            head += 1
        }
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 {
            queue.removeFirst(head)
            head = 0
        }
        return batch
    }

    private func queuedRows() -> Int {
        queue[head...].reduce(0) { $0 + $1.rows }
    }

    /// One forward pass for every request of `batch`, each answered with its own rows of a^L.
    private func runPass(_ batch: [Job]) {
        let model = batch[0].model
        let rows = batch.reduce(0) { $0 + $1.rows }
        metrics.batchSize.record(Double(rows))
        do {
            let inputs = batch.count == 1 ? batch[0].inputs : batch.flatMap(\.inputs)
            let outputs = try model.model.predict(
                Matrix(rows: rows, columns: model.inputSize, elements: inputs), precision: precision).elements
            metrics.examples.increment(by: Int64(rows))
            let width = model.outputSize
            var start = 0
            for job in batch {
                job.continuation.resume(returning: batch.count == 1 ? outputs : Array(outputs[start..<(start + job.rows * width)]))
                start += job.rows * width
            }
        } catch {
            for job in batch { job.continuation.resume(throwing: RequestError(.unprocessableContent, "the model could not predict: \(error)")) }
        }
    }
}
#endif
