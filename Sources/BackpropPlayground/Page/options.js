// The controls the server's options make: the datasets, the optimizers and losses to choose
// from, and each number input's limits (PlaygroundSettings' limits, which the server checks).
import { $ } from "./dom.js";
import { label } from "./labels.js";

export function buildOptionControls(options) {
  $("datasets").replaceChildren(...options.data.map((name) => {
    const b = document.createElement("button");
    b.dataset.data = name; b.textContent = label("data", name);
    return b;
  }));
  $("optimizer").replaceChildren(...options.optimizers.map((name) => new Option(label("optimizers", name), name)));
  $("loss").replaceChildren(new Option("usual", ""), ...options.losses.map((name) => new Option(label("losses", name), name)));
  // Each limit whose setting has an input of its own (the hidden layers' have buttons).
  for (const [name, limit] of Object.entries(options.limits)) {
    if ($(name)) limitInput($(name), limit);
  }
}

// Sets an input's min and max from a limit. An end the limit leaves out is one step inside
// it (the end itself for an input with no step, which the server then refuses, saying why).
function limitInput(input, limit) {
  const step = Number(input.step) || 0;
  input.min = limit.minimum !== undefined ? limit.minimum : round(limit.exclusiveMinimum + step);
  input.max = limit.maximum !== undefined ? limit.maximum : round(limit.exclusiveMaximum - step);
}

// `value` without the binary fraction's last digits (1 − 0.05 is 0.95, not 0.9500000000000001).
function round(value) {
  return Number(value.toPrecision(12));
}
