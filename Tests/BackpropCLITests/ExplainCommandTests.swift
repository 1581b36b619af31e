import Foundation
import Testing

@Suite struct ExplainCommandTests {
    /// The lecture's 2–3–2 walk-through as JSON: every key, consistent shapes, and the
    /// relations backpropagation promises, recomputed here from the printed numbers.
    @Test func jsonHoldsEveryQuantityAndTheyAreConsistent() throws {
        let result = try backprop(
            "explain", "--layers", "2,3,2", "--activation", "sigmoid", "--loss", "quadratic", "--seed", "1",
            "--input", "0.5,0.1", "--target", "0,1", "--json")
        #expect(result.status == 0, "\(result.error)")
        let json = try jsonObject(result.output)
        for key in ["weights", "biases", "input", "target", "a", "z", "delta", "weight_gradients", "bias_gradients", "loss"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        let w = try #require(json["weights"] as? [[[Double]]])
        let b = try #require(json["biases"] as? [[Double]])
        let a = try #require(json["a"] as? [[Double]])
        let z = try #require(json["z"] as? [[Double]])
        let delta = try #require(json["delta"] as? [[Double]])
        let dw = try #require(json["weight_gradients"] as? [[[Double]]])
        let db = try #require(json["bias_gradients"] as? [[Double]])
        #expect(a[0] == [0.5, 0.1])
        #expect(w.map(\.count) == [3, 2] && a.map(\.count) == [2, 3, 2] && z.count == 2 && delta.count == 2)
        let sigmoid = { (x: Double) in 1 / (1 + exp(-x)) }
        for l in 0..<2 {
            // z^(l+1) = W^l a^l + b^l, a^(l+1) = σ(z^(l+1))
            for j in w[l].indices {
                let zj = zip(w[l][j], a[l]).map(*).reduce(0, +) + b[l][j]
                #expect(abs(zj - z[l][j]) < 1e-12)
                #expect(abs(sigmoid(zj) - a[l + 1][j]) < 1e-12)
            }
            // ∂C/∂W^l = δ^(l+1) (a^l)ᵀ, ∂C/∂b^l = δ^(l+1)
            for j in dw[l].indices {
                for k in dw[l][j].indices { #expect(abs(dw[l][j][k] - delta[l][j] * a[l][k]) < 1e-12) }
            }
            #expect(db[l] == delta[l])
        }
        // δ^3 = (a^3 − y) ⊙ σ′(z^3)
        for j in 0..<2 {
            let y = [0.0, 1.0][j]
            #expect(abs(delta[1][j] - (a[2][j] - y) * a[2][j] * (1 - a[2][j])) < 1e-12)
        }
    }

    @Test func textWalkThroughUsesTheLectureNotation() throws {
        let result = try backprop("explain", "--layers", "2,3,2", "--input", "0.5,0.1", "--target", "0,1")
        #expect(result.status == 0)
        for line in ["a^1 = x = [0.5000, 0.1000]", "z^2 = W^1 a^1 + b^1", "a^3 = σ(z^3)", "δ^3 = (a^3 − y) ⊙ σ′(z^3)",
                     "δ^2 = ((W^2)ᵀ δ^3) ⊙ σ′(z^2)", "∂C/∂W^1 = δ^2 (a^1)ᵀ", "∂C/∂b^2 = δ^3"] {
            #expect(result.output.contains(line), "missing: \(line)")
        }
    }

    @Test(arguments: [
        ["--input", "1,2,3"],
        ["--target", "5"],
        ["--input", "nan,1"],
        ["--target", "0,1,1"],
    ])
    func badValuesGiveAOneLineError(_ flags: [String]) throws {
        let result = try backprop(["explain", "--layers", "2,3,2"] + flags)
        #expect(result.status != 0 && result.status < 128)
        #expect(!result.error.isEmpty)
    }

    @Test func classIndexTargetForCrossEntropy() throws {
        let result = try backprop("explain", "--layers", "2,3,3", "--loss", "cross-entropy", "--target", "2", "--json")
        #expect(result.status == 0, "\(result.error)")
        #expect(try jsonObject(result.output)["target"] as? [Double] == [0, 0, 1])
    }
}
