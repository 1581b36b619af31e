#if MPI
import Backprop
import CMPI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A ``Communicator`` over MPI (Open MPI, MPICH): the processes that `mpirun -np N` started,
/// on one machine or many, in `MPI_COMM_WORLD`.
///
/// ```swift
/// let world = try MPICommunicator()          // MPI_Init
/// var session = try TrainingSession(trainer: trainer, network: network, data: train)
/// session.communicator = world               // every rank: same trainer, data and seed
/// try session.run()
/// if world.rank == 0 { try ModelFile.write(model, to: "m.safetensors") }
/// world.finalize()                           // MPI_Finalize
/// ```
///
/// Reductions are `MPI_Allreduce` (blocking) and `MPI_Iallreduce` (started as each layer's
/// gradients are ready, awaited with `MPI_Waitall`), in place; broadcasts are `MPI_Bcast`.
/// Errors are returned, not fatal (`MPI_ERRORS_RETURN`), and thrown as ``MPIError``.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    /// Reductions started and not yet awaited.
    private var pending: [MPI_Request?] = []

    /// Joins the MPI job this process belongs to, calling `MPI_Init` unless MPI is already
    /// initialized. A process started without `mpirun` is a job of one.
    /// - Throws: ``MPIError`` if MPI cannot start.
    public init() throws {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 { try check(MPI_Init(nil, nil), "MPI_Init") }
        try check(MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return()), "MPI_Comm_set_errhandler")
        var rank: Int32 = 0, size: Int32 = 0
        try check(MPI_Comm_rank(cmpi_comm_world(), &rank), "MPI_Comm_rank")
        try check(MPI_Comm_size(cmpi_comm_world(), &size), "MPI_Comm_size")
        (self.rank, self.size) = (Int(rank), Int(size))
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try check(MPI_Allreduce(
            cmpi_in_place(), values.baseAddress, try count(values.count), cmpi_float(), cmpi_sum(), cmpi_comm_world()),
            "MPI_Allreduce")
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        try check(MPI_Allreduce(
            cmpi_in_place(), values.baseAddress, try count(values.count), cmpi_double(), cmpi_sum(), cmpi_comm_world()),
            "MPI_Allreduce")
    }

    public func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try start(UnsafeMutableRawPointer(values.baseAddress), count: values.count, type: cmpi_float())
    }

    public func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        try start(UnsafeMutableRawPointer(values.baseAddress), count: values.count, type: cmpi_double())
    }

    /// Starts an in-place `MPI_Iallreduce` of bfloat16 values (as `UInt16`) with an MPI
    /// operation that adds them in float32 and rounds each sum to nearest even.
    public func startAllReduceSum(bfloat16 values: UnsafeMutableBufferPointer<UInt16>) throws {
        try start(UnsafeMutableRawPointer(values.baseAddress), count: values.count, type: cmpi_uint16(), op: cmpi_bf16_sum())
    }

    public func finishReductions() throws {
        defer { pending.removeAll(keepingCapacity: true) }
        guard !pending.isEmpty else { return }
        try check(MPI_Waitall(Int32(pending.count), &pending, cmpi_statuses_ignore()), "MPI_Waitall")
    }

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, from root: Int) throws {
        try check(MPI_Bcast(bytes.baseAddress, try count(bytes.count), cmpi_byte(), Int32(root), cmpi_comm_world()), "MPI_Bcast")
    }

    public func barrier() throws {
        try check(MPI_Barrier(cmpi_comm_world()), "MPI_Barrier")
    }

    /// Ends MPI in this process (`MPI_Finalize`), after its last collective operation.
    public func finalize() {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        if finalized == 0 { MPI_Finalize() }
    }

    /// Ends every process of the job with exit status `code` (`MPI_Abort`): what a rank does
    /// after an error the others cannot see, so that none of them waits forever.
    public func abort(code: Int32) -> Never {
        MPI_Abort(cmpi_comm_world(), code)
        exit(code)  // not reached: MPI_Abort ends the process
    }

    /// Starts an in-place `MPI_Iallreduce`, then lets the ones already started progress
    /// (`MPI_Testall`): without a progress thread, MPI moves data only inside MPI calls.
    private func start(_ values: UnsafeMutableRawPointer?, count values_: Int, type: MPI_Datatype, op: MPI_Op? = nil) throws {
        var request: MPI_Request? = cmpi_request_null()
        try check(MPI_Iallreduce(
            cmpi_in_place(), values, try count(values_), type, op ?? cmpi_sum(), cmpi_comm_world(), &request), "MPI_Iallreduce")
        pending.append(request)
        var done: Int32 = 0
        try check(MPI_Testall(Int32(pending.count), &pending, &done, cmpi_statuses_ignore()), "MPI_Testall")
    }

    private func count(_ n: Int) throws -> Int32 {
        guard let count = Int32(exactly: n) else { throw MPIError(function: "MPI", code: -1, message: "\(n) values exceed one MPI message") }
        return count
    }
}

/// An MPI call that failed: the function, its error code and MPI's message for it.
public struct MPIError: Error, CustomStringConvertible {
    public var function: String
    public var code: Int32
    public var message: String
    public var description: String { "\(function) failed: \(message) (MPI error \(code))" }
}

private func check(_ code: Int32, _ function: String) throws {
    guard code != cmpi_success() else { return }
    var text = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
    var length: Int32 = 0
    MPI_Error_string(code, &text, &length)
    throw MPIError(function: function, code: code, message: String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
}
#endif
