// The lecture view: the example it explains, chosen by number or by a click on the output,
// explained again as the run changes.
import * as api from "./api.js";
import { page } from "./state.js";
import { $, showStatus } from "./dom.js";
import { draw } from "./draw.js";
import { pointAt } from "./plots.js";
import { renderLecture } from "./explanation-view.js";
import { lectureStep } from "./lecture-step.js";
import { gradientCheck } from "./gradient-check.js";

function selectExample(index) {
  if (!page.run) return;
  const count = page.run.trainCount + page.run.testCount;
  if (!isFinite(index) || index < 0 || index >= count) { $("example").value = page.example; return; }
  page.example = Math.floor(index);
  $("example").value = page.example;
  $("lecture-update").replaceChildren();
  $("gradient-table").replaceChildren();
  explainSoon(0);
  requestAnimationFrame(draw);
}

// Asks for the explanation after `delay` ms, at most one request at a time.
export function explainSoon(delay) {
  if (page.explainTimer) return;
  page.explainTimer = setTimeout(async () => {
    page.explainTimer = null;
    if (!page.run) return;
    const generation = page.generation, run = page.run, example = page.example;
    try {
      const explanation = await api.explain(run.id, example);
      if (generation !== page.generation || example !== page.example) return;
      renderLecture(explanation, run, example);
    } catch (error) {
      showStatus(error.message, true);
    }
  }, delay);
}

export function wireLecture() {
  $("example").addEventListener("change", () => selectExample(Number($("example").value)));
  $("lecture-step").addEventListener("click", lectureStep);
  $("gradient-check").addEventListener("click", gradientCheck);
  $("output").addEventListener("click", (event) => {
    const point = pointAt(event);
    if (point >= 0) selectExample(point);
  });
}
