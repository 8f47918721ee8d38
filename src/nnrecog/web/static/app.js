// The page of `nnrecog serve`, part 3 of 3: photos read by the server's workers, and the start
// of the page (common.js and pad.js before it).
"use strict";

// --- photos ----------------------------------------------------------------------------------
//
// Every photo chosen or dropped is an entry of the queue, read one after another. An answer is
// kept in its own entry, and only the entry on show is drawn: a slow photo's answer arriving
// after a faster one's never lands on the other photo. Cancel aborts the reading in flight and
// drops those still waiting.

const entries = [];
let shown = null; // the entry on show
let current = null; // the entry being read: { entry, controller }
let tick = null;

function readParams(format) {
  const params = new URLSearchParams({ format, model: model(), lexicon: $("lexicon").checked });
  if (info.engines.length > 1) params.set("engine", $("engine").value);
  return params;
}

function sendPhoto(entry, format, signal) {
  const form = new FormData();
  form.append("photo", entry.file, entry.file.name);
  return api(`/api/read?${readParams(format)}`, { method: "POST", body: form, signal });
}

const mib = (n) => (n / 2 ** 20).toFixed(1);

function addPhotos(files) {
  const added = [...files].map((file) => {
    const entry = { file, state: "waiting", json: null, error: null, url: URL.createObjectURL(file) };
    if (file.size > info.max_upload_bytes) {
      entry.state = "error";
      entry.error = `${file.name} is ${mib(file.size)} MiB; the server takes at most ${mib(info.max_upload_bytes)} MiB`;
    }
    entries.push(entry);
    return entry;
  });
  if (!added.length) return;
  show(added[added.length - 1]);
  listQueue();
  readNext();
}

const STATES = { waiting: "waiting", reading: "reading …", done: "", error: "not read", cancelled: "cancelled" };

function listQueue() {
  $("queue").replaceChildren(...entries.map((entry) => {
    const item = document.createElement("li");
    item.className = `${entry.state}${entry === shown ? " selected" : ""}`;
    const button = document.createElement("button");
    button.type = "button";
    const name = document.createElement("span");
    name.textContent = entry.file.name;
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = entry.state === "done" ? `${characters(entry.reading)} characters` : STATES[entry.state];
    button.append(name, state);
    button.addEventListener("click", () => show(entry));
    item.append(button);
    return item;
  }));
}

const characters = (doc) => doc.lines.reduce((n, line) => n + line.words.reduce((m, w) => m + w.chars.length, 0), 0);

async function readNext() {
  if (current) return;
  const entry = entries.find((e) => e.state === "waiting");
  if (!entry) {
    busy(false);
    return;
  }
  const controller = new AbortController();
  current = { entry, controller };
  entry.state = "reading";
  busy(true, entry);
  listQueue();
  try {
    entry.json = await (await sendPhoto(entry, "json", controller.signal)).text();
    entry.reading = JSON.parse(entry.json);
    entry.state = "done";
  } catch (error) {
    entry.state = controller.signal.aborted ? "cancelled" : "error";
    entry.error = controller.signal.aborted ? `${entry.file.name}: cancelled` : plain(error);
  }
  current = null;
  listQueue();
  if (entry === shown) show(entry);
  readNext();
}

// What the browser says when the server is gone ("Failed to fetch", "NetworkError when ...") in words.
function plain(error) {
  return error instanceof TypeError
    ? "the server cannot be reached: is nnrecog serve still running?"
    : error.message;
}

function busy(on, entry = null) {
  $("progress").hidden = !on;
  $("cancel").hidden = !on;
  clearInterval(tick);
  if (!on) return;
  const started = Date.now();
  const waiting = () => entries.filter((e) => e.state === "waiting").length;
  const update = () => {
    const more = waiting() ? `, ${waiting()} more waiting` : "";
    say($("status"), `reading ${entry.file.name} … ${Math.round((Date.now() - started) / 1000)} s${more}`);
  };
  update();
  tick = setInterval(update, 1000);
}

$("cancel").addEventListener("click", () => {
  for (const entry of entries) {
    if (entry.state === "waiting") {
      entry.state = "cancelled";
      entry.error = `${entry.file.name}: cancelled`;
    }
  }
  if (current) current.controller.abort();
  listQueue();
  if (shown) show(shown);
});

// Show one entry: its photo, and its reading, its error or that it is still being read. All
// that the previous entry showed is cleared first.
function show(entry) {
  shown = entry;
  $("result").hidden = false;
  $("boxes").replaceChildren();
  $("photo-text").textContent = "";
  say($("hover"), "point at a box for its character's confidence");
  const image = $("photo-img");
  if (image.dataset.url !== entry.url) {
    image.hidden = false;
    $("no-preview").hidden = true;
    image.dataset.url = entry.url;
    image.src = entry.url;
  }
  const done = entry.state === "done";
  for (const button of $("downloads").children) button.disabled = !done;
  $("copy").disabled = !done;
  if (done) {
    showReading(entry.reading);
    say($("status"), `${entry.file.name}: ${characters(entry.reading)} characters read`);
  } else if (entry.error) {
    image.hidden = true;
    $("no-preview").hidden = true;
    say($("status"), entry.error, true);
  } else if (!current) {
    say($("status"), `${entry.file.name}: waiting`);
  }
  listQueue();
}

$("photo-img").addEventListener("error", () => {
  // a file the browser cannot show (a TIFF, a damaged JPEG): no broken image, a line instead
  $("photo-img").hidden = true;
  $("no-preview").hidden = !(shown && shown.state !== "error");
});

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
  $("photo-text").dataset.file = doc.file;
}

$("boxes").addEventListener("mouseover", (event) => {
  const data = event.target.dataset || {};
  if (data.text !== undefined) {
    say($("hover"), `“${data.text}”: ${percent(Number(data.confidence))} (alternatives: ${data.alternatives})`);
  } else if (data.reason !== undefined) {
    say($("hover"), `not writing: ${data.reason}`);
  }
});

$("copy").addEventListener("click", async () => {
  const text = shown && shown.reading ? shown.reading.lines.map((line) => line.text).join("\n") : "";
  try {
    await navigator.clipboard.writeText(text);
    say($("hover"), "text copied");
  } catch (error) {
    // no clipboard permission: select the text for Ctrl-C instead
    getSelection().selectAllChildren($("photo-text"));
    say($("hover"), "press Ctrl-C to copy the selected text");
  }
});

async function download(format, suffix) {
  const entry = shown;
  if (!entry || entry.state !== "done") return;
  try {
    const blob = format === "json"
      ? new Blob([entry.json], { type: "application/json" })
      : await (await sendPhoto(entry, format)).blob();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = entry.file.name.replace(/\.[^.]*$/, "") + suffix;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  } catch (error) {
    say($("status"), plain(error), true);
  }
}

const file = $("file");
file.addEventListener("change", () => {
  addPhotos(file.files);
  file.value = ""; // the same file chosen again is a new reading
});
const drop = $("drop");
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  addPhotos(event.dataTransfer.files);
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
    button.disabled = true;
    button.addEventListener("click", () => download(name, suffix));
    return button;
  }));
  clearPad();
  document.body.dataset.ready = "true";
}

start().catch((error) => say($("status"), `the page could not start: ${plain(error)}`, true));
