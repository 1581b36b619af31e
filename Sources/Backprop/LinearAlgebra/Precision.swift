/// The arithmetic of the matrix products of forward and backward propagation.
///
/// `.bfloat16` is mixed precision as `torch.autocast("cpu", dtype=torch.bfloat16)` applies
/// it to linear layers: the inputs of each product Z = A Wᵀ, Δ W and Δᵀ A rounded to
/// bfloat16 (8 significant bits, float32's range), their products summed in float32. The
/// weights, gradients, optimizer state, losses, softmax and the element-wise work stay in
/// float32, and the bias gradient (Δᵀ 1) is a float32 sum. Only `Float` networks train in
/// bfloat16.
public enum Precision: String, Codable, Sendable, CaseIterable {
    /// Every product in float32 (the default).
    case float32 = "fp32"
    /// Products of bfloat16 inputs summed in float32.
    case bfloat16 = "bf16"

    /// The kernels that run this precision's products on this processor, e.g.
    /// "avx512-bf16", or for float32 the engine setting ("automatic", "blas", "builtin").
    public var kernels: String {
        switch self {
        case .float32: matrixProductEngine.rawValue
        case .bfloat16: BFloat16Kernels.fastest.rawValue
        }
    }

    /// Whether this processor has instructions for bfloat16 products (AVX512-BF16, or
    /// AMX-BF16 where `BACKPROP_ISA=amx` asks for its tiles), within `BACKPROP_ISA`'s limit.
    /// Without them bfloat16 products give the same results, computed in float32 FMAs (AVX2)
    /// or plain C, no faster than float32.
    public static var processorHasBFloat16Instructions: Bool { BFloat16Kernels.fastest.hasInstructions }
}

extension Precision {
    /// - Throws: `BackpropError.invalidHyperparameter` for bfloat16 with a network of another
    ///   scalar than `Float`.
    func check<S: Scalar>(for scalar: S.Type) throws {
        guard self == .float32 || scalar == Float.self else {
            throw BackpropError.invalidHyperparameter(
                name: "precision", value: rawValue, expected: "fp32 for a network of \(S.self) (bf16 needs Float)")
        }
    }
}
