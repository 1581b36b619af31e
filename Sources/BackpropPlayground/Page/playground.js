// Backprop playground: the page. Training runs in the Swift library on the server; this
// script only sends the controls' settings, listens to the run's Server-Sent Events and
// draws. No framework, no CDN.
"use strict";

const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];
const FEATURE_LABELS = { "x1": "x₁", "x2": "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1*x2": "x₁x₂", "sin(x1)": "sin x₁", "sin(x2)": "sin x₂" };
const ACTIVATIONS = ["tanh", "sigmoid", "relu", "leaky-relu", "identity"];
const MAX_LAYERS = 10, MAX_WIDTH = 64;
const DEFAULTS = {
  data: "circle", noise: 0, count: 500, trainFraction: 0.5, features: ["x1", "x2"], hidden: [4, 2],
  activations: ["tanh", "tanh"], loss: null, optimizer: "sgd", learningRate: 0.03, batchSize: 10,
  l2: 0, dropout: 0, seed: 1, table: null,
};
// TensorFlow Playground's colours: orange for negative / the first class, blue for positive / the second.
const NEGATIVE = [245, 147, 34], POSITIVE = [8, 119, 189], MIDDLE = [232, 234, 235];

const $ = (id) => document.getElementById(id);
const page = {
  settings: structuredClone(DEFAULTS),
  run: null,            // the run's description (RunInfo)
  snapshot: null,       // the latest frame
  events: null,         // the EventSource
  history: [],          // [{steps, train, test}] for the loss curve
  drawPending: false,
  example: 0,
  explainTimer: null,
  generation: 0,        // bumped per run, so late answers for an old run are dropped
  stats: { frames: 0, renderMs: 0, events: 0 },
};
window.playground = page;  // for the browser tests and the curious

// ---------- settings <-> URL ----------

function settingsFromURL() {
  const q = new URLSearchParams(location.search);
  const s = structuredClone(DEFAULTS);
  const num = (k, f) => { if (q.has(k) && q.get(k) !== "" && isFinite(+q.get(k))) s[f] = +q.get(k); };
  if (q.has("data")) s.data = q.get("data");
  num("noise", "noise"); num("count", "count"); num("train", "trainFraction"); num("lr", "learningRate");
  num("batch", "batchSize"); num("l2", "l2"); num("dropout", "dropout"); num("seed", "seed");
  if (q.has("features")) s.features = q.get("features").split(",").filter((f) => f);
  if (q.has("hidden")) s.hidden = q.get("hidden") === "" ? [] : q.get("hidden").split(",").map(Number);
  if (q.has("act")) s.activations = q.get("act") === "" ? [] : q.get("act").split(",");
  else s.activations = s.hidden.map(() => "tanh");
  if (q.has("loss") && q.get("loss")) s.loss = q.get("loss");
  if (q.has("opt")) s.optimizer = q.get("opt");
  if (q.has("table")) s.table = q.get("table");
  return s;
}

function urlOf(s) {
  const q = new URLSearchParams();
  q.set("data", s.data); q.set("noise", s.noise); q.set("count", s.count); q.set("train", s.trainFraction);
  q.set("features", s.features.join(",")); q.set("hidden", s.hidden.join(",")); q.set("act", s.activations.join(","));
  if (s.loss) q.set("loss", s.loss);
  q.set("opt", s.optimizer); q.set("lr", s.learningRate); q.set("batch", s.batchSize); q.set("l2", s.l2);
  q.set("dropout", s.dropout); q.set("seed", s.seed);
  if (s.table) q.set("table", s.table);
  return location.pathname + "?" + q.toString();
}

// ---------- talking to the server ----------

async function api(method, path, body, type) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.body = body;
    options.headers["Content-Type"] = type || "application/json";
  }
  const response = await fetch(path, options);
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (_) { json = null; }
  if (!response.ok) throw new Error((json && json.error) || `${method} ${path}: ${response.status}`);
  return json;
}

function showStatus(message, isError) {
  const status = $("status");
  status.textContent = message || "";
  status.className = message ? (isError ? "error" : "info") : "";
}

async function newRun() {
  const generation = ++page.generation;
  if (page.events) { page.events.close(); page.events = null; }
  // The run being left stops training (the server would otherwise go on with it).
  if (page.run && page.playing) fetch(`/api/runs/${page.run.id}/pause`, { method: "POST" }).catch(() => {});
  setPlaying(false);
  try {
    const run = await api("POST", "/api/runs", JSON.stringify(page.settings));
    if (generation !== page.generation) return;
    adopt(run);
    showStatus("");
  } catch (error) {
    if (page.settings.table && /no uploaded table/.test(error.message)) {
      // A shared link to a table this server no longer has: the built-in data instead.
      page.settings.table = null;
      await newRun();
      showStatus(error.message, true);
      return;
    }
    showStatus(error.message, true);
  }
}

