// The page's elements: found by id, the status line, and buttons made in code.

export const $ = (id) => document.getElementById(id);

export function showStatus(message, isError) {
  const status = $("status");
  status.textContent = message || "";
  status.className = message ? (isError ? "error" : "info") : "";
}

export function button(text, title, action) {
  const b = document.createElement("button");
  b.textContent = text; b.title = title;
  b.addEventListener("click", action);
  return b;
}
