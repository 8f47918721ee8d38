// The page of `nnrecog serve`: a drawing pad classified as you draw, and a photo read by the
// server's workers. Everything goes through the JSON API the README documents.
"use strict";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const percent = (p) => `${(100 * p).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1)} %`;
let info = null;

// One call to the API; a refusal becomes an Error carrying the server's one-line reason.
async function api(path, options = {}) {
  const response = await fetch(path, options);
  if (!response.ok) {
    let reason = `${response.status} ${response.statusText}`;
    try {
      reason = (await response.json()).error || reason;
    } catch (ignored) {
      // not JSON (a proxy's page, say): the status line is all there is
    }
    throw new Error(reason);
  }
  return response;
}

function say(element, text, isError = false) {
  element.textContent = text;
  element.classList.toggle("error", isError);
}

const model = () => $("model").value;

// --- drawing ---------------------------------------------------------------------------------

const pad = $("pad");
const ink = pad.getContext("2d");
// Strokes as wide, for the pad's 280 px, as a marker on a sheet; normalisation evens them anyway.
const STROKE = 18;
let drawing = false;
let inked = false;
let last = null;

function clearPad() {
  ink.fillStyle = "#fff";
  ink.fillRect(0, 0, pad.width, pad.height);
  inked = false;
  $("top5").replaceChildren();
  $("hidden-layers").replaceChildren();
  $("input32").getContext("2d").clearRect(0, 0, 32, 32);
  $("blank").hidden = false;
  say($("draw-status"), "");
}

function padPoint(event) {
  const box = pad.getBoundingClientRect();
  // a pen's pressure widens its stroke; mouse and touch report 0.5 while pressed
  const pressure = event.pointerType === "pen" && event.pressure > 0 ? event.pressure : 0.5;
  return {
    x: ((event.clientX - box.left) * pad.width) / box.width,
    y: ((event.clientY - box.top) * pad.height) / box.height,
    width: STROKE * (0.5 + pressure),
  };
}

function stroke(from, to) {
  ink.strokeStyle = "#000";
  ink.lineCap = "round";
  ink.lineJoin = "round";
  ink.lineWidth = (from.width + to.width) / 2;
  ink.beginPath();
  ink.moveTo(from.x, from.y);
  ink.lineTo(to.x, to.y);
  ink.stroke();
}

pad.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  drawing = true;
  last = padPoint(event);
  stroke(last, last);
  inked = true;
  classifySoon();
});

pad.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  // coalesced events: every point the pointer passed, not only those the frame rate kept
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
  for (const each of events.length ? events : [event]) {
    const point = padPoint(each);
    stroke(last, point);
    last = point;
  }
  classifySoon();
});

for (const type of ["pointerup", "pointercancel"]) {
  pad.addEventListener(type, () => {
    if (drawing) classifySoon();
    drawing = false;
  });
}

$("clear").addEventListener("click", clearPad);

// At most one classification in flight; strokes drawn meanwhile are sent when it returns.
let classifying = false;
let pending = false;

function classifySoon() {
  if (!inked) return;
  if (classifying) {
    pending = true;
    return;
  }
  classifying = true;
  classify().finally(() => {
    classifying = false;
    if (pending) {
      pending = false;
      classifySoon();
    }
  });
}

async function classify() {
  try {
    const png = await new Promise((resolve) => pad.toBlob(resolve, "image/png"));
    const response = await api(`/api/classify?model=${encodeURIComponent(model())}`, {
      method: "POST",
      headers: { "Content-Type": "image/png" },
      body: png,
    });
    showGlyph(await response.json());
    say($("draw-status"), "");
  } catch (error) {
    say($("draw-status"), error.message, true);
  }
}

function showGlyph(reading) {
  const pixels = new ImageData(32, 32);
  reading.input.flat().forEach((value, i) => {
    const grey = Math.round(255 * value);
    pixels.data.set([grey, grey, grey, 255], 4 * i);
  });
  $("input32").getContext("2d").putImageData(pixels, 0, 0);
  $("blank").hidden = !reading.blank;
  $("top5").replaceChildren(...reading.top.map(topItem));
  showHidden(reading.hidden);
}

function topItem({ label, p }) {
  const item = document.createElement("li");
  const name = document.createElement("span");
  name.className = label.length > 1 ? "label none" : "label";
  name.textContent = label;
  const bar = document.createElement("span");
  bar.className = "bar";
  const fill = document.createElement("span");
  fill.style.width = `${(100 * p).toFixed(1)}%`;
  bar.append(fill);
  const value = document.createElement("span");
  value.className = "p";
  value.textContent = percent(p);
  item.append(name, bar, value);
  return item;
}

// Each hidden layer of an MLP as a grid of units, darker the more active (scaled to the layer's
// largest activation, so ReLU layers show as well as sigmoid ones).
function showHidden(layers) {
  const chosen = info.models.find((m) => m.name === model());
  if (!layers.length) {
    const note = document.createElement("p");
    note.className = "hint";
    note.textContent = chosen && chosen.kind === "cnn"
      ? "Hidden activations are shown for an MLP: start the server with --model MLP.npz (nnrecog train mlp) and choose it above."
      : "";
    $("hidden-layers").replaceChildren(note);
    return;
  }
  const figures = layers.map((units, index) => {
    const columns = Math.ceil(Math.sqrt(units.length));
    const rows = Math.ceil(units.length / columns);
    const cell = 10;
    const canvas = document.createElement("canvas");
    canvas.width = columns * cell;
    canvas.height = rows * cell;
    const paint = canvas.getContext("2d");
    const top = Math.max(...units.map(Math.abs), 1e-6);
    units.forEach((value, i) => {
      const level = Math.round(255 * (1 - Math.abs(value) / top));
      paint.fillStyle = `rgb(${level}, ${level}, ${Math.min(255, level + 60)})`;
      paint.fillRect((i % columns) * cell, Math.floor(i / columns) * cell, cell - 1, cell - 1);
    });
    const figure = document.createElement("figure");
    const caption = document.createElement("figcaption");
    caption.textContent = `hidden layer ${index + 1}: ${units.length} units (darkest ${top.toFixed(2)})`;
    figure.append(canvas, caption);
    return figure;
  });
  $("hidden-layers").replaceChildren(...figures);
}

