// chainrule playground: the page only draws. Every number (data, weights, losses, gradient
// norms, the boundary) comes from chainrule on the server through the JSON API:
//   POST api/session               settings -> id, data points, state at epoch 0
//   POST api/session/{id}/step     {"epochs": k} -> metrics of those epochs, boundary grid
//   POST api/session/{id}/reset    fresh weights, epoch 0
//   DELETE api/session/{id}
"use strict";

// matplotlib's tab10, as chainrule.plot.CLASS_COLORS: class i is drawn in CLASS_COLORS[i]
const CLASS_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
// regression values, low to high (ColorBrewer RdBu, as chainrule.plot's RdBu_r)
const VALUE_STOPS = ["#2166ac", "#67a9cf", "#f7f7f7", "#ef8a62", "#b2182b"];
// one colour per layer in the gradient chart, input side first
const LAYER_COLORS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#b5a000", "#e07000",
  "#c0392b"];
// how strongly a sure prediction tints the background (as chainrule.plot.SHADE_STRENGTH)
const SHADE_STRENGTH = 0.55;
// longest history kept for the charts; beyond it every other point is dropped
const MAX_POINTS = 4000;

const $ = (id) => document.getElementById(id);

const app = {
  catalogue: null,   // GET api/datasets
  dataset: "moons",
  hidden: [8, 8],
  dataSeed: null,    // null: the dataset's own seed; "Regenerate data" draws a new one
  session: null,     // POST api/session answer (settings, points, network)
  boundary: null,    // the latest grid of predictions
  epoch: 0,
  history: null,     // {epoch: [], loss: [], val_loss: [], accuracy|mae: [], ...}
  grads: null,       // {epoch: [], norms: [[per layer], ...]}
  playing: false,
  queue: Promise.resolve(),  // server calls run one after another, in order
  created: 0,        // counts session requests, so a late answer cannot win
};

// ---------------------------------------------------------------------------- server calls

class APIError extends Error {}

async function api(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, options);
  } catch (exc) {
    throw new APIError(`cannot reach the playground server (${exc.message}); is it running?`);
  }
  let data = null;
  try {
    data = await resp.json();
  } catch (exc) {
    data = null;
  }
  if (!resp.ok) {
    throw new APIError((data && data.error) || `HTTP ${resp.status} ${resp.statusText}`);
  }
  return data;
}

// Run fn after every earlier server call has finished; errors are shown, not thrown.
function enqueue(fn) {
  const run = app.queue.then(fn).catch((exc) => {
    showError(exc.message);
    setPlaying(false);
  });
  app.queue = run;
  return run;
}

function showError(message) {
  const box = $("error");
  box.textContent = message || "";
  box.hidden = !message;
}

// ---------------------------------------------------------------------------- settings

function datasetSpec(name) {
  return app.catalogue.datasets.find((d) => d.name === name);
}

function readSettings() {
  const spec = datasetSpec(app.dataset);
  const optimizer = $("optimizer").value;
  return {
    dataset: app.dataset,
    n_samples: parseInt($("n_samples").value, 10),
    noise: parseFloat($("noise").value),
    classes: spec.variable_classes ? parseInt($("classes").value, 10) : null,
    test_size: Math.round(100 - parseInt($("ratio").value, 10)) / 100,
    data_seed: app.dataSeed,
    features: [...document.querySelectorAll("#features input:checked")].map((el) => el.value),
    hidden: app.hidden.slice(),
    activation: $("activation").value,
    optimizer,
    lr: parseFloat($("lr").value),
    batch_size: parseInt($("batch_size").value, 10),
    momentum: optimizer === "sgd" ? parseFloat($("momentum").value) : 0,
    weight_decay: parseFloat($("weight_decay").value),
    seed: 0,
  };
}

// A setting changed: a new session from the current controls (the data is regenerated with
// the same seeds, so only what changed changes). Playing goes on with the new network.
function newSession() {
  const ticket = ++app.created;
  const settings = readSettings();
  enqueue(async () => {
    if (ticket !== app.created) return; // a newer change is queued behind this one
    const desc = await api("POST", "api/session", settings);
    const old = app.session;
    app.session = desc;
    showError("");
    startHistory();
    applyState(desc.state);
    renderNetwork();
    renderLegend();
    if (old) api("DELETE", `api/session/${old.id}`).catch(() => {});
  });
}

