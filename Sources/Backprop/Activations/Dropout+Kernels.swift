/// Inverted dropout: mask_i = 1/(1 − p) with probability 1 − p, else 0; dropped = a ⊙ mask.
@_specialize(where S == Float)
@_specialize(where S == Double)
func applyDropout<S: Scalar>(
    _ p: Double, a: UnsafePointer<S>, mask: UnsafeMutablePointer<S>, dropped: UnsafeMutablePointer<S>,
    count: Int, random: inout RandomSource
) {
    let keep = 1 - p
    let scale = S(1 / keep)
    for i in 0..<count {
        let m: S = random.uniform() < keep ? scale : 0
        mask[i] = m
        dropped[i] = a[i] * m
    }
}

/// x ← x ⊙ y.
@_specialize(where S == Float)
@_specialize(where S == Double)
func multiply<S: Scalar>(_ x: UnsafeMutablePointer<S>, by y: UnsafePointer<S>, count: Int) {
    for i in 0..<count { x[i] *= y[i] }
}
