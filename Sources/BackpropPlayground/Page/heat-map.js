// The colour scale, and heat maps of values over the plane drawn with it.

// TensorFlow Playground's colours: orange for negative / the first class, blue for positive / the second.
export const NEGATIVE = [245, 147, 34], POSITIVE = [8, 119, 189];
const MIDDLE = [232, 234, 235];

export function colour(t) {
  // t in [0, 1]: orange → light grey → blue.
  t = Math.max(0, Math.min(1, t));
  const [from, to, u] = t < 0.5 ? [NEGATIVE, MIDDLE, t * 2] : [MIDDLE, POSITIVE, t * 2 - 1];
  return [0, 1, 2].map((i) => Math.round(from[i] + (to[i] - from[i]) * u));
}

// Where a value sits on the colour scale: probabilities as they are, other values squashed from [−1, 1].
export function scaled(value, probability) {
  return probability ? value : (Math.max(-1, Math.min(1, value)) + 1) / 2;
}

// The colour scale as 256 RGBA pixels (little-endian 32-bit words), looked up per value.
const PALETTE = (() => {
  const words = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = colour(i / 255);
    words[i] = (255 << 24) | (b << 16) | (g << 8) | r;
  }
  return words;
})();
const heatScratch = new Map();  // size → {canvas, context, image, words}

// A canvas holding `values` (size × size) as a heat map; reused per size, so draw it before the next call.
export function heatImage(values, size, probability) {
  let s = heatScratch.get(size);
  if (!s) {
    const canvas = document.createElement("canvas");
    canvas.width = size; canvas.height = size;
    const context = canvas.getContext("2d");
    const image = context.createImageData(size, size);
    s = { canvas, context, image, words: new Uint32Array(image.data.buffer) };
    heatScratch.set(size, s);
  }
  const n = size * size, words = s.words;
  if (probability) {
    for (let i = 0; i < n; i++) { const v = values[i]; words[i] = PALETTE[v <= 0 ? 0 : v >= 1 ? 255 : (v * 255 + 0.5) | 0]; }
  } else {
    for (let i = 0; i < n; i++) { const v = values[i]; words[i] = PALETTE[v <= -1 ? 0 : v >= 1 ? 255 : ((v + 1) * 127.5 + 0.5) | 0]; }
  }
  s.context.putImageData(s.image, 0, 0);
  return s.canvas;
}
