// The network view.
import { $ } from "./dom.js";
import { label } from "./labels.js";
import { POSITIVE, NEGATIVE, heatImage } from "./heat-map.js";

// The network: a column per layer, each neuron a square (its heat map over the plane, for
// 2-D data), links drawn by weight.
export function drawNetwork(snapshot, run) {
  const canvas = $("network"), context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const sizes = [snapshot.weights[0][0].length].concat(snapshot.weights.map((w) => w.length));
  const columns = sizes.length;
  const box = Math.max(8, Math.min(34, Math.floor((canvas.height - 20) / Math.max(...sizes) - 6)));
  const right = run.classNames.length > 1 ? 110 : 20;
  const x = (l) => 40 + l * (canvas.width - 40 - right - box) / Math.max(1, columns - 1);
  const y = (l, j) => {
    const gap = Math.min(box + 8, (canvas.height - 20) / sizes[l]);
    return canvas.height / 2 - (sizes[l] * gap) / 2 + j * gap + (gap - box) / 2;
  };
  let largest = 1e-9;
  for (const w of snapshot.weights) for (const row of w) for (const v of row) largest = Math.max(largest, Math.abs(v));
  for (let l = 0; l < snapshot.weights.length; l++) {
    const w = snapshot.weights[l];
    for (let j = 0; j < w.length; j++) {
      for (let k = 0; k < w[j].length; k++) {
        const v = w[j][k];
        const [r, g, b] = v >= 0 ? POSITIVE : NEGATIVE;
        context.strokeStyle = `rgba(${r},${g},${b},0.75)`;
        context.lineWidth = 0.4 + 5 * Math.abs(v) / largest;
        const x0 = x(l) + box, y0 = y(l, k) + box / 2, x1 = x(l + 1), y1 = y(l + 1, j) + box / 2;
        context.beginPath();
        context.moveTo(x0, y0);
        context.bezierCurveTo((x0 + x1) / 2, y0, (x0 + x1) / 2, y1, x1, y1);
        context.stroke();
      }
    }
  }
  const planar = run.points && snapshot.neurons.length === sizes.length - 2;
  context.font = "11px sans-serif";
  for (let l = 0; l < columns; l++) {
    for (let j = 0; j < sizes[l]; j++) {
      const left = x(l), top = y(l, j);
      if (l === 0) {
        context.fillStyle = "#f3f3f3"; context.fillRect(left, top, box, box);
        context.fillStyle = "#333";
        const name = run.featureNames[j] || "";
        context.textAlign = "right"; context.fillText(label("features", name), left - 4, top + box / 2 + 4); context.textAlign = "left";
      } else if (l < columns - 1 && planar) {
        const values = snapshot.neurons[l - 1][j];
        context.drawImage(heatImage(values, snapshot.neuronGridSize, false), left, top, box, box);
      } else if (l === columns - 1 && planar && snapshot.output.length) {
        context.drawImage(heatImage(snapshot.output, snapshot.gridSize, run.task === "classification"), left, top, box, box);
      } else {
        context.fillStyle = "#ddd"; context.fillRect(left, top, box, box);
      }
      context.strokeStyle = "#888"; context.lineWidth = 1; context.strokeRect(left, top, box, box);
      if (l === columns - 1 && run.classNames.length > 1 && sizes[l] > 1) {
        context.fillStyle = "#333"; context.fillText(run.classNames[j] || "", left + box + 4, top + box / 2 + 4);
      }
    }
  }
  // Place each hidden layer's controls over its column.
  for (const control of document.querySelectorAll(".layer-control")) {
    const l = Number(control.dataset.layer) + 1;
    control.style.left = (x(l) + box / 2) + "px";
  }
}
