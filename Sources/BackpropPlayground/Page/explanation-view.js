// An explanation (`backprop explain --json`) as the lecture's equations, each beside its
// numbers: forward through every layer, the cost, and backward to the gradients.
import { page } from "./state.js";
import { $ } from "./dom.js";
import { format, sup } from "./format.js";
import { m, sym, delta, dC } from "./mathml.js";

function matrixTable(rows, key, caption) {
  const table = document.createElement("table");
  table.className = "matrix";
  if (caption) { const c = table.createCaption(); c.innerHTML = caption; }
  rows.forEach((row, j) => {
    const tr = table.insertRow();
    row.forEach((v, k) => {
      const td = tr.insertCell();
      td.textContent = format(v, 4);
      td.dataset.key = `${key}.${j}.${k}`;
      td.dataset.value = String(v);
      td.title = String(v);
    });
  });
  return table;
}

function vectorTable(values, key, caption) {
  const table = matrixTable(values.map((v) => [v]), key, caption);
  table.querySelectorAll("td").forEach((td, j) => { td.dataset.key = `${key}.${j}`; });
  return table;
}

function block(title, math, ...tables) {
  const div = document.createElement("div");
  div.className = "equation";
  const h = document.createElement("h4"); h.innerHTML = title;
  const eq = document.createElement("div"); eq.className = "math"; eq.innerHTML = math;
  const numbers = document.createElement("div"); numbers.className = "numbers";
  numbers.append(...tables);
  div.append(h, eq, numbers);
  return div;
}

export function renderLecture(e, run, example) {
  const container = $("lecture-layers");
  const L = e.sizes.length;
  const isTrain = example < run.trainCount;
  const label = run.labels[example] !== undefined ? run.labels[example] : "";
  $("example-info").textContent = `${isTrain ? "training" : "test"} example, label ${label}; C = ${format(e.loss, 6)}`;
  $("example-info").dataset.loss = e.loss;
  const parts = [];
  parts.push(block("Input", m.math(sym("a", 1), m.o("="), m.i("x")), vectorTable(e.a[0], "a.0", "a¹")));
  for (let l = 1; l < L; l++) {
    const g = e.activations[l - 1];
    parts.push(block(`Layer ${l + 1}: forward`,
      m.math(sym("z", l + 1), m.o("="), sym("W", l), sym("a", l), m.o("+"), sym("b", l), m.o(","),
        m.i("&#x2003;"), sym("a", l + 1), m.o("="), m.i(g), m.o("("), sym("z", l + 1), m.o(")")),
      matrixTable(e.weights[l - 1], `weights.${l - 1}`, `W<sup>${l}</sup>`),
      vectorTable(e.biases[l - 1], `biases.${l - 1}`, `b<sup>${l}</sup>`),
      vectorTable(e.z[l - 1], `z.${l - 1}`, `z<sup>${l + 1}</sup>`),
      vectorTable(e.a[l], `a.${l}`, `a<sup>${l + 1}</sup>`)));
  }
  const lossMath = {
    "quadratic": m.math(m.i("C"), m.o("="), m.frac(m.n(1), m.n(2)), m.o("‖"), m.i("y"), m.o("−"), sym("a", L), m.sup(m.o("‖"), m.n(2))),
    "binary-cross-entropy": m.math(m.i("C"), m.o("="), m.o("−"), m.i("y"), m.i("ln"), sym("a", L), m.o("−"), m.o("("), m.n(1), m.o("−"), m.i("y"), m.o(")"), m.i("ln"), m.o("("), m.n(1), m.o("−"), sym("a", L), m.o(")")),
    "cross-entropy": m.math(m.i("C"), m.o("="), m.o("−"), m.row(m.sub(m.o("∑"), m.i("k"))), m.sub(m.i("y"), m.i("k")), m.i("ln"), m.sub(sym("a", L), m.i("k"))),
  }[e.loss_name] || m.math(m.i("C"));
  const target = vectorTable(e.target, "target", "y");
  const cost = document.createElement("p");
  cost.className = "cost"; cost.textContent = `C = ${format(e.loss, 6)}`; cost.dataset.key = "loss"; cost.dataset.value = e.loss;
  parts.push(block(`Cost (${e.loss_name})`, lossMath, target, cost));
  for (let l = L; l >= 2; l--) {
    const simplified = e.loss_name === "cross-entropy" || (e.loss_name === "binary-cross-entropy" && e.activations[L - 2] === "sigmoid");
    const math = l === L
      ? (simplified
        ? m.math(delta(L), m.o("="), m.sub(m.o("∇"), m.i("a")), m.i("C"), m.o("⊙"), m.sup(m.i("g"), m.o("′")), m.o("("), sym("z", L), m.o(")"), m.o("="), sym("a", L), m.o("−"), m.i("y"))
        : m.math(delta(L), m.o("="), m.sub(m.o("∇"), m.i("a")), m.i("C"), m.o("⊙"), m.sup(m.i("g"), m.o("′")), m.o("("), sym("z", L), m.o(")")))
      : m.math(delta(l), m.o("="), m.o("("), m.sup(m.row(m.o("("), sym("W", l), m.o(")")), m.i("T")), delta(l + 1), m.o(")"), m.o("⊙"), m.sup(m.i("g"), m.o("′")), m.o("("), sym("z", l), m.o(")"));
    parts.push(block(`Layer ${l}: backward`, math, vectorTable(e.delta[l - 2], `delta.${l - 2}`, `δ<sup>${l}</sup>`)));
    const gradients = block(`Gradients of W${sup(l - 1)}, b${sup(l - 1)}`,
      m.math(dC(sym("W", l - 1)), m.o("="), delta(l), m.sup(m.row(m.o("("), sym("a", l - 1), m.o(")")), m.i("T")), m.o(","),
        m.i("&#x2003;"), dC(sym("b", l - 1)), m.o("="), delta(l)),
      matrixTable(e.weight_gradients[l - 2], `weight_gradients.${l - 2}`, `∂C/∂W<sup>${l - 1}</sup>`),
      vectorTable(e.bias_gradients[l - 2], `bias_gradients.${l - 2}`, `∂C/∂b<sup>${l - 1}</sup>`));
    gradients.classList.add("gradients");
    parts.push(gradients);
  }
  container.replaceChildren(...parts);
  container.dataset.example = example;
  container.dataset.steps = page.snapshot ? page.snapshot.steps : 0;
}
