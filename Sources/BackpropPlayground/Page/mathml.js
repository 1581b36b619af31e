// MathML, built as text: the lecture's notation.
export const m = {
  i: (s) => `<mi>${s}</mi>`, n: (s) => `<mn>${s}</mn>`, o: (s) => `<mo>${s}</mo>`,
  row: (...xs) => `<mrow>${xs.join("")}</mrow>`,
  sup: (base, power) => `<msup>${base}${power}</msup>`,
  sub: (base, index) => `<msub>${base}${index}</msub>`,
  frac: (a, b) => `<mfrac>${a}${b}</mfrac>`,
  math: (...xs) => `<math>${xs.join("")}</math>`,
};
// A quantity of layer l: a¹, zˡ.
export const sym = (name, l) => m.sup(m.i(name), typeof l === "number" ? m.n(l) : l);
export const delta = (l) => m.sup(m.i("δ"), m.n(l));
export const dC = (what) => m.frac(m.row(m.i("∂"), m.i("C")), m.row(m.i("∂"), what));
