import ArgumentParser
import Foundation
import Synchronization

/// SIGINT (Ctrl-C) and SIGTERM during `train`, in every phase:
/// - while the data load and the network is built: training does not start; the command
///   says so and exits 130 (SIGINT) or 143 (SIGTERM), having written nothing;
/// - while training: the current batch finishes, a checkpoint is written, the command says
///   where and exits 130/143;
/// - while the trained model, plot and report are saved: saving finishes (every file is
///   written atomically), then the command exits 130/143.
/// A second signal ends the process at once. The other commands keep the default action
/// (they end at once; their writes are atomic, so no file is left half-written).
enum Interruption {
    private static let signal = Atomic<Int32>(0)

    /// The signal received, if any.
    static var received: Int32? {
        let value = signal.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    /// Installs the handlers; `train` calls it before any other work.
    static func install() {
        // Initialize the flag here, not in the handler: a lazy global's first use is not
        // async-signal-safe.
        signal.store(0, ordering: .relaxed)
        // A parent may have started us with these signals blocked (test runners do);
        // unblock them so they reach the handler.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for number in [SIGINT, SIGTERM] {
            Foundation.signal(number) { received in
                // Only async-signal-safe work here: an atomic store and signal().
                Interruption.signal.store(received, ordering: .relaxed)
                Foundation.signal(received, SIG_DFL)
            }
        }
    }

    /// Ends the command with 128 + the signal's number, after `message`, if a signal arrived.
    static func exitIfReceived(_ message: @autoclosure () -> String) throws {
        guard let number = received else { return }
        FileHandle.standardError.write(Data("interrupted: \(message())\n".utf8))
        throw ExitCode(exitCode(number))
    }

    /// The conventional exit status for a process ended by `number`: 128 + number.
    static func exitCode(_ number: Int32) -> Int32 { 128 + number }

    /// The phase BACKPROP_RAISE_AT names, read once.
    private static let raiseAt = ProcessInfo.processInfo.environment["BACKPROP_RAISE_AT"]

    /// The test point after batch `batch` of epoch `epoch` ("batch-E-K"), which costs
    /// nothing unless BACKPROP_RAISE_AT names a batch.
    static func testPoint(epoch: Int, batch: Int) {
        guard raiseAt?.hasPrefix("batch-") == true else { return }
        testPoint("batch-\(epoch)-\(batch)")
    }

    /// For tests: raises the signal named by BACKPROP_RAISE_SIGNAL (INT, TERM or KILL) when
    /// the command reaches the phase named by BACKPROP_RAISE_AT — in a distributed run only on
    /// the rank BACKPROP_RAISE_RANK names, when set — so that a test can interrupt a given
    /// phase without depending on timing.
    static func testPoint(_ phase: String) {
        guard raiseAt == phase else { return }
        let environment = ProcessInfo.processInfo.environment
        if let rank = environment["BACKPROP_RAISE_RANK"], rank != environment["OMPI_COMM_WORLD_RANK"] { return }
        let signals = ["TERM": SIGTERM, "KILL": SIGKILL]
        raise(environment["BACKPROP_RAISE_SIGNAL"].flatMap { signals[$0] } ?? SIGINT)
    }
}
