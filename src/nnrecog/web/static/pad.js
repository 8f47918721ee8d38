// The page of `nnrecog serve`, part 2 of 3: the drawing pad, classified as you draw (common.js
// before it holds $, api, say, model and percent).
"use strict";

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
    say($("draw-status"), plain(error), true);
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
