import Foundation
import MallocInterposerSwift

/// Counts malloc calls between `start` and `stop`, through malloc-interposer (which must
/// be preloaded: LD_PRELOAD=…/libMallocInterposerSwift.so; `make bench` does).
final class AllocationCounter {
    private(set) var count: Int?
    let works: Bool
    private var checksum = 0

    init() {
        MallocInterposerSwift.initialize()
        MallocInterposerSwift.reset()
        MallocInterposerSwift.hook()
        // An array whose contents depend on a system call: its allocation cannot be optimized away.
        var probe = [Int](repeating: 7, count: 100)
        probe[3] = Int(getpid())
        MallocInterposerSwift.unhook()
        checksum = probe.reduce(0, &+)
        works = MallocInterposerSwift.getStatistics().mallocCount > 0
    }

    func start() {
        guard works else { return }
        MallocInterposerSwift.reset()
        MallocInterposerSwift.hook()
    }

    func stop() {
        guard works else { return }
        MallocInterposerSwift.unhook()
        count = MallocInterposerSwift.getStatistics().mallocCount
    }
}

