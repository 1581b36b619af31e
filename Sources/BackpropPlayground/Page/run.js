// The run the page shows: made from the settings, adopted, and followed frame by frame.
import * as api from "./api.js";
import { page, defaultSettings, urlOf } from "./state.js";
import { $, showStatus } from "./dom.js";
import { controlsFromSettings, buildLayerControls } from "./controls.js";
import { draw } from "./draw.js";
import { explainSoon } from "./lecture.js";

// A fresh run with the page's settings.
export async function newRun() {
  const generation = ++page.generation;
  if (page.events) { page.events.close(); page.events = null; }
  // The run being left stops training (the server would otherwise go on with it).
  if (page.run && page.playing) api.pauseQuietly(page.run.id);
  setPlaying(false);
  try {
    const run = await api.createRun(page.settings);
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
export function adopt(run) {
  page.run = run;
  page.settings = Object.assign(defaultSettings(page.options), run.settings);
  page.history = [];
  page.snapshot = null;
  history.replaceState(null, "", urlOf(page.settings));
  $("share-link").href = location.href;
  const files = api.downloads(run.id);
  $("download-safetensors").href = files.safetensors;
  $("download-onnx").href = files.onnx;
  $("download-examples").href = files.examples;
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
  const events = api.events(id);
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

// A frame of the run: kept for the loss curve, and drawn.
export function receive(snapshot) {
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

export function setPlaying(playing) {
  page.playing = !!playing;
  $("play").textContent = playing ? "❚❚ Pause" : "▶ Play";
  $("play").classList.toggle("playing", !!playing);
}
