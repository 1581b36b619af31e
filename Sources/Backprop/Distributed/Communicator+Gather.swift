import Foundation

extension Communicator {
    /// Every rank's `bytes`, in rank order, on every rank (MPI's all-gather, made of one
    /// broadcast of the length and one of the bytes per rank: for the few, small messages
    /// ranks exchange before training, such as their label sets).
    func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        guard size > 1 else { return [bytes] }
        var gathered: [[UInt8]] = []
        for root in 0..<size {
            var count = rank == root ? bytes.count : 0
            try withUnsafeMutableBytes(of: &count) { try broadcast($0, from: root) }
            var part = rank == root ? bytes : [UInt8](repeating: 0, count: count)
            if count > 0 { try part.withUnsafeMutableBytes { try broadcast($0, from: root) } }
            gathered.append(part)
        }
        return gathered
    }

    /// Every rank's `values`, in rank order, on every rank.
    func allGather<T: Codable>(_ values: T) throws -> [T] {
        try allGather(Array(JSONEncoder().encode(values))).map { try JSONDecoder().decode(T.self, from: Data($0)) }
    }

    /// Every rank's `values`, in rank order, on every rank.
    func allGather(_ values: [Double]) throws -> [[Double]] {
        let bytes = values.withUnsafeBytes { Array($0) }
        return try allGather(bytes).map { part in
            part.withUnsafeBytes { raw in
                (0 ..< raw.count / 8).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) }
            }
        }
    }

    /// `values` summed over the ranks (a blocking reduction, in Double).
    public func sum(_ values: [Double]) throws -> [Double] {
        var sums = values
        try sums.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        return sums
    }
}