// ---------------------------------------------------------------------------- training

function setPlaying(on) {
  app.playing = on;
  const button = $("play");
  $("play-icon").setAttribute("d", on ? "M6 5h4v14H6zM14 5h4v14h-4z" : "M8 5v14l11-7z");
  button.setAttribute("aria-label", on ? "Pause" : "Play");
  if (on) playLoop();
}

let looping = false;
async function playLoop() {
  if (looping) return;
  looping = true;
  try {
    while (app.playing) {
      await enqueue(() => trainStep(parseInt($("speed").value, 10)));
      await nextFrame();
    }
  } finally {
    looping = false;
  }
}

function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

async function trainStep(epochs) {
  const session = app.session;
  if (!session) return;
  const data = await api("POST", `api/session/${session.id}/step`, { epochs });
  if (app.session !== session) return; // the settings changed meanwhile
  appendHistory(data);
  applyState(data);
  if (data.diverged) {
    setPlaying(false);
    showError(`Training diverged ${data.diverged}`);
  }
}

function resetSession() {
  enqueue(async () => {
    const session = app.session;
    if (!session) return;
    const data = await api("POST", `api/session/${session.id}/reset`);
    if (app.session !== session) return;
    showError("");
    startHistory();
    applyState(data);
  });
}

function startHistory() {
  app.history = { epoch: [] };
  app.grads = { epoch: [], norms: [] };
}

function appendHistory(data) {
  const h = app.history;
  for (const [key, values] of Object.entries(data.metrics)) {
    h[key] = (h[key] || []).concat(values);
  }
  app.grads.epoch = app.grads.epoch.concat(data.metrics.epoch.slice(0, data.grad_norms.length));
  app.grads.norms = app.grads.norms.concat(data.grad_norms);
  if (h.epoch.length > MAX_POINTS) {
    for (const key of Object.keys(h)) h[key] = h[key].filter((_, i) => i % 2 === 1);
  }
  if (app.grads.epoch.length > MAX_POINTS) {
    app.grads.epoch = app.grads.epoch.filter((_, i) => i % 2 === 1);
    app.grads.norms = app.grads.norms.filter((_, i) => i % 2 === 1);
  }
}

function applyState(state) {
  app.epoch = state.epoch;
  app.boundary = state.boundary;
  const epochEl = $("epoch");
  epochEl.textContent = formatEpoch(state.epoch);
  epochEl.dataset.epoch = String(state.epoch);
  renderMetrics(state);
  drawBoundary();
  drawLossChart();
  drawGradChart();
}

function formatEpoch(n) {
  const s = String(n).padStart(6, "0");
  return `${s.slice(0, -3)},${s.slice(-3)}`;
}

// ---------------------------------------------------------------------------- text

function fmt(value, digits = 3) {
  return value === null || value === undefined ? "\u2013" : value.toFixed(digits);
}

function renderMetrics(state) {
  const last = state.last || {};
  const classifier = app.session.dataset.task === "classification";
  $("test-loss").textContent = fmt(last.val_loss);
  $("train-loss").textContent = fmt(last.loss);
  $("test-metric-name").textContent = classifier ? "Test accuracy" : "Test MAE";
  $("train-metric-name").textContent = classifier ? "Training accuracy" : "Training MAE";
  const pct = (v) => (v === null || v === undefined ? "\u2013" : `${(100 * v).toFixed(1)} %`);
  $("test-metric").textContent = classifier ? pct(last.val_accuracy) : fmt(last.val_mae);
  $("train-metric").textContent = classifier ? pct(last.accuracy) : fmt(last.mae);

  const status = $("status");
  if (state.diverged) {
    status.textContent = `Training diverged ${state.diverged}. Pick a smaller learning rate ` +
      "or press reset.";
    status.classList.add("bad");
  } else {
    const net = app.session.network;
    status.classList.remove("bad");
    status.textContent = state.epoch === 0
      ? `Press play to train. ${net.steps_per_epoch} gradient steps per epoch.`
      : `${state.epoch} epochs, ${state.train_time.toFixed(2)} s of training on the server ` +
        `(${net.steps_per_epoch} gradient steps per epoch).`;
  }
}

