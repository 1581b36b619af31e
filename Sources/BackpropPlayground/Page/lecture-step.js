// One step of plain SGD on the lecture's example alone: each weight before, its gradient,
// and after.
import * as api from "./api.js";
import { page } from "./state.js";
import { $, showStatus } from "./dom.js";
import { format } from "./format.js";
import { setPlaying } from "./run.js";

export async function lectureStep() {
  if (!page.run) return;
  const run = page.run, example = page.example;
  try {
    setPlaying(false);
    const result = await api.lectureStep(run.id, example);
    const eta = result.learning_rate;
    const parts = [];
    const head = document.createElement("p");
    head.innerHTML = `One step of plain SGD on example ${example}, η = ${eta}: every cell shows w, ∂C/∂w and w − η ∂C/∂w. ` +
      `C on this example: ${format(result.before.loss, 6)} → ${format(result.after.loss, 6)}.`;
    head.id = "lecture-step-summary";
    head.dataset.before = result.before.loss; head.dataset.after = result.after.loss;
    parts.push(head);
    result.before.weights.forEach((rows, l) => {
      const table = document.createElement("table");
      table.className = "matrix update";
      table.createCaption().innerHTML = `W<sup>${l + 1}</sup> ← W<sup>${l + 1}</sup> − η ∂C/∂W<sup>${l + 1}</sup>`;
      rows.forEach((row, j) => {
        const tr = table.insertRow();
        row.forEach((w, k) => {
          const g = result.before.weight_gradients[l][j][k], after = result.after.weights[l][j][k];
          const td = tr.insertCell();
          td.innerHTML = `${format(w, 4)}<br><small>∂ ${format(g, 3)}</small><br><b>${format(after, 4)}</b>`;
          td.dataset.key = `${l}.${j}.${k}`;
          td.dataset.before = w; td.dataset.gradient = g; td.dataset.after = after;
        });
      });
      parts.push(table);
    });
    $("lecture-update").replaceChildren(...parts);
  } catch (error) {
    showStatus(error.message, true);
  }
}
