import CKernels

/// The processes that train one model together, and the collective operations data-parallel
/// training needs between them — the subset of MPI that Horovod and PyTorch DDP use.
///
/// Every process (a *rank*, numbered 0 ..< `size`) calls the same operations in the same
/// order; each returns once every rank has taken part. ``SingleProcess`` is the default
/// (every operation leaves the values as they are); `MPICommunicator`, in the separate
/// `BackpropMPI` product, runs them over MPI.
///
/// A ``TrainingSession`` given a communicator of N processes trains one model on N ranks:
/// each computes forward and backward propagation on its 1/N share of every mini-batch, the
/// gradients are summed across ranks, and every rank applies the same update.
public protocol Communicator: AnyObject {
    /// This process's number, 0 ..< `size`; rank 0 prints and writes files.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }

    /// Replaces every value of `values` on every rank by its sum over the ranks, in place.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws
    /// Replaces every value of `values` on every rank by its sum over the ranks, in place.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws
    /// Starts `allReduceSum(values)` and returns without waiting, so that communication
    /// overlaps the computation that follows; `values` must stay untouched until
    /// `finishReductions()` returns.
    func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws
    /// Starts `allReduceSum(values)` without waiting (see the `Float` version).
    func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws
    /// Starts summing bfloat16 values (each the upper 16 bits of a float) across ranks in
    /// place, each partial sum rounded to bfloat16 to nearest even: half the bytes of a float
    /// sum (`TrainingSession.gradientSumPrecision`). The default sums in float32 at once.
    func startAllReduceSum(bfloat16 values: UnsafeMutableBufferPointer<UInt16>) throws
    /// Waits until every started reduction has finished.
    func finishReductions() throws
    /// Replaces `bytes` on every rank by rank `root`'s.
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int) throws
    /// Returns once every rank has called it.
    func barrier() throws
}

extension Communicator {
    /// Sums `values` across ranks in place (blocking), in this scalar's precision.
    func allReduceSum<S: Scalar>(_ values: UnsafeMutableBufferPointer<S>) throws {
        if let floats = values as? UnsafeMutableBufferPointer<Float> {
            try allReduceSum(floats)
        } else if let doubles = values as? UnsafeMutableBufferPointer<Double> {
            try allReduceSum(doubles)
        } else {
            throw BackpropError.invalidArchitecture("a communicator sums Float or Double values, not \(S.self)")
        }
    }

    /// Starts summing `values` across ranks (see `startAllReduceSum(_:)`).
    func startAllReduceSum<S: Scalar>(_ values: UnsafeMutableBufferPointer<S>) throws {
        if let floats = values as? UnsafeMutableBufferPointer<Float> {
            try startAllReduceSum(floats)
        } else if let doubles = values as? UnsafeMutableBufferPointer<Double> {
            try startAllReduceSum(doubles)
        } else {
            throw BackpropError.invalidArchitecture("a communicator sums Float or Double values, not \(S.self)")
        }
    }

    /// Sums `values` in float32 (blocking) and rounds the sums back to bfloat16: for
    /// communicators without a bfloat16 operation of their own.
    public func startAllReduceSum(bfloat16 values: UnsafeMutableBufferPointer<UInt16>) throws {
        guard size > 1 else { return }
        var floats = values.map { Float(bitPattern: UInt32($0) << 16) }
        try floats.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        withPointer(floats) { backprop_bf16_round($0, values.baseAddress, values.count) }
    }

    /// Whether any rank passes `true` (a blocking reduction of one number).
    public func anyRank(_ flag: Bool) throws -> Bool {
        guard size > 1 else { return flag }
        var value = flag ? 1.0 : 0.0
        try withUnsafeMutablePointer(to: &value) { try allReduceSum(UnsafeMutableBufferPointer(start: $0, count: 1)) }
        return value > 0
    }
}

/// One process training alone: every collective operation leaves the values as they are.
public final class SingleProcess: Communicator, Sendable {
    /// The one instance the training loop uses by default (made once: none per step).
    static let alone = SingleProcess()
    /// Always 0.
    public let rank = 0
    /// Always 1.
    public let size = 1

    /// The process alone.
    public init() {}

    /// Leaves `values` as they are: the sum over one rank.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) {}
    /// Leaves `values` as they are: the sum over one rank.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) {}
    /// Leaves `values` as they are: the sum over one rank.
    public func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) {}
    /// Leaves `values` as they are: the sum over one rank.
    public func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Double>) {}
    /// Returns at once: nothing is pending.
    public func finishReductions() {}
    /// Leaves `bytes` as they are: this rank is the root.
    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int) {}
    /// Returns at once.
    public func barrier() {}
}