function renderNetwork() {
  const net = app.session.network;
  const outAct = net.activations[net.activations.length - 1];
  $("architecture").textContent =
    `${net.sizes.join(" \u2192 ")} (${outAct} output) \u00b7 ${net.n_params} parameters`;
}

function renderLegend() {
  const ds = app.session.dataset;
  const legend = $("legend");
  legend.innerHTML = "";
  const add = (html) => {
    const span = document.createElement("span");
    span.innerHTML = html;
    legend.appendChild(span);
  };
  if (ds.task === "classification") {
    for (let c = 0; c < ds.n_classes; c++) {
      add(`<i class="dot" style="background:${classColor(c)}"></i>class ${c}`);
    }
  } else {
    const [lo, hi] = ds.value_range;
    const ramp = `linear-gradient(to right, ${VALUE_STOPS.join(", ")})`;
    add(`${lo.toFixed(2)}<i class="ramp" style="background:${ramp}"></i>${hi.toFixed(2)}`);
  }
  add('<i class="dot" style="background:#999"></i>training point');
  add('<i class="dot test" style="background:#999"></i>test point');
  $("description").textContent = ds.description;
}

// ---------------------------------------------------------------------------- colours

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const CLASS_RGB = CLASS_COLORS.map(hexToRgb);
const VALUE_RGB = VALUE_STOPS.map(hexToRgb);

function classColor(c) {
  return CLASS_COLORS[c % CLASS_COLORS.length];
}

// Probabilities -> background colour: the probability-weighted mix of the class colours,
// faded to white as the prediction gets less sure (as chainrule.plot does).
function shade(p, discretize) {
  const k = p.length;
  let best = 0;
  for (let c = 1; c < k; c++) if (p[c] > p[best]) best = c;
  let mix;
  let alpha;
  if (discretize) {
    mix = CLASS_RGB[best % CLASS_RGB.length];
    alpha = SHADE_STRENGTH;
  } else {
    mix = [0, 0, 0];
    for (let c = 0; c < k; c++) {
      const rgb = CLASS_RGB[c % CLASS_RGB.length];
      for (let j = 0; j < 3; j++) mix[j] += p[c] * rgb[j];
    }
    const conf = Math.min(Math.max((p[best] - 1 / k) / (1 - 1 / k), 0), 1);
    alpha = SHADE_STRENGTH * conf;
  }
  return mix.map((m) => 255 - alpha * (255 - m));
}

// A value in [lo, hi] -> colour on the diverging ramp.
function valueRgb(v, lo, hi) {
  const t = Math.min(Math.max((v - lo) / (hi - lo || 1), 0), 1) * (VALUE_RGB.length - 1);
  const i = Math.min(Math.floor(t), VALUE_RGB.length - 2);
  const f = t - i;
  return VALUE_RGB[i].map((a, j) => a + f * (VALUE_RGB[i + 1][j] - a));
}

// ---------------------------------------------------------------------------- drawing

// A 2-D context drawing in CSS pixels on a backing store sized for the screen.
function context(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width;
  const h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}

const gridCanvas = document.createElement("canvas");

