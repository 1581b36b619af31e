import ArgumentParser
import Backprop
#if MPI
import BackpropMPI
#endif
import Foundation

// `train --distributed`: the MPI job around a training run.

/// Whether this `backprop` was built with MPI (the package trait `MPI`, on by default).
#if MPI
let distributedTrainingBuiltIn = true
#else
let distributedTrainingBuiltIn = false
#endif

/// What `--distributed` says when this `backprop` was built without MPI.
let distributedTrainingMissing = "--distributed needs MPI, and this backprop was built without it (swift build --disable-default-traits); build it with the trait MPI, which is on by default, and Open MPI or MPICH installed"

/// Runs `body` with the MPI job this process belongs to (started by `mpirun`, or alone).
/// An error on this rank prints one line naming the rank and ends every rank of the job
/// (`MPI_Abort`), since the others may be waiting for this one in a collective operation;
/// an exit code (after a signal) finalizes MPI first.
func withMPIJob(_ body: (any Communicator) throws -> Void) throws {
    #if MPI
    let world: MPICommunicator
    do {
        world = try MPICommunicator()
    } catch {
        throw CLIError("--distributed: \(error)")
    }
    do {
        try body(world)
    } catch let code as ExitCode {
        world.finalize()
        throw code
    } catch {
        FileHandle.standardError.write(Data(
            "Error: \(BackpropCommand.message(for: error)) (rank \(world.rank) of \(world.size); ending the job)\n".utf8))
        world.abort(code: 1)
    }
    world.finalize()
    #else
    throw CLIError(distributedTrainingMissing)
    #endif
}

/// How many processes of the job run on this machine (Open MPI's environment), else all.
func processesOnThisMachine(_ communicator: any Communicator) -> Int {
    ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap { Int($0) } ?? communicator.size
}

/// Warns when `mpirun` started several copies of a command that was not told `--distributed`.
func noteIfStartedByMPIRunAlone() {
    guard let ranks = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"].flatMap({ Int($0) }), ranks > 1 else {
        return
    }
    FileHandle.standardError.write(Data(
        "note: started by mpirun as one of \(ranks) processes, without --distributed: each trains a model of its own\n".utf8))
}
