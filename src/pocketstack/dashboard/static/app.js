// pocketstack dashboard: the few live parts of server-rendered pages.
// Elements with data-live="URL" are re-fetched and replaced every few seconds; a
// session that ended sends the browser to the login page (the server says where).
"use strict";

const LIVE_EVERY_MS = 1000;

async function fetchText(url) {
  const answer = await fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
  const login = answer.headers.get("X-Login");
  if (answer.status === 401 && login) {
    window.location.assign(login);
    return null;
  }
  if (!answer.ok) {
    throw new Error(`${answer.status} ${await answer.text()}`);
  }
  return answer.text();
}

function keepLive(element) {
  let busy = false;
  const refresh = async () => {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const text = await fetchText(element.dataset.live);
      if (text !== null && text !== element.innerHTML) {
        element.innerHTML = text;
        element.dispatchEvent(new CustomEvent("live-updated", { bubbles: true }));
      }
      element.classList.remove("stale");
    } catch (error) {
      element.classList.add("stale");
    } finally {
      busy = false;
    }
  };
  setInterval(refresh, LIVE_EVERY_MS);
}

async function loadConsole() {
  const pane = document.getElementById("console");
  if (!pane) return;
  try {
    const text = await fetchText(pane.dataset.src);
    if (text !== null) {
      pane.textContent = text || "(the console log is empty so far)";
      pane.scrollTop = pane.scrollHeight;
    }
  } catch (error) {
    pane.textContent = `Could not read the console log: ${error.message}`;
  }
}

function enableZoom(frame) {
  // Wheel zooms the topology drawing; dragging pans it (the frame scrolls).
  let scale = 1;
  frame.addEventListener("wheel", (event) => {
    if (!event.ctrlKey && !event.metaKey) return;
    event.preventDefault();
    scale = Math.min(3, Math.max(0.2, scale * (event.deltaY < 0 ? 1.1 : 0.9)));
    frame.style.setProperty("--zoom", scale);
  }, { passive: false });
  let dragging = null;
  frame.addEventListener("pointerdown", (event) => {
    if (event.target.closest("a")) return;
    dragging = { x: event.clientX, y: event.clientY, left: frame.scrollLeft, top: frame.scrollTop };
  });
  window.addEventListener("pointerup", () => { dragging = null; });
  frame.addEventListener("pointermove", (event) => {
    if (!dragging) return;
    frame.scrollLeft = dragging.left - (event.clientX - dragging.x);
    frame.scrollTop = dragging.top - (event.clientY - dragging.y);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-live]").forEach(keepLive);
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  document.querySelectorAll("[data-back]").forEach((link) => {
    link.addEventListener("click", (event) => { event.preventDefault(); history.back(); });
  });
  const refresh = document.getElementById("console-refresh");
  if (refresh) refresh.addEventListener("click", loadConsole);
  loadConsole();
  // A status change (BUILD → ACTIVE, a reboot, ...) writes to the console: read it again.
  const status = document.getElementById("instance-status");
  if (status) status.addEventListener("live-updated", loadConsole);
  const topology = document.getElementById("topology");
  if (topology) enableZoom(topology);
});
