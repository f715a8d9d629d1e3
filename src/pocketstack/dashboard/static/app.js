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
    if (busy || document.hidden || typingIn(element)) return;
    busy = true;
    try {
      const text = await fetchText(element.dataset.live);
      if (text !== null) replaceLive(element, text);
      element.classList.remove("stale");
    } catch (error) {
      element.classList.add("stale");
    } finally {
      busy = false;
    }
  };
  setInterval(refresh, LIVE_EVERY_MS);
}

function typingIn(element) {
  const focused = document.activeElement;
  return Boolean(focused && element.contains(focused) && focused.matches("input, select, textarea"));
}

function replaceLive(element, html) {
  if (html === element.innerHTML) return;
  if (typingIn(element)) {
    // Applied once the user leaves the field.
    element.dataset.pending = "1";
    element.pendingHtml = html;
    return;
  }
  const atBottom = element.scrollTop + element.clientHeight >= element.scrollHeight - 4;
  element.innerHTML = html;
  // A console follows its newest lines unless the reader scrolled up.
  if (element.matches("pre.console") && atBottom) element.scrollTop = element.scrollHeight;
  element.classList.remove("stale");
  element.dispatchEvent(new CustomEvent("live-updated", { bubbles: true }));
}

function connectLive(elements) {
  // One server-sent event stream for every live part of the page; polling if it fails.
  if (!elements.length) return;
  if (!window.EventSource) {
    elements.forEach(keepLive);
    return;
  }
  const byPath = new Map(elements.map((element) => [element.dataset.live, element]));
  elements.forEach((element) => element.addEventListener("focusout", () => {
    if (element.dataset.pending) {
      delete element.dataset.pending;
      setTimeout(() => replaceLive(element, element.pendingHtml), 0);
    }
  }));
  const query = [...byPath.keys()].map((path) => `watch=${encodeURIComponent(path)}`).join("&");
  const source = new EventSource(`/dashboard/events?${query}`);
  let opened = false;
  source.addEventListener("open", () => { opened = true; });
  source.addEventListener("update", (event) => {
    const data = JSON.parse(event.data);
    const element = byPath.get(data.path);
    if (element) replaceLive(element, data.html);
  });
  source.addEventListener("login", (event) => {
    source.close();
    window.location.assign(event.data);
  });
  source.addEventListener("error", () => {
    if (!opened) {
      source.close();
      elements.forEach(keepLive);
    } else {
      elements.forEach((element) => element.classList.add("stale"));
    }
  });
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

function csrfToken() {
  return document.querySelector("main").dataset.csrf;
}

function enableUpload(form) {
  // Two steps: the image's record (POST), then its bytes streamed with a progress bar (PUT).
  const progress = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.elements.file.files[0];
    if (!file) return;
    status.textContent = "Creating the image…";
    const body = new URLSearchParams({ name: form.elements.name.value, disk_format: form.elements.disk_format.value });
    const made = await fetch(form.dataset.create, {
      method: "POST", body, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(), "X-Requested-With": "fetch" },
    });
    const answer = await made.json().catch(() => ({ error: `HTTP ${made.status}` }));
    if (!made.ok) {
      status.textContent = answer.error;
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", form.dataset.upload.replace("ID", answer.id));
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.setRequestHeader("X-Requested-With", "fetch");
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    progress.hidden = false;
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) progress.value = Math.round((100 * e.loaded) / e.total);
      status.textContent = `${Math.round(e.loaded / 1024)} KB sent`;
    });
    xhr.addEventListener("load", () => {
      if (xhr.status < 300) {
        progress.value = 100;
        status.textContent = "Uploaded.";
        window.location.reload();
      } else {
        let message = `HTTP ${xhr.status}`;
        try { message = JSON.parse(xhr.responseText).error; } catch (error) { /* keep the status */ }
        status.textContent = message;
      }
    });
    xhr.addEventListener("error", () => { status.textContent = "The upload failed (connection lost)."; });
    xhr.send(file);
  });
}

function enableFit(form) {
  // Each flavor's fit against the room left, for the count asked (the API decides in the end).
  const count = form.elements.count;
  const update = () => {
    const n = Math.max(1, parseInt(count.value, 10) || 1);
    const free = form.dataset;
    form.querySelectorAll("tr[data-vcpus]").forEach((row) => {
      const fits = n <= Number(free.freeInstances)
        && n * Number(row.dataset.vcpus) <= Number(free.freeVcpus)
        && n * Number(row.dataset.ram) <= Number(free.freeRam);
      row.classList.toggle("nofit", !fits);
      row.querySelector("td.fit").textContent = fits ? "yes" : "over quota";
    });
  };
  count.addEventListener("input", update);
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  const launch = document.getElementById("launch-form");
  if (launch) enableFit(launch);
  const upload = document.getElementById("image-upload");
  if (upload) enableUpload(upload);
  connectLive([...document.querySelectorAll("[data-live]")]);
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
  // The page's other parts (ports for floating IPs, volumes) exist once the build ends.
  const status = document.getElementById("instance-status");
  if (status) {
    const first = document.getElementById("server-status");
    const building = first && first.textContent.trim() === "BUILD";
    status.addEventListener("live-updated", () => {
      const now = document.getElementById("server-status");
      if (building && now && now.textContent.trim() !== "BUILD") window.location.reload();
    });
  }
  const topology = document.getElementById("topology");
  if (topology) enableZoom(topology);
});
