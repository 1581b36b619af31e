extension Network {
    /// Replaces every W^l and b^l by rank `root`'s, on every rank of `communicator`, so that
    /// all replicas of a data-parallel run start equal.
    mutating func broadcastParameters(from root: Int, over communicator: any Communicator) throws {
        for k in layers.indices {
            let weights = layers[k].weight.elements.count
            try layers[k].weight.withMutablePointer {
                try communicator.broadcast(
                    UnsafeMutableRawBufferPointer(start: $0, count: weights * MemoryLayout<S>.stride), from: root)
            }
            try layers[k].bias.withUnsafeMutableBytes { try communicator.broadcast($0, from: root) }
        }
    }
}
