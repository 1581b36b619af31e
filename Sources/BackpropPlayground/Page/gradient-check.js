// The gradient check on the lecture's example: every parameter's ∂C/∂w by backpropagation
// beside its finite difference (for a large network, a sample the server chooses).
import * as api from "./api.js";
import { page } from "./state.js";
import { $, showStatus } from "./dom.js";
import { format, sup, sub } from "./format.js";

export async function gradientCheck() {
  if (!page.run) return;
  try {
    const result = await api.gradientCheck(page.run.id, page.example);
    const table = document.createElement("table");
    table.className = "gradient-check";
    const header = table.createTHead().insertRow();
    for (const h of ["parameter", "backpropagation", "finite difference", "relative error"]) {
      const th = document.createElement("th"); th.textContent = h; header.append(th);
    }
    const body = table.createTBody();
    for (const p of result.parameters) {
      const tr = body.insertRow();
      const name = p.column == null ? `b${sup(p.layer)}${sub(p.row + 1)}` : `w${sup(p.layer)}${sub(`${p.row + 1},${p.column + 1}`)}`;
      const cells = [name, format(p.backpropagation, 8), format(p.finiteDifference, 8), format(p.relativeError, 2)];
      cells.forEach((text, i) => { const td = tr.insertCell(); td.innerHTML = text; if (i === 3 && p.relativeError > 1e-4) td.className = "bad"; });
      tr.dataset.backpropagation = p.backpropagation; tr.dataset.finiteDifference = p.finiteDifference;
    }
    const summary = document.createElement("p");
    summary.id = "gradient-summary";
    summary.dataset.maximum = result.maximumRelativeError;
    const checked = result.sampled
      ? `${result.parameters.length} of ${result.parameterCount} parameters (an evenly spaced sample: checking all would cost the square of the network's size)`
      : `${result.parameters.length} parameters`;
    summary.textContent = `${checked}; largest relative error ${format(result.maximumRelativeError, 2)}` +
      (result.maximumRelativeError < 1e-4 ? ": backpropagation agrees with finite differences." : ": check the parameters marked.");
    $("gradient-table").replaceChildren(summary, table);
  } catch (error) {
    showStatus(error.message, true);
  }
}
