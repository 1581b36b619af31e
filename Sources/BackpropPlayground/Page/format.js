// Numbers and indices as the page writes them.

// `value` to `digits` significant digits, in exponent form when very small or large.
export function format(value, digits) {
  if (value == null || !isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e4)) return value.toExponential(digits - 1);
  return Number(value.toPrecision(digits)).toString();
}

export function sup(text) { return `<sup>${text}</sup>`; }
export function sub(text) { return `<sub>${text}</sub>`; }