// Takes a run's description from the server: its settings are the page's from now on.
function adopt(run) {
  page.run = run;
  page.settings = Object.assign(structuredClone(DEFAULTS), run.settings);
  if (page.settings.loss === undefined) page.settings.loss = null;
  if (page.settings.table === undefined) page.settings.table = null;
  page.history = [];
  page.snapshot = null;
  history.replaceState(null, "", urlOf(page.settings));
  $("share-link").href = location.href;
  const base = `/api/runs/${run.id}`;
  $("download-safetensors").href = base + "/model.safetensors";
  $("download-onnx").href = base + "/model.onnx";
  $("download-examples").href = base + "/examples.csv";
  $("download-examples").hidden = !run.points;
  page.example = Math.min(page.example, run.trainCount + run.testCount - 1);
  $("example").max = run.trainCount + run.testCount - 1;
  $("example").value = page.example;
  controlsFromSettings();
  buildLayerControls();
  listen(run.id);
  explainSoon(0);
}

function listen(id) {
  const generation = page.generation;
  const events = new EventSource(`/api/runs/${id}/events`);
  page.events = events;
  events.onmessage = (message) => {
    if (generation !== page.generation) return;
    const snapshot = JSON.parse(message.data);
    page.stats.events++;
    if (snapshot.error && snapshot.steps === undefined) { showStatus(snapshot.error, true); return; }
    receive(snapshot);
  };
  events.onerror = () => {
    if (generation === page.generation && events.readyState === EventSource.CLOSED) {
      showStatus("lost the connection to the server", true);
    }
  };
}

function receive(snapshot) {
  page.snapshot = snapshot;
  const last = page.history[page.history.length - 1];
  if (!last || last.steps !== snapshot.steps) {
    if (last && snapshot.steps < last.steps) page.history = [];
    page.history.push({ steps: snapshot.steps, train: snapshot.trainLoss, test: snapshot.testLoss });
    if (page.history.length > 2000) page.history = page.history.filter((_, i) => i % 2 === 0);
  }
  setPlaying(snapshot.playing);
  if (snapshot.error) showStatus("training stopped: " + snapshot.error, true);
  // The server sends at most 30 frames a second (and one per action): each is drawn as it
  // arrives, since drawing one takes a small part of the time between frames.
  draw();
  if (!snapshot.playing) explainSoon(0);
  else explainSoon(250);
}

function setPlaying(playing) {
  page.playing = !!playing;
  $("play").textContent = playing ? "❚❚ Pause" : "▶ Play";
  $("play").classList.toggle("playing", !!playing);
}

// ---------- controls ----------

function controlsFromSettings() {
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
  const features = $("features");
  features.replaceChildren();
  for (const name of FEATURES) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox"; box.checked = s.features.includes(name); box.dataset.feature = name;
    box.disabled = !!s.table;
    box.addEventListener("change", () => {
      const chosen = FEATURES.filter((f) => f === name ? box.checked : page.settings.features.includes(f));
      if (chosen.length === 0) { box.checked = true; return; }
      page.settings.features = chosen;
      newRun();
    });
    label.append(box, " " + FEATURE_LABELS[name]);
    features.append(label);
  }
}

function buildLayerControls() {
  const container = $("layer-controls");
  container.replaceChildren();
  const s = page.settings;
  s.hidden.forEach((width, k) => {
    const column = document.createElement("div");
    column.className = "layer-control";
    column.dataset.layer = k;
    const plus = button("+", `Add a neuron to hidden layer ${k + 1}`, () => { if (s.hidden[k] < MAX_WIDTH) { s.hidden[k]++; newRun(); } });
    const minus = button("−", `Remove a neuron from hidden layer ${k + 1}`, () => { if (s.hidden[k] > 1) { s.hidden[k]--; newRun(); } });
    plus.className = "add-neuron"; minus.className = "remove-neuron";
    const count = document.createElement("span");
    count.textContent = `${width} neuron${width === 1 ? "" : "s"}`;
    const select = document.createElement("select");
    select.className = "activation";
    for (const name of ACTIVATIONS) select.add(new Option(name, name, false, name === s.activations[k]));
    select.addEventListener("change", () => { s.activations[k] = select.value; newRun(); });
    column.append(plus, minus, count, select);
    container.append(column);
  });
  $("add-layer").disabled = s.hidden.length >= MAX_LAYERS;
  $("remove-layer").disabled = s.hidden.length === 0;
}

