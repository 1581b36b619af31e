// The output panel's plots: the network's output over the plane with the points, and the
// loss curve.
import { page } from "./state.js";
import { $ } from "./dom.js";
import { colour, scaled, heatImage } from "./heat-map.js";

export function drawOutput(snapshot, run) {
  const canvas = $("output"), context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  if (!run.points || snapshot.output.length === 0) {
    context.fillStyle = "#666"; context.font = "14px sans-serif";
    context.fillText("Heat maps are drawn for the built-in", 20, 140);
    context.fillText("2-D data; this run reads a table.", 20, 160);
    return;
  }
  const probability = run.task === "classification";
  context.imageSmoothingEnabled = true;
  context.drawImage(heatImage(snapshot.output, snapshot.gridSize, probability), 0, 0, canvas.width, canvas.height);
  const showTest = $("show-test").checked;
  const { x1, x2, labels } = run.points;
  for (let i = 0; i < labels.length; i++) {
    const test = i >= run.trainCount;
    if (test && !showTest) continue;
    const [px, py] = toCanvas(x1[i], x2[i], canvas);
    const [r, g, b] = colour(probability ? labels[i] : scaled(labels[i], false));
    context.beginPath();
    context.arc(px, py, 3, 0, 2 * Math.PI);
    context.fillStyle = `rgb(${r},${g},${b})`;
    context.fill();
    context.lineWidth = test ? 1.5 : 0.8;
    context.strokeStyle = test ? "#000" : "#fff";
    context.stroke();
  }
  if (page.example < labels.length) {
    const [px, py] = toCanvas(x1[page.example], x2[page.example], canvas);
    context.beginPath(); context.arc(px, py, 7, 0, 2 * Math.PI);
    context.lineWidth = 2; context.strokeStyle = "#d00"; context.stroke();
  }
}

function toCanvas(x1, x2, canvas) {
  return [(x1 + 6) / 12 * canvas.width, (6 - x2) / 12 * canvas.height];
}

// The index of the point shown nearest a click on the output, if one is close; else −1.
export function pointAt(event) {
  const run = page.run;
  if (!run || !run.points) return -1;
  const canvas = $("output"), box = canvas.getBoundingClientRect();
  const x = (event.clientX - box.left) * canvas.width / box.width, y = (event.clientY - box.top) * canvas.height / box.height;
  let best = -1, bestDistance = Infinity;
  const showTest = $("show-test").checked;
  for (let i = 0; i < run.points.labels.length; i++) {
    if (i >= run.trainCount && !showTest) continue;
    const [px, py] = toCanvas(run.points.x1[i], run.points.x2[i], canvas);
    const d = (px - x) ** 2 + (py - y) ** 2;
    if (d < bestDistance) { bestDistance = d; best = i; }
  }
  return best >= 0 && bestDistance < 100 ? best : -1;
}

export function drawCurve() {
  const canvas = $("curve"), context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const h = page.history;
  if (h.length < 2) return;
  let top = 0;
  for (const p of h) top = Math.max(top, isFinite(p.train) ? p.train : 0, isFinite(p.test) ? p.test : 0);
  top = top || 1;
  const first = h[0].steps, last = h[h.length - 1].steps || 1;
  const px = (s) => 4 + (s - first) / Math.max(1, last - first) * (canvas.width - 8);
  const py = (v) => canvas.height - 4 - v / top * (canvas.height - 8);
  for (const [key, style] of [["train", "#999"], ["test", "#222"]]) {
    context.beginPath();
    h.forEach((p, i) => (i ? context.lineTo(px(p.steps), py(p[key])) : context.moveTo(px(p.steps), py(p[key]))));
    context.strokeStyle = style; context.lineWidth = 1.5; context.stroke();
  }
}
