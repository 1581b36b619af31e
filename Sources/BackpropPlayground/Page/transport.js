// The transport: reset, play and pause (at the chosen rate), and one step.
import * as api from "./api.js";
import { page } from "./state.js";
import { $, showStatus } from "./dom.js";
import { newRun, receive, setPlaying } from "./run.js";

export function wireTransport() {
  $("reset").addEventListener("click", () => newRun());
  $("play").addEventListener("click", async () => {
    if (!page.run) return;
    const id = page.run.id;
    try {
      if (page.playing) { setPlaying(false); await api.pause(id); }
      else {
        setPlaying(true);
        await api.play(id, $("rate").value);
      }
    } catch (error) { showStatus(error.message, true); }
  });
  // A new rate while playing: pause, and play again at it.
  $("rate").addEventListener("change", async () => {
    if (!page.run || !page.playing) return;
    const id = page.run.id, rate = $("rate").value;
    await api.pause(id);
    await api.play(id, rate);
  });
  $("step").addEventListener("click", async () => {
    if (!page.run) return;
    try { receive(await api.step(page.run.id)); } catch (error) { showStatus(error.message, true); }
  });
}
