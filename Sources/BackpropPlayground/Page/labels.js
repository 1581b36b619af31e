// How the page writes the server's names for its options; a name not here is shown as it is.
const LABELS = {
  data: { xor: "XOR", gaussians: "Gaussians", surface: "surface (regression)" },
  features: { "x1": "x₁", "x2": "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1*x2": "x₁x₂", "sin(x1)": "sin x₁", "sin(x2)": "sin x₂" },
  optimizers: { sgd: "SGD", adam: "Adam", adamw: "AdamW", rmsprop: "RMSProp" },
  losses: { "cross-entropy": "softmax cross-entropy", "binary-cross-entropy": "binary cross-entropy" },
};

// The label of `name` in the list `list` (data, features, optimizers or losses).
export function label(list, name) {
  return LABELS[list][name] || name;
}
