import Testing
@testable import Backprop

@Suite struct RandomSourceTests {
    @Test func sameSeedSameSequence() {
        var a = RandomSource(seed: 9), b = RandomSource(seed: 9), c = RandomSource(seed: 10)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        #expect(first != (0..<5).map { _ in c.next() })
    }

    @Test func normalHasMeanZeroAndUnitVariance() {
        var random = RandomSource(seed: 1)
        let samples = (0..<100_000).map { _ in random.normal() }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(samples.count)
        // Standard errors are 0.003 (mean) and 0.0045 (variance).
        #expect(abs(mean) < 0.015)
        #expect(abs(variance - 1) < 0.025)
    }

    @Test func shuffleIsAPermutationAndDependsOnTheSeed() {
        var random = RandomSource(seed: 3)
        var order = Array(0..<50)
        random.shuffle(&order)
        #expect(order.sorted() == Array(0..<50))
        #expect(order != Array(0..<50))
        var again = Array(0..<50), other = RandomSource(seed: 3)
        other.shuffle(&again)
        #expect(again == order)
    }

    @Test func initializationScales() throws {
        let he = try Network<Double>(sizes: [400, 300], activation: .relu, seed: 1).layers[0]
        let variance = he.weight.elements.map { $0 * $0 }.reduce(0, +) / Double(he.weight.elements.count)
        #expect(abs(variance - 2.0 / 400) < 0.1 * 2.0 / 400)
        #expect(he.bias.allSatisfy { $0 == 0 })
        let xavier = try Network<Double>(sizes: [400, 300], activation: .tanh, seed: 1).layers[0]
        let limit = (6.0 / 700).squareRoot()
        #expect(xavier.weight.elements.allSatisfy { abs($0) <= limit })
        #expect(xavier.weight.elements.contains { abs($0) > 0.9 * limit })
        let normal = try Network<Double>(sizes: [400, 300], initialization: .normal, seed: 1).layers[0]
        #expect(normal.weight.elements.contains { abs($0) > 3 })
        #expect(normal.bias.contains { $0 != 0 })
    }
}