function drawBoundary() {
  const { ctx, w, h } = context($("boundary"));
  const b = app.boundary;
  const ds = app.session.dataset;
  const classifier = ds.task === "classification";
  const discretize = $("discretize").checked;
  const [lo, hi] = classifier ? [0, 1] : ds.value_range;

  // the grid of predictions, one pixel per cell, scaled up smoothly
  const g = b.size;
  gridCanvas.width = g;
  gridCanvas.height = g;
  const gctx = gridCanvas.getContext("2d");
  const img = gctx.createImageData(g, g);
  for (let i = 0; i < g; i++) {
    for (let j = 0; j < g; j++) {
      let rgb;
      if (classifier) {
        rgb = shade(b.probs[i][j], discretize);
      } else {
        const v = b.values[i][j];
        rgb = v === null ? [255, 255, 255] : valueRgb(v, lo, hi);
        if (discretize) rgb = valueRgb(v > (lo + hi) / 2 ? hi : lo, lo, hi);
        rgb = rgb.map((c) => 255 - 0.75 * (255 - c));
      }
      const o = 4 * (i * g + j);
      img.data[o] = rgb[0];
      img.data[o + 1] = rgb[1];
      img.data[o + 2] = rgb[2];
      img.data[o + 3] = 255;
    }
  }
  gctx.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(gridCanvas, 0, 0, w, h);

  const [x0, x1, y0, y1] = b.extent;
  const px = (x) => ((x - x0) / (x1 - x0)) * w;
  const py = (y) => ((y1 - y) / (y1 - y0)) * h;
  drawTicks(ctx, w, h, b.extent, px, py);

  const pointColor = (y) => (classifier ? classColor(y) : `rgb(${valueRgb(y, lo, hi).join(",")})`);
  const drawPoints = (pts, test) => {
    ctx.lineWidth = test ? 1.6 : 1;
    // training points: a white ring on class colours, a faint grey one on the value ramp
    // (whose middle is white)
    ctx.strokeStyle = test ? "#111" : classifier ? "#fff" : "rgba(0, 0, 0, 0.3)";
    for (let n = 0; n < pts.x.length; n++) {
      ctx.beginPath();
      ctx.arc(px(pts.x[n][0]), py(pts.x[n][1]), 3.4, 0, 2 * Math.PI);
      ctx.fillStyle = pointColor(pts.y[n]);
      ctx.fill();
      ctx.stroke();
    }
  };
  drawPoints(ds.train, false);
  if ($("show-test").checked) drawPoints(ds.test, true);
}

function niceStep(span) {
  const raw = span / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function drawTicks(ctx, w, h, extent, px, py) {
  const [x0, x1, y0, y1] = extent;
  const step = niceStep(x1 - x0);
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = "rgba(0, 0, 0, 0.45)";
  ctx.strokeStyle = "rgba(0, 0, 0, 0.08)";
  ctx.lineWidth = 1;
  const label = (v) => (Math.abs(v) < 1e-9 ? "0" : String(+v.toFixed(2)));
  for (let v = Math.ceil(x0 / step) * step; v <= x1; v += step) {
    const x = px(v);
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, h);
    ctx.stroke();
    ctx.textAlign = "center";
    ctx.fillText(label(v), x, h - 4);
  }
  for (let v = Math.ceil(y0 / step) * step; v <= y1; v += step) {
    const y = py(v);
    ctx.beginPath();
    ctx.moveTo(0, y);
    ctx.lineTo(w, y);
    ctx.stroke();
    ctx.textAlign = "left";
    ctx.fillText(label(v), 4, y - 3);
  }
}

// Lines of `series` (arrays aligned with xs; null = gap) in a box with margins.
function plotLines(ctx, box, xs, series, { logY = false, yMin = null } = {}) {
  const tf = (v) => (logY ? Math.log10(Math.max(v, 1e-12)) : v);
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const v of s.values) {
      if (v === null || !Number.isFinite(v)) continue;
      lo = Math.min(lo, tf(v));
      hi = Math.max(hi, tf(v));
    }
  }
  if (!Number.isFinite(lo)) return null;
  if (yMin !== null) lo = yMin;
  if (hi - lo < 1e-9) hi = lo + 1;
  if (logY) {
    lo = Math.floor(lo);
    hi = Math.ceil(hi);
  }
  const xmax = Math.max(xs[xs.length - 1], 1);
  const X = (e) => box.x + (e / xmax) * box.w;
  const Y = (v) => box.y + box.h - ((tf(v) - lo) / (hi - lo)) * box.h;
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = s.width || 1.5;
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < xs.length; i++) {
      const v = s.values[i];
      if (v === null || v === undefined || !Number.isFinite(v)) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(X(xs[i]), Y(v));
      else ctx.moveTo(X(xs[i]), Y(v));
      pen = true;
    }
    ctx.stroke();
  }
  return { lo, hi, xmax };
}

function drawAxes(ctx, box, text) {
  ctx.strokeStyle = "#ccc";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(box.x, box.y);
  ctx.lineTo(box.x, box.y + box.h);
  ctx.lineTo(box.x + box.w, box.y + box.h);
  ctx.stroke();
  ctx.fillStyle = "#777";
  ctx.font = "10px system-ui, sans-serif";
  for (const [s, x, y, align] of text) {
    ctx.textAlign = align;
    ctx.fillText(s, x, y);
  }
}

