// The page's state: the settings, with the one table of those the URL keeps, and the run
// being shown. The settings' defaults are the server's (GET /api/options).

// How a kind of setting is read from the URL and written to it: `parse` gives undefined to
// leave the default, `serialize` gives undefined to leave the key out.
const KINDS = {
  text: { parse: (text) => text, serialize: (value) => value },
  number: { parse: (text) => (text !== "" && isFinite(+text) ? +text : undefined), serialize: String },
  names: { parse: (text) => text.split(",").filter((name) => name), serialize: (names) => names.join(",") },
  numbers: { parse: (text) => (text === "" ? [] : text.split(",").map(Number)), serialize: (numbers) => numbers.join(",") },
  optional: { parse: (text) => text || undefined, serialize: (value) => value || undefined },
};

// Every setting the URL keeps, in the URL's order: its name in the settings, its key in the
// URL, its kind, and where one is needed, its value when the URL leaves it out.
export const URL_SETTINGS = [
  { name: "data", key: "data", kind: "text" },
  { name: "noise", key: "noise", kind: "number" },
  { name: "count", key: "count", kind: "number" },
  { name: "trainFraction", key: "train", kind: "number" },
  { name: "features", key: "features", kind: "names" },
  { name: "hidden", key: "hidden", kind: "numbers" },
  // One activation per hidden layer: the server's default for each layer the URL gives.
  { name: "activations", key: "act", kind: "names", missing: (settings, options) => settings.hidden.map(() => options.defaultActivation) },
  { name: "loss", key: "loss", kind: "optional" },
  { name: "optimizer", key: "opt", kind: "text" },
  { name: "learningRate", key: "lr", kind: "number" },
  { name: "batchSize", key: "batch", kind: "number" },
  { name: "l2", key: "l2", kind: "number" },
  { name: "dropout", key: "dropout", kind: "number" },
  { name: "seed", key: "seed", kind: "number" },
  { name: "table", key: "table", kind: "optional" },
];

// The page: what the server offers, the settings, and the run it shows.
export const page = {
  options: null,        // GET /api/options: option lists, default settings and limits
  settings: null,
  run: null,            // the run's description (RunInfo)
  snapshot: null,       // the latest frame
  events: null,         // the EventSource
  playing: false,
  history: [],          // [{steps, train, test}] for the loss curve
  drawPending: false,
  example: 0,
  explainTimer: null,
  generation: 0,        // bumped per run, so late answers for an old run are dropped
  stats: { frames: 0, renderMs: 0, events: 0 },
};

// The server's default settings, with no loss (the task's usual one) and no table.
export function defaultSettings(options) {
  return Object.assign({ loss: null, table: null }, structuredClone(options.defaults));
}

// The settings a URL's query gives, the defaults for the rest.
export function settingsFromURL(search, options) {
  const query = new URLSearchParams(search);
  const settings = defaultSettings(options);
  for (const setting of URL_SETTINGS) {
    const value = query.has(setting.key) ? KINDS[setting.kind].parse(query.get(setting.key)) : undefined;
    if (value !== undefined) settings[setting.name] = value;
    else if (setting.missing && !query.has(setting.key)) settings[setting.name] = setting.missing(settings, options);
  }
  return settings;
}

// This page's URL with `settings`.
export function urlOf(settings) {
  const query = new URLSearchParams();
  for (const setting of URL_SETTINGS) {
    const text = KINDS[setting.kind].serialize(settings[setting.name]);
    if (text !== undefined) query.set(setting.key, text);
  }
  return location.pathname + "?" + query.toString();
}
