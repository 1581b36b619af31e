// Talking to the server: every path of its API the page uses, and a run's event stream.

// The answer's JSON; a refusal throws the server's message.
async function call(method, path, body, type) {
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

const runPath = (id) => `/api/runs/${id}`;

// The option lists, default settings and limits the controls offer.
export const options = () => call("GET", "/api/options");
export const createRun = (settings) => call("POST", "/api/runs", JSON.stringify(settings));
export const play = (id, rate) => call("POST", `${runPath(id)}/play` + (rate ? `?rate=${rate}` : ""));
export const pause = (id) => call("POST", `${runPath(id)}/pause`);
export const step = (id) => call("POST", `${runPath(id)}/step`);
export const explain = (id, example) => call("GET", `${runPath(id)}/explain?example=${example}`);
export const lectureStep = (id, example) => call("POST", `${runPath(id)}/lecture-step?example=${example}`);
export const gradientCheck = (id, example) => call("GET", `${runPath(id)}/gradient-check?example=${example}`);

export async function uploadTable(file, labelColumn) {
  const query = `?name=${encodeURIComponent(file.name)}` + (labelColumn ? `&label=${encodeURIComponent(labelColumn)}` : "");
  return call("POST", "/api/tables" + query, await file.arrayBuffer(), "text/csv");
}

export async function uploadModel(id, file) {
  return call("POST", `${runPath(id)}/model`, await file.arrayBuffer(), "application/octet-stream");
}

// Where a run's files are downloaded from.
export function downloads(id) {
  const base = runPath(id);
  return { safetensors: base + "/model.safetensors", onnx: base + "/model.onnx", examples: base + "/examples.csv" };
}

// The run's Server-Sent Events: a snapshot at each change.
export const events = (id) => new EventSource(`${runPath(id)}/events`);

// Pauses a run without waiting for the answer (the run being left).
export function pauseQuietly(id) {
  fetch(`${runPath(id)}/pause`, { method: "POST" }).catch(() => {});
}

// Pauses a run as the page goes away.
export const pauseOnLeaving = (id) => navigator.sendBeacon(`${runPath(id)}/pause`);
