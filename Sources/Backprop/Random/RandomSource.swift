import Foundation

/// A seeded random-number generator (xoshiro256**, seeded through SplitMix64).
///
/// Backprop never uses global randomness: initialization, shuffling and dropout take a
/// `RandomSource`, so the same seed gives bitwise-identical results on every platform.
public struct RandomSource: RandomNumberGenerator, Sendable, Equatable {
    /// The generator's complete state, for checkpoints.
    public var state: (UInt64, UInt64, UInt64, UInt64) {
        get { (s0, s1, s2, s3) }
        set { (s0, s1, s2, s3) = newValue }
    }
    private var s0, s1, s2, s3: UInt64

    /// A generator seeded with `seed`; the same seed gives the same sequence.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        (s0, s1, s2, s3) = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A standard normal N(0, 1) sample (Box–Muller; the second value is discarded so
    /// the state depends only on the number of calls).
    public mutating func normal() -> Double {
        let u1 = 1 - uniform()  // (0, 1]: log is finite
        let u2 = uniform()
        return (-2 * Double.log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// A uniform integer in 0 ..< bound (0 when bound ≤ 1), without modulo bias (Lemire's method).
    mutating func integer(below bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        var m = next().multipliedFullWidth(by: UInt64(bound))
        if m.low < UInt64(bound) {
            let threshold = (0 &- UInt64(bound)) % UInt64(bound)
            while m.low < threshold { m = next().multipliedFullWidth(by: UInt64(bound)) }
        }
        return Int(m.high)
    }

    /// Shuffles `indices` in place (Fisher–Yates), the same way on every platform.
    public mutating func shuffle(_ indices: inout [Int]) {
        guard indices.count > 1 else { return }
        for i in stride(from: indices.count - 1, to: 0, by: -1) {
            indices.swapAt(i, integer(below: i + 1))
        }
    }

    public static func == (lhs: RandomSource, rhs: RandomSource) -> Bool {
        lhs.state == rhs.state
    }
}
