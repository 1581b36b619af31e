import Backprop
import Foundation

/// What the page draws after a step, sent as JSON: progress, losses, the parameters (links
/// drawn by weight) and the network's outputs over the plane (the heat maps).
public struct PlaygroundSnapshot: Encodable, Sendable {
    /// Mini-batches trained so far, and whole epochs.
    public var steps: Int, epoch: Int
    /// The mean cost C on the training and the test set.
    public var trainLoss: Double, testLoss: Double
    /// The fraction classified right (nil for a regression).
    public var trainAccuracy: Double?, testAccuracy: Double?
    /// W^1 … W^(L−1), each as rows (W^l has n_(l+1) rows of n_l weights).
    public var weights: [[[Float]]]
    /// b^1 … b^(L−1).
    public var biases: [[Float]]
    /// The output over the plane (the second class's probability, or the value), on a
    /// `gridSize` × `gridSize` grid, row by row from x₂ = 6 down to −6, x₁ from −6 to 6.
    public var output: [Float]
    /// Each hidden neuron's activation over the plane, by layer and neuron, on a
    /// `neuronGridSize` × `neuronGridSize` grid.
    public var neurons: [[[Float]]]
    /// The grids' sizes.
    public var gridSize: Int, neuronGridSize: Int
    /// Whether the run is training on its own (set by the server).
    public var playing = false
    /// Why training stopped, if it failed (a diverged run; set by the server).
    public var error: String?
}

extension PlaygroundState {
    /// The run as it stands, for the page.
    /// - Parameters:
    ///   - gridSize: points per side of the output's heat map (at most 200).
    ///   - neuronGridSize: points per side of each neuron's heat map (at most 100).
    public func snapshot(gridSize: Int = 50, neuronGridSize: Int = 20) throws -> PlaygroundSnapshot {
        guard (1...200).contains(gridSize), (1...100).contains(neuronGridSize) else {
            throw BackpropError.invalidHyperparameter(
                name: "grid size", value: "\(gridSize), \(neuronGridSize)", expected: "1 … 200 for the output, 1 … 100 for neurons")
        }
        let (train, test) = try evaluate()
        let trainCount = examples.train.count, batch = min(settings.batchSize, trainCount)
        let batchesPerEpoch = (trainCount + batch - 1) / batch
        return PlaygroundSnapshot(
            steps: steps, epoch: steps / batchesPerEpoch,
            trainLoss: train.loss, testLoss: test.loss, trainAccuracy: train.accuracy, testAccuracy: test.accuracy,
            weights: network.layers.map(\.weight.rowArrays), biases: network.layers.map(\.bias),
            output: try planeViews(size: gridSize).output, neurons: try planeViews(size: neuronGridSize).neurons,
            gridSize: gridSize, neuronGridSize: neuronGridSize)
    }
}

extension PlaygroundSnapshot {
    /// The snapshot as JSON, the same object `JSONEncoder` makes (a number that is NaN or ±∞,
    /// from a diverged run, is `null`), written directly: Foundation's encoder would take
    /// most of the time a frame takes to make (docs/performance-choices.md).
    public func json() -> String {
        var out = ""
        out.reserveCapacity(16 * (output.count + neurons.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }) + 4096)
        func number(_ x: Double?) {
            guard let x else { return out += "null" }
            out += x.isFinite ? x.description : "null"
        }
        func list(_ values: [Float]) {
            out += "["
            for (i, v) in values.enumerated() {
                if i > 0 { out += "," }
                out += v.isFinite ? v.description : "null"
            }
            out += "]"
        }
        func lists(_ values: [[Float]]) {
            out += "["
            for (i, v) in values.enumerated() {
                if i > 0 { out += "," }
                list(v)
            }
            out += "]"
        }
        func listsOfLists(_ values: [[[Float]]]) {
            out += "["
            for (i, v) in values.enumerated() {
                if i > 0 { out += "," }
                lists(v)
            }
            out += "]"
        }
        out += "{\"steps\":\(steps),\"epoch\":\(epoch),\"trainLoss\":"
        number(trainLoss)
        out += ",\"testLoss\":"
        number(testLoss)
        if let trainAccuracy {
            out += ",\"trainAccuracy\":"
            number(trainAccuracy)
        }
        if let testAccuracy {
            out += ",\"testAccuracy\":"
            number(testAccuracy)
        }
        out += ",\"weights\":"
        listsOfLists(weights)
        out += ",\"biases\":"
        lists(biases)
        out += ",\"output\":"
        list(output)
        out += ",\"neurons\":"
        listsOfLists(neurons)
        out += ",\"gridSize\":\(gridSize),\"neuronGridSize\":\(neuronGridSize),\"playing\":\(playing)"
        if let error {
            out += ",\"error\":"
            out += String(decoding: (try? JSONEncoder().encode(error)) ?? Data("\"\"".utf8), as: UTF8.self)
        }
        return out + "}"
    }
}
