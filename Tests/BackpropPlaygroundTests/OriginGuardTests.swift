#if Server
@testable import BackpropPlayground
import Testing

/// Which Host names the playground answers to (against DNS rebinding), and the types a body
/// must carry on each path.
@Suite struct OriginGuardTests {
    @Test(arguments: [
        ("127.0.0.1:8080", "127.0.0.1"), ("LOCALHOST:80", "localhost"), ("[::1]:8080", "[::1]"), ("[::1]", "[::1]"),
        ("localhost.", "localhost"), ("box.lan", "box.lan"), ("box.lan:x", "box.lan:x"),
    ])
    func hostNamesLoseTheirPort(_ authority: String, _ host: String) {
        #expect(OriginGuard<PlaygroundRequestContext>.hostName(authority) == host)
    }

    @Test func emptyHostsHaveNoName() {
        #expect(OriginGuard<PlaygroundRequestContext>.hostName("") == nil)
        #expect(OriginGuard<PlaygroundRequestContext>.hostName(":8080") == nil)
        #expect(OriginGuard<PlaygroundRequestContext>.hostName("[::1") == nil)
    }

    @Test(arguments: ["127.0.0.1", "10.0.0.7", "[::1]", "[fe80::1]", "localhost", "app.localhost", "0.0.0.0"])
    func addressesAndLocalhostAreLocal(_ host: String) {
        #expect(OriginGuard<PlaygroundRequestContext>.isLocal(host))
    }

    @Test(arguments: ["evil.example", "127.0.0.1.evil.example", "localhost.evil.example", "256.0.0.1", "1.2.3", "1.2.3.4.5", "0x7f.0.0.1", "2130706433"])
    func namesAreNotLocal(_ host: String) {
        #expect(!OriginGuard<PlaygroundRequestContext>.isLocal(host))
    }

    @Test func bodiesCarryTheirPathsTypes() {
        typealias Guard = OriginGuard<PlaygroundRequestContext>
        #expect(Guard.contentTypes(for: "/api/runs") == ["application/json"])
        #expect(Guard.contentTypes(for: "/api/tables") == ["text/csv", "application/octet-stream"])
        #expect(Guard.contentTypes(for: "/api/runs/abc/model") == ["application/octet-stream"])
        #expect(Guard.mediaType(" Application/JSON ; charset=utf-8") == "application/json")
    }
}

/// The cores the playground's work shares: never more at once than there are, first come first served.
@Suite struct CoreQueueTests {
    @Test func neverMoreWorkAtOnceThanCores() async throws {
        let queue = CoreQueue(cores: 2)
        let counter = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await Thread.detached {
                        queue.withCore {
                            counter.enter()
                            _ = usleep(20_000)
                            counter.leave()
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(counter.most == 2)
    }

    @Test func workIsServedInTheOrderItAsked() throws {
        let queue = CoreQueue(cores: 1)
        let order = Counter()
        // The first holds the core while the others line up behind it, one at a time.
        let first = Thread { queue.withCore { _ = usleep(400_000) } }
        first.start()
        usleep(50_000)
        for k in 0..<5 {
            Thread { queue.withCore { order.record(k) } }.start()
            usleep(30_000)
        }
        while order.recorded.count < 5 { usleep(10_000) }
        #expect(order.recorded == [0, 1, 2, 3, 4])
    }
}

import Foundation

/// How many are inside at once, and the most there ever were; or the order they came in.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var inside = 0
    private var maximum = 0
    private var order: [Int] = []

    func enter() { lock.withLock { inside += 1; maximum = max(maximum, inside) } }
    func leave() { lock.withLock { inside -= 1 } }
    func record(_ k: Int) { lock.withLock { order.append(k) } }
    var most: Int { lock.withLock { maximum } }
    var recorded: [Int] { lock.withLock { order } }
}

extension Thread {
    /// Runs `body` on a new thread and waits for it.
    static func detached(_ body: @escaping @Sendable () -> Void) async throws {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                body()
                continuation.resume()
            }.start()
        }
    }
}
#endif