function drawLossChart() {
  const { ctx, w, h } = context($("loss-chart"));
  const box = { x: 34, y: 6, w: w - 42, h: h - 22 };
  const hist = app.history;
  if (!hist || hist.epoch.length === 0) {
    drawAxes(ctx, box, [["loss per epoch appears here", box.x + box.w / 2, box.y + box.h / 2,
      "center"]]);
    return;
  }
  const r = plotLines(ctx, box, hist.epoch, [
    { values: hist.loss, color: "#9aa5b1", width: 1.5 },
    { values: hist.val_loss, color: "#222", width: 1.5 },
  ], { yMin: 0 });
  drawAxes(ctx, box, r ? [
    [r.hi.toPrecision(2), box.x - 4, box.y + 8, "right"],
    ["0", box.x - 4, box.y + box.h, "right"],
    [`epoch ${r.xmax}`, box.x + box.w, h - 3, "right"],
  ] : []);
}

function layerName(i, n) {
  return i === n - 1 ? "output" : `hidden ${i + 1}`;
}

function drawGradChart() {
  const { ctx, w, h } = context($("grad-chart"));
  const box = { x: 40, y: 6, w: w - 48, h: h - 22 };
  const legend = $("grad-legend");
  legend.innerHTML = "";
  const g = app.grads;
  const sizes = app.session.network.sizes;
  const n = sizes.length - 1;
  const last = g && g.norms.length ? g.norms[g.norms.length - 1] : null;
  for (let i = 0; i < n; i++) {
    const span = document.createElement("span");
    const value = last ? last[i].toExponential(1) : "\u2013";
    span.innerHTML = `<span class="swatch" style="background:${LAYER_COLORS[i]}"></span>` +
      `${layerName(i, n)} (${sizes[i]}\u2192${sizes[i + 1]}): <b>${value}</b>`;
    legend.appendChild(span);
  }
  if (!last) {
    drawAxes(ctx, box, [["gradient norms appear here", box.x + box.w / 2, box.y + box.h / 2,
      "center"]]);
    return;
  }
  const series = [];
  for (let i = 0; i < n; i++) {
    series.push({ values: g.norms.map((row) => row[i]), color: LAYER_COLORS[i], width: 1.5 });
  }
  const r = plotLines(ctx, box, g.epoch, series, { logY: true });
  drawAxes(ctx, box, r ? [
    [`1e${r.hi}`, box.x - 4, box.y + 8, "right"],
    [`1e${r.lo}`, box.x - 4, box.y + box.h, "right"],
    [`epoch ${r.xmax}`, box.x + box.w, h - 3, "right"],
  ] : []);
}

// ---------------------------------------------------------------------------- controls

