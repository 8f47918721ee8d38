// The page of `nnrecog serve`, part 1 of 3 (common.js, pad.js, app.js, loaded in that order):
// what both halves of the page use. Everything goes through the JSON API the README documents.
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
