// The settings' controls: showing the settings, and a fresh run when one is changed.
import { page } from "./state.js";
import { $, button } from "./dom.js";
import { label } from "./labels.js";
import { newRun } from "./run.js";

// The data panel and the training settings as `page.settings` says.
export function controlsFromSettings() {
  const s = page.settings;
  for (const button of document.querySelectorAll("#datasets button")) {
    button.classList.toggle("selected", !s.table && button.dataset.data === s.data);
  }
  $("noise").value = s.noise; $("noise-value").textContent = s.noise;
  $("trainFraction").value = s.trainFraction; $("train-value").textContent = Math.round(s.trainFraction * 100) + "%";
  $("count").value = s.count;
  $("optimizer").value = s.optimizer; $("learningRate").value = s.learningRate; $("batchSize").value = s.batchSize;
  $("l2").value = s.l2; $("dropout").value = s.dropout; $("loss").value = s.loss || ""; $("seed").value = s.seed;
  $("table-name").textContent = s.table ? `training on the uploaded table (${page.run ? page.run.featureNames.length : "?"} features, ` +
    `${page.run && page.run.classNames.length ? page.run.classNames.length + " classes" : "regression"})` : "";
  const features = $("features"), all = page.options.features;
  features.replaceChildren();
  for (const name of all) {
    const labelElement = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox"; box.checked = s.features.includes(name); box.dataset.feature = name;
    box.disabled = !!s.table;
    box.addEventListener("change", () => {
      const chosen = all.filter((f) => f === name ? box.checked : page.settings.features.includes(f));
      if (chosen.length === 0) { box.checked = true; return; }
      page.settings.features = chosen;
      newRun();
    });
    labelElement.append(box, " " + label("features", name));
    features.append(labelElement);
  }
}

// A column of controls per hidden layer: its width's + and −, and its activation.
export function buildLayerControls() {
  const container = $("layer-controls");
  container.replaceChildren();
  const s = page.settings, widths = page.options.limits.hidden, layers = page.options.limits.hiddenLayers;
  s.hidden.forEach((width, k) => {
    const column = document.createElement("div");
    column.className = "layer-control";
    column.dataset.layer = k;
    const plus = button("+", `Add a neuron to hidden layer ${k + 1}`, () => { if (s.hidden[k] < widths.maximum) { s.hidden[k]++; newRun(); } });
    const minus = button("−", `Remove a neuron from hidden layer ${k + 1}`, () => { if (s.hidden[k] > widths.minimum) { s.hidden[k]--; newRun(); } });
    plus.className = "add-neuron"; minus.className = "remove-neuron";
    const count = document.createElement("span");
    count.textContent = `${width} neuron${width === 1 ? "" : "s"}`;
    const select = document.createElement("select");
    select.className = "activation";
    for (const name of page.options.activations) select.add(new Option(name, name, false, name === s.activations[k]));
    select.addEventListener("change", () => { s.activations[k] = select.value; newRun(); });
    column.append(plus, minus, count, select);
    container.append(column);
  });
  $("add-layer").disabled = s.hidden.length >= layers.maximum;
  $("remove-layer").disabled = s.hidden.length <= layers.minimum;
}

export function wireSettingsControls() {
  const options = page.options, layers = options.limits.hiddenLayers;
  for (const b of document.querySelectorAll("#datasets button")) {
    b.addEventListener("click", () => {
      page.settings.data = b.dataset.data; page.settings.table = null; page.settings.loss = null;
      page.settings.features = page.settings.features.filter((f) => options.features.includes(f));
      if (page.settings.features.length === 0) page.settings.features = options.defaults.features.slice();
      newRun();
    });
  }
  for (const id of ["learningRate", "batchSize", "l2", "dropout", "seed", "count"]) {
    $(id).addEventListener("change", () => {
      const value = Number($(id).value);
      if ($(id).value === "" || !isFinite(value)) { controlsFromSettings(); return; }
      page.settings[id] = value; newRun();
    });
  }
  $("noise").addEventListener("input", () => { $("noise-value").textContent = $("noise").value; });
  $("noise").addEventListener("change", () => { page.settings.noise = Number($("noise").value); newRun(); });
  $("trainFraction").addEventListener("input", () => { $("train-value").textContent = Math.round($("trainFraction").value * 100) + "%"; });
  $("trainFraction").addEventListener("change", () => { page.settings.trainFraction = Number($("trainFraction").value); newRun(); });
  $("optimizer").addEventListener("change", () => { page.settings.optimizer = $("optimizer").value; newRun(); });
  $("loss").addEventListener("change", () => { page.settings.loss = $("loss").value || null; newRun(); });
  // A new hidden layer as wide as the last (or as the defaults' first), with its activation.
  $("add-layer").addEventListener("click", () => {
    const s = page.settings;
    if (s.hidden.length >= layers.maximum) return;
    s.hidden.push(s.hidden.length ? s.hidden[s.hidden.length - 1] : options.defaults.hidden[0] || 1);
    s.activations.push(s.activations[s.activations.length - 1] || options.defaultActivation);
    newRun();
  });
  $("remove-layer").addEventListener("click", () => {
    const s = page.settings;
    if (s.hidden.length > layers.minimum) { s.hidden.pop(); s.activations.pop(); newRun(); }
  });
}
