// A frame: the counters, the losses and accuracies, and every canvas.
import { page } from "./state.js";
import { $ } from "./dom.js";
import { format } from "./format.js";
import { drawOutput, drawCurve } from "./plots.js";
import { drawNetwork } from "./network-view.js";

export function draw() {
  page.drawPending = false;
  const snapshot = page.snapshot, run = page.run;
  if (!snapshot || !run) return;
  const started = performance.now();
  $("epoch").textContent = snapshot.epoch;
  $("steps").textContent = snapshot.steps;
  $("train-loss").textContent = format(snapshot.trainLoss, 4);
  $("test-loss").textContent = format(snapshot.testLoss, 4);
  $("train-loss").dataset.value = snapshot.trainLoss;
  $("test-loss").dataset.value = snapshot.testLoss;
  $("train-accuracy").textContent = snapshot.trainAccuracy == null ? "–" : (snapshot.trainAccuracy * 100).toFixed(1) + "%";
  $("test-accuracy").textContent = snapshot.testAccuracy == null ? "–" : (snapshot.testAccuracy * 100).toFixed(1) + "%";
  drawOutput(snapshot, run);
  drawNetwork(snapshot, run);
  drawCurve();
  page.stats.frames++;
  page.stats.renderMs += performance.now() - started;
}

export function wireDrawing() {
  $("show-test").addEventListener("change", () => requestAnimationFrame(draw));
}