// --- photos ----------------------------------------------------------------------------------

let photo = null; // the chosen file, sent again for each download
let photoJson = null; // the JSON reading as the server wrote it

function readParams(format) {
  const params = new URLSearchParams({ format, model: model(), lexicon: $("lexicon").checked });
  if (info.engines.length > 1) params.set("engine", $("engine").value);
  return params;
}

function sendPhoto(format) {
  const form = new FormData();
  form.append("photo", photo, photo.name);
  return api(`/api/read?${readParams(format)}`, { method: "POST", body: form });
}

async function readPhoto(file) {
  if (!file) return;
  const status = $("status");
  if (file.size > info.max_upload_bytes) {
    const mib = (n) => (n / 2 ** 20).toFixed(1);
    say(status, `${file.name} is ${mib(file.size)} MiB; the server takes at most ${mib(info.max_upload_bytes)} MiB`, true);
    return;
  }
  photo = file;
  photoJson = null;
  const image = $("photo-img");
  URL.revokeObjectURL(image.src);
  image.src = URL.createObjectURL(file);
  $("boxes").replaceChildren();
  $("photo-text").textContent = "";
  $("result").hidden = false;
  say(status, `reading ${file.name} …`);
  try {
    photoJson = await (await sendPhoto("json")).text();
    showReading(JSON.parse(photoJson));
    const count = JSON.parse(photoJson).lines.reduce((n, line) => n + line.words.reduce((m, w) => m + w.chars.length, 0), 0);
    say(status, `${file.name}: ${count} characters read`);
  } catch (error) {
    say(status, error.message, true);
  }
}

function box(parent, [y1, x1, y2, x2], className, title) {
  const rect = document.createElementNS(SVG, "rect");
  rect.setAttribute("x", x1);
  rect.setAttribute("y", y1);
  rect.setAttribute("width", x2 - x1);
  rect.setAttribute("height", y2 - y1);
  rect.setAttribute("class", className);
  const tooltip = document.createElementNS(SVG, "title");
  tooltip.textContent = title;
  rect.append(tooltip);
  parent.append(rect);
  return rect;
}

function showReading(doc) {
  const [height, width] = doc.size;
  const svg = $("boxes");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.replaceChildren();
  for (const region of doc.rejected) {
    box(svg, region.box, "rejected", `not writing: ${region.reason}`).dataset.reason = region.reason;
  }
  for (const line of doc.lines) {
    for (const word of line.words) {
      box(svg, word.box, "word", `${word.text}: ${percent(word.confidence)}`);
      for (const char of word.chars) {
        const rect = box(svg, char.box, "char", `${char.text}: ${percent(char.confidence)}`);
        rect.dataset.text = char.text;
        rect.dataset.confidence = char.confidence;
        rect.dataset.alternatives = char.alternatives.map(([label, p]) => `${label} ${percent(p)}`).join(", ");
      }
    }
  }
  $("photo-text").textContent = doc.lines.map((line) => line.text).join("\n") || "(no writing found)";
}

$("boxes").addEventListener("mouseover", (event) => {
  const data = event.target.dataset || {};
  if (data.text !== undefined) {
    say($("hover"), `“${data.text}”: ${percent(Number(data.confidence))} (alternatives: ${data.alternatives})`);
  } else if (data.reason !== undefined) {
    say($("hover"), `not writing: ${data.reason}`);
  }
});

async function download(format, suffix) {
  const status = $("status");
  try {
    const blob = format === "json"
      ? new Blob([photoJson], { type: "application/json" })
      : await (await sendPhoto(format)).blob();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = photo.name.replace(/\.[^.]*$/, "") + suffix;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  } catch (error) {
    say(status, error.message, true);
  }
}

const file = $("file");
file.addEventListener("change", () => readPhoto(file.files[0]));
const drop = $("drop");
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  readPhoto(event.dataTransfer.files[0]);
});

// --- start -----------------------------------------------------------------------------------

function option(select, value, text) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = text;
  select.append(element);
}

async function start() {
  info = await (await api("/api/info")).json();
  for (const m of info.models) {
    option($("model"), m.name, `${m.name} (${m.kind}${m.name === info.default_model ? ", shipped" : ""})`);
  }
  $("model").value = info.default_model;
  $("model").addEventListener("change", classifySoon);
  for (const engine of info.engines) option($("engine"), engine, engine);
  $("engine").value = info.default_engine;
  $("engine-choice").hidden = info.engines.length < 2;
  const labels = { text: "Text", json: "JSON", hocr: "hOCR", alto: "ALTO", tsv: "TSV", pdf: "PDF" };
  $("downloads").replaceChildren(...info.formats.map(({ name, suffix }) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = labels[name] || name;
    button.dataset.format = name;
    button.addEventListener("click", () => download(name, suffix));
    return button;
  }));
  clearPad();
  document.body.dataset.ready = "true";
}

start().catch((error) => say($("status"), `the page could not start: ${error.message}`, true));
