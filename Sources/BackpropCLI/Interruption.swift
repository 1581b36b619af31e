import Foundation
import Synchronization

/// SIGINT (Ctrl-C) and SIGTERM ask training to stop after the current batch, write a
/// checkpoint and exit; a second signal ends the process at once.
enum Interruption {
    private static let signal = Atomic<Int32>(0)

    /// The signal received, if any.
    static var received: Int32? {
        let value = signal.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    static func install() {
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

    /// The conventional exit status for a process ended by `number`: 128 + number.
    static func exitCode(_ number: Int32) -> Int32 { 128 + number }
}
