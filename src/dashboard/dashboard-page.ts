/**
 * The dashboard page: one self-contained HTML document (styles and script inline, no CDN,
 * no framework), served at `GET /`. It follows `/events`, draws each component's 1σ and 2σ
 * ellipses as SVG (the marginal of a Gaussian on dimensions i, j is the 2×2 sub-block of
 * its covariance), and the prequential log-likelihood over time; with a scores topic, a
 * histogram of the model's recent points' log-likelihood (the `scores` events) with the
 * anomaly threshold of its snapshot, and its last flagged points.
 */
export const DASHBOARD_PAGE = String.raw`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>online-em dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:0;display:flex;height:100vh;color:#222}
aside{width:260px;border-right:1px solid #ddd;padding:8px;display:flex;flex-direction:column;gap:6px}
main{flex:1;padding:8px 16px;overflow:auto}
#search{width:100%;box-sizing:border-box}
#models{flex:1;width:100%}
.stats{display:flex;flex-wrap:wrap;gap:8px 20px;margin:6px 0}
.stats b{font-weight:600}
.alarm{color:#b00}
.ok{color:#070}
svg{background:#fafafa;border:1px solid #e4e4e4}
.legend span{display:inline-block;margin-right:12px}
.sw{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}
#grid{display:flex;flex-wrap:wrap;gap:6px}
#flagged{border-collapse:collapse;font-size:12px;margin-top:6px}
#flagged td,#flagged th{padding:2px 10px 2px 0;text-align:left}
</style></head>
<body>
<aside>
<input id="search" type="search" placeholder="search models and keys">
<select id="models" size="20" aria-label="model"></select>
<div id="count"></div>
</aside>
<main>
<h2 id="title">waiting for snapshots…</h2>
<div class="stats" id="stats"></div>
<div>dimensions <select id="pair"></select> <span id="replay" hidden>time <input id="slider" type="range" min="0" max="0" value="0"> <span id="when"></span></span></div>
<div class="legend" id="legend"></div>
<div id="grid"></div>
<h3>prequential log-likelihood (nats per point)</h3>
<svg id="loglik" width="720" height="180"></svg>
<section id="scores" hidden>
<h3>recent points' log-likelihood</h3>
<div class="stats" id="scores-stats"></div>
<svg id="scores-histogram" width="720" height="160"></svg>
<table id="flagged"></table>
</section>
</main>
<script>
"use strict";
var NS = "http://www.w3.org/2000/svg";
var COLORS = ["#1f77b4","#ff7f0e","#2ca02c","#d62728","#9467bd","#8c564b","#e377c2","#7f7f7f","#bcbd22","#17becf"];
var MAX_LISTED = 500, MAX_HISTORY = 240;
var latest = new Map();   // id -> snapshot
var scores = new Map();   // model -> its scores summary (the "scores" events)
var histories = new Map(); // id -> [snapshot] (the chosen one only, and those seen while open)
var selected = null, replay = false, viewIndex = -1;
var $ = function (id) { return document.getElementById(id); };

function idOf(s) { var m = typeof s.model === "string" ? s.model : "fit"; return typeof s.key === "string" ? m + "/" + s.key : m; }
function el(name, attrs, parent) { var e = document.createElementNS(NS, name); for (var a in attrs) e.setAttribute(a, attrs[a]); if (parent) parent.appendChild(e); return e; }
function fmt(x, digits) { return x === null || x === undefined || !isFinite(x) ? "–" : Number(x).toFixed(digits === undefined ? 3 : digits); }

// The model a picker id's scores are under: a keyed model's keys share their model's.
function modelOf(id) { var s = latest.get(id); return s && typeof s.model === "string" ? s.model : id; }

function listModels() {
  var q = $("search").value.trim().toLowerCase();
  var ids = Array.from(latest.keys()).sort();
  var matching = q ? ids.filter(function (id) { return id.toLowerCase().indexOf(q) >= 0; }) : ids;
  var sel = $("models"); sel.textContent = "";
  matching.slice(0, MAX_LISTED).forEach(function (id) { var o = document.createElement("option"); o.value = id; o.textContent = id; if (id === selected) o.selected = true; sel.appendChild(o); });
  $("count").textContent = matching.length + " of " + ids.length + " models" + (matching.length > MAX_LISTED ? " (first " + MAX_LISTED + " shown: search to narrow)" : "");
}

function choose(id) {
  selected = id; viewIndex = -1;
  fetch("api/history?id=" + encodeURIComponent(id)).then(function (r) { return r.json(); }).then(function (h) {
    if (selected !== id) return;
    var kept = h.history.map(function (e) { return e.snapshot; });
    if (kept.length) histories.set(id, kept);
    render();
  });
  render();
}

function setPairs(d) {
  var sel = $("pair"), want = [];
  if (d <= 6 && d > 2) want.push(["grid", "all pairs"]);
  for (var i = 0; i < d; i++) for (var j = i + 1; j < d; j++) want.push([i + "," + j, "x" + i + " × x" + j]);
  if (d === 1) want.push(["0,0", "x0"]);
  var key = want.map(function (w) { return w[0]; }).join(";");
  if (sel.dataset.key === key) return;
  sel.dataset.key = key; sel.textContent = "";
  want.forEach(function (w) { var o = document.createElement("option"); o.value = w[0]; o.textContent = w[1]; sel.appendChild(o); });
}

// Axes of the ellipse of a 2×2 covariance [[a,b],[b,c]]: eigenvalues and the angle of the first eigenvector.
function axes(a, b, c) {
  var m = (a + c) / 2, r = Math.sqrt(((a - c) / 2) * ((a - c) / 2) + b * b);
  return { l1: Math.max(m + r, 0), l2: Math.max(m - r, 0), angle: Math.atan2(2 * b, a - c) / 2 };
}

function drawPair(s, i, j, size, parent) {
  var svg = el("svg", { width: size, height: size, "class": "pair", "data-dims": i + "," + j }, parent);
  var lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
  for (var k = 0; k < s.k; k++) {
    var dims = [i, j];
    for (var t = 0; t < 2; t++) { var sd = Math.sqrt(Math.max(s.covariances[k][dims[t]][dims[t]], 0)); lo[t] = Math.min(lo[t], s.means[k][dims[t]] - 2.5 * sd); hi[t] = Math.max(hi[t], s.means[k][dims[t]] + 2.5 * sd); }
  }
  var span = Math.max(hi[0] - lo[0], hi[1] - lo[1]) || 1, pad = 6;
  var sx = function (x) { return pad + (x - lo[0]) / span * (size - 2 * pad); };
  var sy = function (y) { return size - pad - (y - lo[1]) / span * (size - 2 * pad); };
  var scale = (size - 2 * pad) / span;
  el("text", { x: 4, y: 12, "font-size": 10, fill: "#666" }, svg).textContent = "x" + i + " → , x" + j + " ↑";
  for (var k2 = 0; k2 < s.k; k2++) {
    var C = s.covariances[k2], color = COLORS[k2 % COLORS.length];
    var e = axes(C[i][i], C[i][j], C[j][j]);
    var cx = sx(s.means[k2][i]), cy = sy(s.means[k2][j]), deg = -e.angle * 180 / Math.PI;
    [2, 1].forEach(function (n) {
      el("ellipse", { cx: cx, cy: cy, rx: n * Math.sqrt(e.l1) * scale, ry: n * Math.sqrt(e.l2) * scale, transform: "rotate(" + deg + " " + cx + " " + cy + ")",
        fill: color, "fill-opacity": n === 1 ? 0.25 : 0.08, stroke: color, "stroke-width": n === 1 ? 1.5 : 1, "stroke-dasharray": n === 2 ? "4 3" : "",
        "class": "component sigma" + n, "data-component": k2, "data-weight": s.weights[k2] }, svg);
    });
    el("circle", { cx: cx, cy: cy, r: 2.5, fill: color }, svg);
  }
}

function drawLoglik(list, at) {
  var svg = $("loglik"); svg.textContent = "";
  var W = 720, H = 180, pad = 30;
  var pts = list.map(function (s, n) { return { x: s.pointsSeen, last: s.logLikelihood && s.logLikelihood.last, avg: s.logLikelihood && s.logLikelihood.average, n: n }; })
    .filter(function (p) { return p.last !== null && p.last !== undefined && isFinite(p.last); });
  if (pts.length === 0) { el("text", { x: 10, y: 20, fill: "#888" }, svg).textContent = "no log-likelihood yet (warm-up)"; return; }
  var x0 = pts[0].x, x1 = pts[pts.length - 1].x, y0 = Infinity, y1 = -Infinity;
  pts.forEach(function (p) { [p.last, p.avg].forEach(function (v) { if (v !== null && isFinite(v)) { y0 = Math.min(y0, v); y1 = Math.max(y1, v); } }); });
  if (x1 === x0) x1 = x0 + 1; if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  var X = function (x) { return pad + (x - x0) / (x1 - x0) * (W - 2 * pad); }, Y = function (y) { return H - pad + 10 - (y - y0) / (y1 - y0) * (H - 2 * pad); };
  el("polyline", { points: pts.map(function (p) { return X(p.x) + "," + Y(p.last); }).join(" "), fill: "none", stroke: "#aaa", "class": "loglik-last" }, svg);
  el("polyline", { points: pts.filter(function (p) { return p.avg !== null && isFinite(p.avg); }).map(function (p) { return X(p.x) + "," + Y(p.avg); }).join(" "), fill: "none", stroke: "#1f77b4", "stroke-width": 2, "class": "loglik-average" }, svg);
  list.forEach(function (s) { if (s.lastChangeAt !== null && s.lastChangeAt !== undefined && s.lastChangeAt >= x0) el("line", { x1: X(s.lastChangeAt), x2: X(s.lastChangeAt), y1: 10, y2: H - 20, stroke: "#d62728", "stroke-dasharray": "3 3", "class": "change" }, svg); });
  var cur = list[at]; if (cur) el("line", { x1: X(cur.pointsSeen), x2: X(cur.pointsSeen), y1: 10, y2: H - 20, stroke: "#444" }, svg);
  el("text", { x: 2, y: 14, "font-size": 10, fill: "#666" }, svg).textContent = fmt(y1, 2);
  el("text", { x: 2, y: H - 18, "font-size": 10, fill: "#666" }, svg).textContent = fmt(y0, 2);
  el("text", { x: W - pad - 120, y: H - 4, "font-size": 10, fill: "#666" }, svg).textContent = "points seen " + x0 + " … " + x1;
  el("text", { x: pad + 4, y: H - 4, "font-size": 10, fill: "#1f77b4" }, svg).textContent = "moving average (blue), last batch (grey), changes (red)";
}

function stat(name, value, cls) { return "<span" + (cls ? " class=\"" + cls + "\"" : "") + ">" + name + " <b>" + esc(value) + "</b></span>"; }
function esc(t) { return String(t).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }[c]; }); }

function drawScores(sc, threshold) {
  var svg = $("scores-histogram"); svg.textContent = "";
  var W = 720, H = 160, pad = 30, h = sc.recent.histogram;
  if (!h) { el("text", { x: 10, y: 20, fill: "#888" }, svg).textContent = "no point scored yet"; return; }
  var lo = h.min, hi = h.max;
  if (threshold !== null) { lo = Math.min(lo, threshold); hi = Math.max(hi, threshold); }
  if (hi === lo) { lo -= 0.5; hi += 0.5; }
  var X = function (x) { return pad + (x - lo) / (hi - lo) * (W - 2 * pad); };
  var top = Math.max.apply(null, h.counts) || 1, w = (h.max - h.min) / h.counts.length;
  h.counts.forEach(function (c, i) {
    var x0 = w > 0 ? X(h.min + i * w) : X(h.min) - 3, x1 = w > 0 ? X(h.min + (i + 1) * w) : X(h.min) + 3, bh = c / top * (H - 2 * pad);
    el("rect", { x: x0, y: H - pad - bh, width: Math.max(x1 - x0 - 1, 1), height: bh, fill: "#1f77b4", "class": "score-bar", "data-count": c }, svg);
  });
  if (threshold !== null) {
    el("line", { x1: X(threshold), x2: X(threshold), y1: 10, y2: H - pad, stroke: "#d62728", "stroke-dasharray": "4 3", "class": "score-threshold" }, svg);
    el("text", { x: X(threshold) + 4, y: 20, "font-size": 10, fill: "#d62728" }, svg).textContent = "threshold " + fmt(threshold, 2);
  }
  el("text", { x: X(h.min), y: H - 12, "font-size": 10, fill: "#666" }, svg).textContent = fmt(h.min, 2);
  el("text", { x: X(h.max) - 30, y: H - 12, "font-size": 10, fill: "#666" }, svg).textContent = fmt(h.max, 2);
  el("text", { x: pad, y: H - 2, "font-size": 10, fill: "#666" }, svg).textContent = "log-likelihood (nats) of the last " + sc.recent.count + " scored points; tallest bar " + top;
}

function renderScores() {
  var sc = selected === null ? undefined : scores.get(modelOf(selected));
  $("scores").hidden = !sc;
  if (!sc) return;
  var snap = latest.get(selected), threshold = snap && snap.anomaly && typeof snap.anomaly.threshold === "number" ? snap.anomaly.threshold : null;
  $("scores-stats").innerHTML = stat("records", sc.records) + stat("scored", sc.scored) + stat("refused", sc.refused) + stat("warming up", sc.warmingUp) +
    stat("flagged", sc.flagged, sc.flagged ? "alarm" : "") + stat("recent mean", fmt(sc.recent.mean)) + stat("threshold", threshold === null ? "–" : fmt(threshold));
  $("scores-stats").dataset.records = String(sc.records);
  drawScores(sc, threshold);
  var rows = sc.flaggedPoints.slice().reverse().map(function (p) {
    return "<tr><td>" + esc(p.source) + "</td><td>" + esc(p.index) + "</td><td>" + esc(fmt(p.logLikelihood)) + "</td><td>" + esc(p.component) + "</td></tr>";
  });
  $("flagged").innerHTML = rows.length ? "<tr><th>last flagged: message</th><th>point</th><th>log-likelihood</th><th>component</th></tr>" + rows.join("") : "";
}

function render() {
  renderScores();
  if (selected === null) return;
  var list = histories.get(selected) || (latest.has(selected) ? [latest.get(selected)] : []);
  if (list.length === 0) return;
  var slider = $("slider");
  slider.max = String(list.length - 1);
  var at = viewIndex < 0 || viewIndex >= list.length ? list.length - 1 : viewIndex;
  slider.value = String(at);
  $("replay").hidden = list.length < 2;
  var s = list[at], prev = list[at - 1];
  $("title").textContent = selected;
  var rate = "–";
  if (prev && s.createdAt && prev.createdAt) { var dt = (Date.parse(s.createdAt) - Date.parse(prev.createdAt)) / 1000; if (dt > 0) rate = fmt((s.pointsSeen - prev.pointsSeen) / dt, 0); }
  $("when").textContent = (at + 1) + "/" + list.length + " " + (s.createdAt || "");
  var html = stat("points", s.pointsSeen) + stat("points/s", rate) + stat("batches", s.batches) +
    stat("log-likelihood", fmt(s.logLikelihood && s.logLikelihood.last) + " (avg " + fmt(s.logLikelihood && s.logLikelihood.average) + ")") +
    stat("converged", s.converged ? "yes" : "no", s.converged ? "ok" : "") +
    stat("changes", (s.changes || 0) + (s.lastChangeAt !== null && s.lastChangeAt !== undefined ? " (last at " + s.lastChangeAt + ")" : ""), s.changes ? "alarm" : "") +
    stat("dead letters", s.input ? s.input.deadLettered + " of " + s.input.messages : "–") + stat("rejected", s.rejected);
  if (s.anomaly) html += stat("anomaly rate", s.anomaly.rate === null ? "–" : fmt(100 * s.anomaly.rate, 2) + " %") + stat("flagged", s.anomaly.flagged);
  if (s.final) html += stat("", "final");
  $("stats").innerHTML = html;
  $("stats").dataset.points = String(s.pointsSeen);
  $("legend").innerHTML = s.weights.map(function (w, k) { return "<span><i class=\"sw\" style=\"background:" + COLORS[k % COLORS.length] + "\"></i>component " + k + ": weight " + fmt(w) + "</span>"; }).join("");
  setPairs(s.dim);
  var grid = $("grid"); grid.textContent = "";
  var pair = $("pair").value;
  if (pair === "grid") { for (var i = 0; i < s.dim; i++) for (var j = i + 1; j < s.dim; j++) drawPair(s, i, j, s.dim > 4 ? 200 : 260, grid); }
  else { var p = pair.split(",").map(Number); drawPair(s, p[0], p[1] === p[0] && s.dim > 1 ? 1 : p[1], 420, grid); }
  drawLoglik(list, at);
}

function receive(s) {
  var id = idOf(s), fresh = !latest.has(id);
  latest.set(id, s);
  var h = histories.get(id);
  if (id === selected) { if (!h) { h = []; histories.set(id, h); } if (!h.length || h[h.length - 1].createdAt !== s.createdAt || h[h.length - 1].pointsSeen !== s.pointsSeen) h.push(s); if (h.length > MAX_HISTORY) h.shift(); }
  if (fresh) scheduleList();
  if (selected === null) choose(id);
  else if (id === selected && viewIndex < 0) render();
}

var listPending = false;
function scheduleList() { if (listPending) return; listPending = true; setTimeout(function () { listPending = false; listModels(); }, 100); }

$("search").addEventListener("input", listModels);
$("models").addEventListener("change", function (e) { choose(e.target.value); });
$("pair").addEventListener("change", render);
$("slider").addEventListener("input", function (e) { var n = Number(e.target.value); viewIndex = n >= Number(e.target.max) ? -1 : n; render(); });

fetch("api/models").then(function (r) { return r.json(); }).then(function (m) {
  replay = m.replay;
  m.models.forEach(function (e) { latest.set(e.id, e.snapshot); });
  listModels();
  if (selected === null && m.models.length) choose(m.models[0].id);
  if (!replay) {
    var source = new EventSource("events");
    source.onmessage = function (ev) { try { receive(JSON.parse(ev.data)); } catch (err) { /* not a snapshot: skipped */ } };
    source.addEventListener("scores", function (ev) {
      try { var sc = JSON.parse(ev.data); scores.set(String(sc.model), sc); if (selected !== null && modelOf(selected) === sc.model) renderScores(); } catch (err) { /* not a summary: skipped */ }
    });
  }
});
</script>
</body></html>
`;