function buildControls() {
  const cat = app.catalogue;
  const d = cat.defaults;

  const grid = $("datasets");
  for (const spec of cat.datasets) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.name = spec.name;
    const kind = spec.task !== "classification" ? "regression"
      : spec.variable_classes ? "2-10 classes" : `${spec.classes || 2} classes`;
    button.innerHTML = `${spec.name}<small>${kind}</small>`;
    button.title = spec.description;
    button.addEventListener("click", () => selectDataset(spec.name, true));
    grid.appendChild(button);
  }

  const features = $("features");
  for (const name of cat.features) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = name;
    box.checked = d.features.includes(name);
    box.addEventListener("change", newSession);
    label.append(box, ` ${name}`);
    features.appendChild(label);
  }

  fillSelect($("activation"), cat.activations, d.activation);
  fillSelect($("optimizer"), cat.optimizers, d.optimizer);
  $("lr").value = String(d.lr);
  $("batch_size").value = String(d.batch_size);

  const lim = cat.limits;
  $("n_samples").max = lim.max_samples;
  $("n_samples").value = d.n_samples;
  $("classes").max = lim.max_classes;
  $("ratio").value = Math.round(100 * (1 - d.test_size));
  app.hidden = d.hidden.slice();

  for (const id of ["lr", "activation", "optimizer", "momentum", "batch_size", "weight_decay"]) {
    $(id).addEventListener("change", () => {
      $("momentum-box").hidden = $("optimizer").value !== "sgd";
      newSession();
    });
  }
  const sliders = { classes: (v) => v, ratio: (v) => `${v}%`, noise: (v) => (+v).toFixed(2),
    n_samples: (v) => v };
  for (const [id, show] of Object.entries(sliders)) {
    const input = $(id);
    input.addEventListener("input", () => { $(`${id}-value`).textContent = show(input.value); });
    input.addEventListener("change", newSession);
  }
  $("regenerate").addEventListener("click", () => {
    app.dataSeed = Math.floor(Math.random() * 1e6);
    newSession();
  });
  $("add-layer").addEventListener("click", () => {
    if (app.hidden.length >= lim.max_layers) return;
    app.hidden.push(app.hidden.length ? app.hidden[app.hidden.length - 1] : 4);
    renderLayers();
    newSession();
  });
  $("remove-layer").addEventListener("click", () => {
    app.hidden.pop();
    renderLayers();
    newSession();
  });

  $("play").addEventListener("click", () => setPlaying(!app.playing));
  $("step").addEventListener("click", () => {
    setPlaying(false);
    enqueue(() => trainStep(1));
  });
  $("reset").addEventListener("click", resetSession);
  for (const id of ["show-test", "discretize"]) {
    $(id).addEventListener("change", () => app.session && drawBoundary());
  }
  document.addEventListener("keydown", (ev) => {
    const typing = ["INPUT", "SELECT", "TEXTAREA", "BUTTON"].includes(ev.target.tagName);
    if (ev.code === "Space" && !typing) {
      ev.preventDefault();
      setPlaying(!app.playing);
    }
  });
  window.addEventListener("resize", () => {
    if (!app.session) return;
    drawBoundary();
    drawLossChart();
    drawGradChart();
  });

  renderLayers();
  selectDataset(d.dataset, false);
  $("noise-value").textContent = (+$("noise").value).toFixed(2);
  $("ratio-value").textContent = `${$("ratio").value}%`;
  $("n_samples-value").textContent = $("n_samples").value;
}

function fillSelect(select, values, selected) {
  select.innerHTML = "";
  for (const v of values) {
    const option = document.createElement("option");
    option.textContent = v;
    option.selected = v === selected;
    select.appendChild(option);
  }
}

function selectDataset(name, create) {
  const spec = datasetSpec(name);
  app.dataset = name;
  app.dataSeed = null;
  for (const b of document.querySelectorAll("#datasets button")) {
    b.classList.toggle("selected", b.dataset.name === name);
  }
  $("noise").value = spec.noise;
  $("noise-value").textContent = spec.noise.toFixed(2);
  $("classes-box").hidden = !spec.variable_classes;
  if (spec.variable_classes) {
    $("classes").value = spec.classes;
    $("classes-value").textContent = spec.classes;
  }
  $("description").textContent = spec.description;
  if (create) newSession();
}

function renderLayers() {
  const box = $("layers");
  const max = app.catalogue.limits.max_units;
  box.innerHTML = "";
  if (app.hidden.length === 0) {
    box.innerHTML = '<span class="empty">No hidden layer: the inputs feed the output ' +
      "directly (a linear model of the features).</span>";
  }
  app.hidden.forEach((units, i) => {
    const card = document.createElement("div");
    card.className = "layer";
    card.innerHTML = `<span class="name">hidden ${i + 1}</span><span class="units">` +
      `<button class="mini" data-d="-1" title="fewer units">&minus;</button>` +
      `<input type="number" min="1" max="${max}" value="${units}" aria-label="units">` +
      `<button class="mini" data-d="1" title="more units">+</button></span>`;
    const input = card.querySelector("input");
    const set = (v) => {
      const n = Math.min(Math.max(Math.round(v) || 1, 1), max);
      input.value = n;
      if (n !== app.hidden[i]) {
        app.hidden[i] = n;
        newSession();
      }
    };
    for (const b of card.querySelectorAll("button")) {
      b.addEventListener("click", () => set(app.hidden[i] + parseInt(b.dataset.d, 10)));
    }
    input.addEventListener("change", () => set(parseFloat(input.value)));
    box.appendChild(card);
  });
  $("add-layer").disabled = app.hidden.length >= app.catalogue.limits.max_layers;
  $("remove-layer").disabled = app.hidden.length === 0;
}

// ---------------------------------------------------------------------------- start

async function main() {
  try {
    app.catalogue = await api("GET", "api/datasets");
  } catch (exc) {
    showError(exc.message);
    return;
  }
  buildControls();
  newSession();
}

main();
