// Files the learner gives the page: a CSV table to learn, or a saved model to continue from.
import * as api from "./api.js";
import { page } from "./state.js";
import { $, showStatus } from "./dom.js";
import { adopt, newRun } from "./run.js";

async function uploadTable() {
  const file = $("csv-file").files[0];
  if (!file) return;
  try {
    const table = await api.uploadTable(file, $("label-column").value.trim());
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
    const run = await api.uploadModel(page.run.id, file);
    page.generation++;
    if (page.events) page.events.close();
    adopt(run);
    showStatus(`continuing from ${file.name}`);
  } catch (error) {
    showStatus(error.message, true);
  }
  $("model-file").value = "";
}

export function wireUploads() {
  $("csv-file").addEventListener("change", uploadTable);
  $("model-file").addEventListener("change", uploadModel);
}
