// Backprop playground: the page. Training runs in the Swift library on the server; the page
// only sends the controls' settings, listens to the run's Server-Sent Events and draws. No
// framework, no CDN: native modules, served from the binary.
//
// Start-up: the server's options (lists, defaults, limits) make the controls, the URL gives
// the settings, and the first run starts.
import * as api from "./api.js";
import { page, settingsFromURL } from "./state.js";
import { showStatus } from "./dom.js";
import { buildOptionControls } from "./options.js";
import { controlsFromSettings, buildLayerControls, wireSettingsControls } from "./controls.js";
import { wireTransport } from "./transport.js";
import { wireUploads } from "./uploads.js";
import { wireDrawing } from "./draw.js";
import { wireLecture } from "./lecture.js";
import { newRun } from "./run.js";

window.playground = page;  // for the browser tests and the curious

async function start() {
  try {
    page.options = await api.options();
  } catch (error) {
    showStatus(error.message, true);
    return;
  }
  buildOptionControls(page.options);
  page.settings = settingsFromURL(location.search, page.options);
  controlsFromSettings();
  buildLayerControls();
  wireSettingsControls();
  wireTransport();
  wireUploads();
  wireDrawing();
  wireLecture();
  // A page going away closes its stream at once (the browser keeps only six connections to a server).
  window.addEventListener("pagehide", () => {
    if (page.events) page.events.close();
    if (page.run && page.playing) api.pauseOnLeaving(page.run.id);
  });
  await newRun();
}

start();