function button(text, title, action) {
  const b = document.createElement("button");
  b.textContent = text; b.title = title;
  b.addEventListener("click", action);
  return b;
}

function wireControls() {
  for (const b of document.querySelectorAll("#datasets button")) {
    b.addEventListener("click", () => {
      page.settings.data = b.dataset.data; page.settings.table = null; page.settings.loss = null;
      page.settings.features = page.settings.features.filter((f) => FEATURES.includes(f));
      if (page.settings.features.length === 0) page.settings.features = ["x1", "x2"];
      newRun();
    });
  }
  const numeric = { learningRate: "learningRate", batchSize: "batchSize", l2: "l2", dropout: "dropout", seed: "seed", count: "count" };
  for (const [id, key] of Object.entries(numeric)) {
    $(id).addEventListener("change", () => {
      const value = Number($(id).value);
      if ($(id).value === "" || !isFinite(value)) { controlsFromSettings(); return; }
      page.settings[key] = value; newRun();
    });
  }
  $("noise").addEventListener("input", () => { $("noise-value").textContent = $("noise").value; });
  $("noise").addEventListener("change", () => { page.settings.noise = Number($("noise").value); newRun(); });
  $("trainFraction").addEventListener("input", () => { $("train-value").textContent = Math.round($("trainFraction").value * 100) + "%"; });
  $("trainFraction").addEventListener("change", () => { page.settings.trainFraction = Number($("trainFraction").value); newRun(); });
  $("optimizer").addEventListener("change", () => { page.settings.optimizer = $("optimizer").value; newRun(); });
  $("loss").addEventListener("change", () => { page.settings.loss = $("loss").value || null; newRun(); });
  $("add-layer").addEventListener("click", () => {
    const s = page.settings;
    if (s.hidden.length < MAX_LAYERS) { s.hidden.push(s.hidden.length ? s.hidden[s.hidden.length - 1] : 4); s.activations.push(s.activations[s.activations.length - 1] || "tanh"); newRun(); }
  });
  $("remove-layer").addEventListener("click", () => {
    const s = page.settings;
    if (s.hidden.length > 0) { s.hidden.pop(); s.activations.pop(); newRun(); }
  });
  $("reset").addEventListener("click", () => newRun());
  $("play").addEventListener("click", async () => {
    if (!page.run) return;
    const id = page.run.id;
    try {
      if (page.playing) { setPlaying(false); await api("POST", `/api/runs/${id}/pause`); }
      else {
        setPlaying(true);
        const rate = $("rate").value;
        await api("POST", `/api/runs/${id}/play` + (rate ? `?rate=${rate}` : ""));
      }
    } catch (error) { showStatus(error.message, true); }
  });
  $("rate").addEventListener("change", async () => {
    if (!page.run || !page.playing) return;
    const id = page.run.id, rate = $("rate").value;
    await api("POST", `/api/runs/${id}/pause`);
    await api("POST", `/api/runs/${id}/play` + (rate ? `?rate=${rate}` : ""));
  });
  $("step").addEventListener("click", async () => {
    if (!page.run) return;
    try { receive(await api("POST", `/api/runs/${page.run.id}/step`)); } catch (error) { showStatus(error.message, true); }
  });
  $("csv-file").addEventListener("change", uploadTable);
  $("model-file").addEventListener("change", uploadModel);
  $("example").addEventListener("change", () => selectExample(Number($("example").value)));
  $("lecture-step").addEventListener("click", lectureStep);
  $("gradient-check").addEventListener("click", gradientCheck);
  $("show-test").addEventListener("change", () => requestAnimationFrame(draw));
  $("output").addEventListener("click", pickPoint);
}

async function uploadTable() {
  const file = $("csv-file").files[0];
  if (!file) return;
  const label = $("label-column").value.trim();
  try {
    const query = `?name=${encodeURIComponent(file.name)}` + (label ? `&label=${encodeURIComponent(label)}` : "");
    const table = await api("POST", "/api/tables" + query, await file.arrayBuffer(), "text/csv");
    page.settings.table = table.table;
    page.settings.loss = null;
    showStatus(`uploaded ${table.name}`);
    await newRun();
  } catch (error) {
    showStatus(error.message, true);
  }
  $("csv-file").value = "";
}

