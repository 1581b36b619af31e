import Foundation
import Testing

@testable import Backprop

/// TensorFlow Playground's 2-D datasets: each as specified, seeded, and learnable.
@Suite struct PlanarDataTests {
    @Test(arguments: PlanarData.allCases)
    func sameSeedSamePointsAndTheRightCount(_ data: PlanarData) throws {
        let a = try data.points(count: 301, noise: 0.2, seed: 3)
        #expect(a.count == 301 && a.x1.count == 301 && a.x2.count == 301)
        #expect(try data.points(count: 301, noise: 0.2, seed: 3) == a)
        #expect(try data.points(count: 301, noise: 0.2, seed: 4) != a)
        #expect(a.x1.allSatisfy(\.isFinite) && a.x2.allSatisfy(\.isFinite) && a.labels.allSatisfy(\.isFinite))
        if data.task == .classification {
            #expect(data.classNames.count == 2)
            #expect(Set(a.labels).isSubset(of: [0, 1]))
            // Shuffled: the first half holds both classes.
            #expect(Set(a.labels.prefix(150)) == [0, 1])
        } else {
            #expect(data.classNames.isEmpty)
        }
    }

    /// Without noise each label follows its rule exactly, and the points stay in [−6, 6]².
    @Test func noiselessLabelsFollowTheirRules() throws {
        let circle = try PlanarData.circle.points(count: 400, seed: 1)
        for i in 0..<circle.count {
            let r = hypot(circle.x1[i], circle.x2[i])
            #expect(circle.labels[i] == (r < 2.5 ? 0 : 1))
            #expect(r <= 2.5 || (r >= 3.5 && r <= 5))
        }
        #expect(circle.labels.filter { $0 == 0 }.count == 200)
        let xor = try PlanarData.xor.points(count: 400, seed: 1)
        for i in 0..<xor.count {
            #expect(xor.labels[i] == (xor.x1[i] * xor.x2[i] > 0 ? 0 : 1))
            #expect(abs(xor.x1[i]) >= 0.3 && abs(xor.x1[i]) <= 5.3)
        }
        let surface = try PlanarData.surface.points(count: 400, seed: 1)
        for i in 0..<surface.count {
            #expect(surface.labels[i] == PlanarData.surfaceValue(surface.x1[i], surface.x2[i]))
            #expect(abs(surface.x1[i]) <= 6 && abs(surface.x2[i]) <= 6)
        }
        let spiral = try PlanarData.spiral.points(count: 400, seed: 1)
        #expect(spiral.labels.filter { $0 == 1 }.count == 200)
        // Each spiral point lies at radius r = 5 j/n on its arm, angle 1.75 · 2π j/n (+π).
        for i in 0..<spiral.count {
            let r = hypot(spiral.x1[i], spiral.x2[i])
            let t = 1.75 * 2 * Double.pi * r / 5 + (spiral.labels[i] == 1 ? Double.pi : 0)
            #expect(abs(spiral.x1[i] - r * sin(t)) < 1e-9 && abs(spiral.x2[i] - r * cos(t)) < 1e-9)
        }
        let gaussians = try PlanarData.gaussians.points(count: 4000, seed: 1)
        let first = (0..<4000).filter { gaussians.labels[$0] == 0 }
        let mean = first.map { gaussians.x1[$0] }.reduce(0, +) / Double(first.count)
        let variance = first.map { (gaussians.x1[$0] - mean) * (gaussians.x1[$0] - mean) }.reduce(0, +) / Double(first.count)
        #expect(first.count == 2000 && abs(mean - 2) < 0.05 && abs(variance - 0.5) < 0.05)
    }

    /// The surface is the sum of its six bumps: at a bump's centre, ±1 plus the others' tails.
    @Test func surfaceIsTheSumOfItsBumps() {
        let centre = PlanarData.surfaceValue(-4, 2.5)
        let tails = -exp(-16.0 / 2) + exp(-64.0 / 2) - exp(-25.0 / 2) + exp(-(16.0 + 25) / 2) - exp(-(64.0 + 25) / 2)
        #expect(abs(centre - (1 + tails)) < 1e-12)
        // Turning the plane by half a turn swaps every bump for one of the other sign.
        for (x1, x2) in [(0.3, -1.7), (-4.0, 2.5), (5.5, 0.1)] {
            #expect(abs(PlanarData.surfaceValue(x1, x2) + PlanarData.surfaceValue(-x1, -x2)) < 1e-12)
        }
        #expect(PlanarData.surfaceValue(4, -2.5) < -0.99)
    }

    /// Noise blurs the labels near the boundary: some points take the other class.
    @Test func noiseFlipsSomeLabels() throws {
        let noisy = try PlanarData.circle.points(count: 1000, noise: 0.5, seed: 2)
        let flipped = (0..<1000).filter { noisy.labels[$0] != (hypot(noisy.x1[$0], noisy.x2[$0]) < 2.5 ? 0 : 1) }.count
        #expect(flipped > 50 && flipped < 500)
    }

    @Test func datasetsHoldTheChosenFeatures() throws {
        let points = try PlanarData.xor.points(count: 10, seed: 5)
        let data: Dataset<Double> = try points.dataset(features: [.x1Squared, .sinX2, .x1TimesX2], range: 2..<7)
        #expect(data.inputs.rows == 5 && data.inputs.columns == 3)
        for r in 0..<5 {
            let (x1, x2) = (points.x1[r + 2], points.x2[r + 2])
            #expect(data.inputs.row(r) == [x1 * x1, sin(x2), x1 * x2])
        }
        #expect(data.targets == .classes((2..<7).map { Int(points.labels[$0]) }))
        let surface: Dataset<Float> = try PlanarData.surface.points(count: 4, seed: 1).dataset()
        guard case .values(let y) = surface.targets else { Issue.record("a surface has values"); return }
        #expect(y.rows == 4 && y.columns == 1)
    }

    @Test func badSettingsAreErrors() throws {
        #expect(throws: BackpropError.self) { try PlanarData.circle.points(count: 0, seed: 1) }
        #expect(throws: BackpropError.self) { try PlanarData.circle.points(count: PlanarData.maximumCount + 1, seed: 1) }
        #expect(throws: BackpropError.self) { try PlanarData.circle.points(count: 5, noise: 1.5, seed: 1) }
        #expect(throws: BackpropError.self) { try PlanarData.circle.points(count: 5, noise: .nan, seed: 1) }
        let points = try PlanarData.circle.points(count: 5, seed: 1)
        #expect(throws: BackpropError.self) { let _: Dataset<Float> = try points.dataset(features: []) }
        #expect(throws: BackpropError.self) { let _: Dataset<Float> = try points.dataset(features: [.x1, .x1]) }
    }

    /// The circle is learnable from x₁² and x₂² by a small network, as in the playground.
    @Test func aSmallNetworkLearnsTheCircle() throws {
        let points = try PlanarData.circle.points(count: 400, noise: 0, seed: 7)
        let features: [PlanarFeature] = [.x1, .x2, .x1Squared, .x2Squared]
        let train: Dataset<Float> = try points.dataset(features: features, range: 0..<300)
        let test: Dataset<Float> = try points.dataset(features: features, range: 300..<400)
        var network = try Network<Float>(sizes: [4, 4, 2], activation: .tanh, loss: .crossEntropy, seed: 1)
        _ = try Trainer(epochs: 100, batchSize: 10, optimizer: .adam(learningRate: 0.03), seed: 1).fit(&network, on: train)
        let accuracy = try #require(try network.evaluate(on: test).accuracy)
        #expect(accuracy >= 0.95, "test accuracy \(accuracy)")
    }
}