async function uploadModel() {
  const file = $("model-file").files[0];
  if (!file || !page.run) return;
  try {
    const run = await api("POST", `/api/runs/${page.run.id}/model`, await file.arrayBuffer(), "application/octet-stream");
    page.generation++;
    if (page.events) page.events.close();
    adopt(run);
    showStatus(`continuing from ${file.name}`);
  } catch (error) {
    showStatus(error.message, true);
  }
  $("model-file").value = "";
}

// ---------- drawing ----------

function colour(t) {
  // t in [0, 1]: orange → light grey → blue.
  t = Math.max(0, Math.min(1, t));
  const [from, to, u] = t < 0.5 ? [NEGATIVE, MIDDLE, t * 2] : [MIDDLE, POSITIVE, t * 2 - 1];
  return [0, 1, 2].map((i) => Math.round(from[i] + (to[i] - from[i]) * u));
}

// Where a value sits on the colour scale: probabilities as they are, other values squashed from [−1, 1].
function scaled(value, probability) {
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
function heatImage(values, size, probability) {
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

function draw() {
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

function drawOutput(snapshot, run) {
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

function pickPoint(event) {
  const run = page.run;
  if (!run || !run.points) return;
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
  if (best >= 0 && bestDistance < 100) selectExample(best);
}

// The network: a column per layer, each neuron a square (its heat map over the plane, for
// 2-D data), links drawn by weight.
function drawNetwork(snapshot, run) {
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
        context.textAlign = "right"; context.fillText(FEATURE_LABELS[name] || name, left - 4, top + box / 2 + 4); context.textAlign = "left";
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

function drawCurve() {
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

function format(value, digits) {
  if (value == null || !isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e4)) return value.toExponential(digits - 1);
  return Number(value.toPrecision(digits)).toString();
}

// ---------- the lecture view ----------

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
function explainSoon(delay) {
  if (page.explainTimer) return;
  page.explainTimer = setTimeout(async () => {
    page.explainTimer = null;
    if (!page.run) return;
    const generation = page.generation, run = page.run, example = page.example;
    try {
      const explanation = await api("GET", `/api/runs/${run.id}/explain?example=${example}`);
      if (generation !== page.generation || example !== page.example) return;
      renderLecture(explanation, run, example);
    } catch (error) {
      showStatus(error.message, true);
    }
  }, delay);
}

// MathML, built as text: the lecture's notation.
const m = {
  i: (s) => `<mi>${s}</mi>`, n: (s) => `<mn>${s}</mn>`, o: (s) => `<mo>${s}</mo>`,
  row: (...xs) => `<mrow>${xs.join("")}</mrow>`,
  sup: (base, power) => `<msup>${base}${power}</msup>`,
  sub: (base, index) => `<msub>${base}${index}</msub>`,
  frac: (a, b) => `<mfrac>${a}${b}</mfrac>`,
  math: (...xs) => `<math>${xs.join("")}</math>`,
};
const sym = (name, l) => m.sup(m.i(name), typeof l === "number" ? m.n(l) : l);
const delta = (l) => m.sup(m.i("δ"), m.n(l));
const dC = (what) => m.frac(m.row(m.i("∂"), m.i("C")), m.row(m.i("∂"), what));

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

function renderLecture(e, run, example) {
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

async function lectureStep() {
  if (!page.run) return;
  const run = page.run, example = page.example;
  try {
    setPlaying(false);
    const result = await api("POST", `/api/runs/${run.id}/lecture-step?example=${example}`);
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

async function gradientCheck() {
  if (!page.run) return;
  try {
    const result = await api("GET", `/api/runs/${page.run.id}/gradient-check?example=${page.example}`);
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
    summary.textContent = `${result.parameters.length} parameters; largest relative error ${format(result.maximumRelativeError, 2)}` +
      (result.maximumRelativeError < 1e-4 ? ": backpropagation agrees with finite differences." : ": check the parameters marked.");
    $("gradient-table").replaceChildren(summary, table);
  } catch (error) {
    showStatus(error.message, true);
  }
}

function sup(text) { return `<sup>${text}</sup>`; }
function sub(text) { return `<sub>${text}</sub>`; }

// ---------- start ----------

wireControls();
// A page going away closes its stream at once (the browser keeps only six connections to a server).
window.addEventListener("pagehide", () => {
  if (page.events) page.events.close();
  if (page.run && page.playing) navigator.sendBeacon(`/api/runs/${page.run.id}/pause`);
});
page.settings = settingsFromURL();
newRun();
