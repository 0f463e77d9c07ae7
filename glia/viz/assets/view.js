// glia NetworkView: the player of a recorded network run. A hand-written ES module with no
// dependencies, embedded in the page with its data; nothing is fetched from anywhere.
//
// The data (script #glia-data) is base64 of zlib: a 4-byte length, a JSON header (ids,
// kinds, thresholds, leaks, layout, thinned edges, outputs, decision window, leading output
// per step), the raster packed 8 neurons to a byte (bit i%8 of byte i/8, a row per step),
// the value/threshold ratio quantised to a byte per neuron and step, and for small runs the
// exact float32 values. Drawing is canvas 2D: the edges go once onto an offscreen canvas
// that each frame copies; the neurons are batched by colour (one path per colour), so a
// frame of 10,000 neurons is a few thousand path segments and a handful of fills.

const root = document.getElementById("glia-view");
const canvas = document.getElementById("glia-canvas");
const traceCanvas = document.getElementById("glia-trace");
const tip = document.getElementById("glia-tip");
const el = (id) => document.getElementById(id);

const EXC = [42, 157, 58], INH = [214, 39, 40];
const KIND_NAMES = ["sensory", "hidden", "outputs"];   // column titles
const KIND = ["sensory", "hidden", "output"];             // one neuron's kind
const ROUND_LIMIT = 3000;                // more neurons than this are drawn as squares (faster)
const TAU = 2 * Math.PI;

function ramp(k, levels) {               // dark slate -> blue -> amber as V nears threshold
  const s = k / (levels - 1);
  const stops = [[38, 50, 72], [52, 101, 164], [153, 102, 204], [255, 183, 3]];
  const x = s * (stops.length - 1), i = Math.min(Math.floor(x), stops.length - 2), f = x - i;
  const c = stops[i].map((v, j) => Math.round(v + f * (stops[i + 1][j] - v)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

async function decode(text) {
  const b64 = text.trim();
  let bytes;
  if (typeof Uint8Array.fromBase64 === "function") bytes = Uint8Array.fromBase64(b64);
  else {
    const s = atob(b64);
    bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function parse(buf) {
  const jl = new DataView(buf.buffer, buf.byteOffset).getUint32(0, true);
  const m = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + jl)));
  let off = 4 + jl;
  m.rowBytes = (m.n + 7) >> 3;
  m.raster = buf.subarray(off, off + m.steps * m.rowBytes);
  off += m.steps * m.rowBytes;
  m.ratioBytes = (m.n + 1) >> 1;         // 4-bit levels, neuron 2k in the low nibble
  if (m.has_values) {
    m.ratio = buf.subarray(off, off + m.steps * m.ratioBytes);
    off += m.steps * m.ratioBytes;
  }
  if (m.exact) m.values = new Float32Array(buf.slice(off, off + m.steps * m.n * 4).buffer);
  return m;
}

function firingAt(m, t) {               // neuron indices firing at step t, ascending
  const out = [], base = t * m.rowBytes;
  for (let b = 0; b < m.rowBytes; b++) {
    let v = m.raster[base + b];
    while (v) {
      const bit = 31 - Math.clz32(v & -v);
      out.push(b * 8 + bit);
      v &= v - 1;
    }
  }
  return out;
}
const fired = (m, t, i) => t >= 0 && t < m.steps && (m.raster[t * m.rowBytes + (i >> 3)] >> (i & 7)) & 1;

function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(3) : String(+x.toPrecision(5));
}

function start(m) {
  const st = { step: 0, playing: false, speed: 10, acc: 0, last: 0, hover: -1, selected: -1,
               lastFrameMs: 0, frames: 0 };
  const N = m.n, T = m.steps, round = N <= ROUND_LIMIT;
  const px = new Float32Array(N), py = new Float32Array(N);
  let W = 0, H = 0, dpr = 1, radius = 3, staticLayer = null;
  const tctx = traceCanvas.getContext("2d"), ctx = canvas.getContext("2d");
  const outputs = m.outputs;
  const isOutput = new Uint8Array(N);
  for (const o of outputs) isOutput[o] = 1;
  const counts = new Uint32Array(T);     // spikes per step, for the overview trace
  for (let t = 0; t < T; t++) {
    let c = 0;
    for (let b = 0; b < m.rowBytes; b++) { let v = m.raster[t * m.rowBytes + b]; while (v) { v &= v - 1; c++; } }
    counts[t] = c;
  }
  let maxCount = 1;
  for (const c of counts) maxCount = Math.max(maxCount, c);
  let maxW = 0;
  for (const w of m.w) maxW = Math.max(maxW, Math.abs(w));
  const adj = Array.from({ length: N }, () => []);   // shown edges per neuron (in and out)
  for (let e = 0; e < m.w.length; e++) { adj[m.src[e]].push(e); adj[m.dst[e]].push(e); }

  el("glia-title").textContent = m.title || "network run";
  const scrub = el("glia-scrub");
  scrub.max = String(Math.max(0, T - 1));
  const mark = el("glia-window-mark");
  if (T > 1 && m.window[1] > m.window[0]) {
    mark.style.left = `${(100 * m.window[0]) / (T - 1)}%`;
    mark.style.width = `${(100 * Math.max(0, m.window[1] - 1 - m.window[0])) / (T - 1)}%`;
    mark.title = `decision window: steps ${m.window[0]}-${m.window[1] - 1}`;
  }

  function resize() {
    dpr = window.devicePixelRatio || 1;
    const r = canvas.getBoundingClientRect();
    W = Math.max(200, r.width); H = Math.max(120, r.height);
    canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
    const tr = traceCanvas.getBoundingClientRect();
    traceCanvas.width = Math.round(Math.max(200, tr.width) * dpr);
    traceCanvas.height = Math.round(Math.max(40, tr.height) * dpr);
    const mx = 18, right = outputs.length <= 40 ? 48 : 18, top = 22, bottom = 12;
    for (let i = 0; i < N; i++) {
      px[i] = mx + m.x[i] * (W - mx - right);
      py[i] = top + m.y[i] * (H - top - bottom);
    }
    radius = Math.max(1, Math.min(7, 0.3 * m.cell * (H - top - bottom)));
    buildStatic();
    draw();
  }

  function buildStatic() {              // background, layer names and edges: drawn once
    staticLayer = document.createElement("canvas");
    staticLayer.width = canvas.width; staticLayer.height = canvas.height;
    const g = staticLayer.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = "#12161f"; g.fillRect(0, 0, W, H);
    g.font = "11px system-ui, sans-serif"; g.fillStyle = "#8792a8"; g.textBaseline = "top";
    let free = 0;                       // each kind's name over its leftmost column
    for (let k = 0; k < 3; k++) {
      let xmin = Infinity;
      for (let i = 0; i < N; i++) if (m.kind[i] === k) xmin = Math.min(xmin, px[i]);
      if (xmin === Infinity) continue;
      const x = Math.min(Math.max(free, xmin - 10), W - g.measureText(KIND_NAMES[k]).width - 2);
      g.fillText(KIND_NAMES[k], x, 4);
      free = x + g.measureText(KIND_NAMES[k]).width + 8;
    }
    if (maxW > 0) {
      const B = 4;                      // edges batched by sign and strength
      for (let sign = 0; sign < 2; sign++) {
        for (let b = 0; b < B; b++) {
          g.beginPath();
          let any = false;
          for (let e = 0; e < m.w.length; e++) {
            const w = m.w[e];
            if ((w < 0) !== (sign === 1)) continue;
            const s = Math.min(B - 1, Math.floor((Math.abs(w) / maxW) * B));
            if (s !== b) continue;
            g.moveTo(px[m.src[e]], py[m.src[e]]); g.lineTo(px[m.dst[e]], py[m.dst[e]]);
            any = true;
          }
          if (!any) continue;
          const c = sign ? INH : EXC, a = 0.06 + 0.5 * ((b + 1) / B) ** 2;
          g.strokeStyle = `rgba(${c[0]},${c[1]},${c[2]},${a})`;
          g.lineWidth = 0.5 + (1.5 * b) / (B - 1);
          g.stroke();
        }
      }
    }
  }

  function colourLevel(t, i) {
    if (!m.has_values) return 0;
    return (m.ratio[t * m.ratioBytes + (i >> 1)] >> ((i & 1) << 2)) & 15;
  }

  function value(t, i) {                // the value shown on hover: exact when shipped,
    if (m.exact) return m.values[t * N + i];     // else the middle of its level
    if (m.has_values) return ((colourLevel(t, i) + 0.5) / m.levels) * m.threshold[i];
    return NaN;
  }

  const COLORS = m.levels;
  const PALETTE = Array.from({ length: COLORS }, (_, k) => ramp(k, COLORS));
  const buckets = Array.from({ length: COLORS }, () => []);
  function addShapes(list, r) {         // one sub-path per neuron into the current path
    if (round) for (const i of list) { ctx.moveTo(px[i] + r, py[i]); ctx.arc(px[i], py[i], r, 0, TAU); }
    else for (const i of list) ctx.rect(px[i] - r, py[i] - r, 2 * r, 2 * r);
  }
  function draw() {
    if (!staticLayer) return;
    const t0 = performance.now();
    const t = st.step;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(staticLayer, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const r = radius;
    for (const b of buckets) b.length = 0;
    for (let i = 0; i < N; i++) buckets[colourLevel(t, i)].push(i);
    for (let k = 0; k < COLORS; k++) {
      if (!buckets[k].length) continue;
      ctx.beginPath(); addShapes(buckets[k], r); ctx.fillStyle = PALETTE[k]; ctx.fill();
    }
    // the flash: firing neurons white with a halo, last step's fading
    const now = firingAt(m, t);
    if (t > 0) {
      ctx.beginPath(); addShapes(firingAt(m, t - 1), 1.6 * r);
      ctx.fillStyle = "rgba(255,255,255,0.18)"; ctx.fill();
    }
    ctx.beginPath(); addShapes(now, 2.2 * r); ctx.fillStyle = "rgba(255,244,200,0.35)"; ctx.fill();
    ctx.beginPath(); addShapes(now, 1.3 * r); ctx.fillStyle = "#ffffff"; ctx.fill();
    // outputs: ids, the leading one ringed
    const lead = m.leader[t];
    ctx.font = "11px system-ui, sans-serif"; ctx.textBaseline = "middle";
    for (let k = 0; k < outputs.length; k++) {
      const i = outputs[k];
      if (outputs.length <= 40) { ctx.fillStyle = "#c9d1e0"; ctx.fillText(m.ids[i], px[i] + r + 5, py[i]); }
      if (k === lead) {
        ctx.strokeStyle = "#ffb703"; ctx.lineWidth = 2;
        ctx.beginPath(); ctx.arc(px[i], py[i], r + 5, 0, 2 * Math.PI); ctx.stroke();
      }
    }
    for (const [i, colour] of [[st.selected, "#7ee0ff"], [st.hover, "#ffffff"]]) {
      if (i < 0) continue;
      if (adj[i].length) {
        ctx.beginPath();
        for (const e of adj[i]) { ctx.moveTo(px[m.src[e]], py[m.src[e]]); ctx.lineTo(px[m.dst[e]], py[m.dst[e]]); }
        ctx.strokeStyle = "rgba(126,224,255,0.7)"; ctx.lineWidth = 1; ctx.stroke();
      }
      ctx.strokeStyle = colour; ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.arc(px[i], py[i], r + 3, 0, 2 * Math.PI); ctx.stroke();
    }
    drawTrace();
    st.lastFrameMs = performance.now() - t0;
    st.frames++;
  }

  function drawTrace() {
    const g = tctx, w = traceCanvas.width / dpr, h = traceCanvas.height / dpr;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = "#12161f"; g.fillRect(0, 0, w, h);
    const x = (t) => (T > 1 ? 8 + ((w - 16) * t) / (T - 1) : w / 2);
    const [w0, w1] = m.window;
    if (w1 > w0) {
      g.fillStyle = "rgba(255,183,3,0.12)";
      g.fillRect(x(w0), 0, Math.max(2, x(w1 - 1) - x(w0)), h);
    }
    g.font = "11px system-ui, sans-serif"; g.textBaseline = "top"; g.fillStyle = "#8792a8";
    const i = st.selected;
    if (i < 0) {
      g.fillText("spikes per step (click a neuron for its trace)", 8, 4);
      g.beginPath(); g.moveTo(x(0), h - 4);
      for (let t = 0; t < T; t++) g.lineTo(x(t), h - 4 - ((h - 24) * counts[t]) / maxCount);
      g.strokeStyle = "#7ee0ff"; g.lineWidth = 1; g.stroke();
    } else {
      const thr = m.threshold[i];
      let lo = Math.min(0, m.resting[i]), hi = thr > 0 ? thr : 1;
      if (m.has_values) for (let t = 0; t < T; t++) { const v = value(t, i); lo = Math.min(lo, v); hi = Math.max(hi, v); }
      const y = (v) => h - 6 - ((h - 26) * (v - lo)) / (hi - lo || 1);
      g.fillText(`${m.ids[i]}: value (threshold dashed, spikes as ticks)`, 8, 4);
      g.setLineDash([4, 3]); g.strokeStyle = "#ffb703";
      g.beginPath(); g.moveTo(x(0), y(thr)); g.lineTo(x(T - 1), y(thr)); g.stroke(); g.setLineDash([]);
      if (m.has_values) {
        g.beginPath();
        for (let t = 0; t < T; t++) (t ? g.lineTo : g.moveTo).call(g, x(t), y(value(t, i)));
        g.strokeStyle = "#7ee0ff"; g.lineWidth = 1; g.stroke();
      }
      g.beginPath();
      for (let t = 0; t < T; t++) if (fired(m, t, i)) { g.moveTo(x(t), 18); g.lineTo(x(t), 26); }
      g.strokeStyle = "#ffffff"; g.stroke();
    }
    g.strokeStyle = "#ff6b6b"; g.lineWidth = 1.5;
    g.beginPath(); g.moveTo(x(st.step), 0); g.lineTo(x(st.step), h); g.stroke();
  }

  function setStep(t, fromHash = false) {
    t = Math.max(0, Math.min(T - 1, Math.round(Number(t) || 0)));
    st.step = t;
    scrub.value = String(t);
    root.dataset.step = String(t);
    root.dataset.firing = firingAt(m, t).map((i) => m.ids[i]).join(" ");
    const lead = m.leader[t];
    root.dataset.winner = lead >= 0 ? m.ids[outputs[lead]] : "";
    const inWindow = t >= m.window[0] && t < m.window[1];
    el("glia-stepno").textContent = `step ${t} / ${T - 1}`;
    el("glia-status").textContent =
      `${root.dataset.firing ? root.dataset.firing.split(" ").length : 0} firing` +
      (inWindow ? " · in decision window" : "") +
      (outputs.length ? ` · leading: ${root.dataset.winner || "none"}` : "") +
      (m.edges_total > m.w.length ? ` · ${m.w.length} of ${m.edges_total} edges shown` : "");
    if (!fromHash && !st.playing) {
      try { history.replaceState(null, "", `#t=${t}`); } catch (e) { /* srcdoc frames */ }
    }
    if (st.hover >= 0) showTip(st.hover);
    draw();
  }

  function play(on) {
    st.playing = on;
    el("glia-play").textContent = on ? "pause" : "play";
    if (on) {
      if (st.step >= T - 1) setStep(0);
      st.acc = 0; st.last = performance.now();
      requestAnimationFrame(tick);
    } else setStep(st.step);
  }
  function tick(now) {
    if (!st.playing) return;
    st.acc += ((now - st.last) / 1000) * st.speed;
    st.last = now;
    const n = Math.floor(st.acc);
    if (n > 0) {
      st.acc -= n;
      if (st.step + n >= T - 1) { setStep(T - 1); play(false); return; }
      setStep(st.step + n);
    }
    requestAnimationFrame(tick);
  }

  function nearest(ev) {
    const r = canvas.getBoundingClientRect();
    const x = ev.clientX - r.left, y = ev.clientY - r.top;
    let best = -1, bd = Math.max(36, (radius + 4) ** 2);
    for (let i = 0; i < N; i++) {
      const dd = (px[i] - x) ** 2 + (py[i] - y) ** 2;
      if (dd <= bd) { bd = dd; best = i; }
    }
    return best;
  }
  function showTip(i) {
    if (i < 0) { tip.hidden = true; return; }
    const t = st.step, v = value(t, i);
    tip.textContent = `${m.ids[i]} (${KIND[m.kind[i]]})\nthreshold ${fmt(m.threshold[i])}` +
      `   leak ${fmt(m.leak[i])}\nvalue ${m.has_values ? (m.exact ? "" : "≈ ") + fmt(v) : "not recorded"}` +
      (fired(m, t, i) ? "   fired" : "");
    tip.hidden = false;
    const cr = canvas.getBoundingClientRect(), rr = root.getBoundingClientRect();
    tip.style.left = `${Math.min(cr.left - rr.left + px[i] + 12, rr.width - 200)}px`;
    tip.style.top = `${cr.top - rr.top + py[i] + 12}px`;
  }
  canvas.addEventListener("mousemove", (ev) => {
    const i = nearest(ev);
    if (i !== st.hover) { st.hover = i; showTip(i); if (!st.playing) draw(); }
  });
  canvas.addEventListener("mouseleave", () => { st.hover = -1; showTip(-1); if (!st.playing) draw(); });
  canvas.addEventListener("click", (ev) => { const i = nearest(ev); st.selected = i === st.selected ? -1 : i; draw(); });
  traceCanvas.addEventListener("click", (ev) => {
    const r = traceCanvas.getBoundingClientRect();
    setStep(T > 1 ? ((ev.clientX - r.left - 8) / (r.width - 16)) * (T - 1) : 0);
  });
  el("glia-prev").addEventListener("click", () => { play(false); setStep(st.step - 1); });
  el("glia-next").addEventListener("click", () => { play(false); setStep(st.step + 1); });
  el("glia-play").addEventListener("click", () => play(!st.playing));
  el("glia-speed").addEventListener("change", (ev) => { st.speed = Number(ev.target.value) || 10; });
  scrub.addEventListener("input", () => setStep(scrub.value));
  root.addEventListener("keydown", (ev) => {
    if (ev.target.tagName === "SELECT" || ev.target.tagName === "INPUT") return;
    if (ev.key === " ") { play(!st.playing); ev.preventDefault(); }
    else if (ev.key === "ArrowLeft") { play(false); setStep(st.step - 1); ev.preventDefault(); }
    else if (ev.key === "ArrowRight") { play(false); setStep(st.step + 1); ev.preventDefault(); }
  });
  const fromHash = () => {
    const h = /(?:^#|&)t=(-?\d+)/.exec(location.hash);
    return h ? Number(h[1]) : null;
  };
  window.addEventListener("hashchange", () => { const t = fromHash(); if (t !== null) setStep(t, true); });
  st.speed = Number(el("glia-speed").value) || 10;
  if (typeof ResizeObserver === "function") new ResizeObserver(() => resize()).observe(canvas);
  resize();
  setStep(fromHash() ?? 0, true);
  // the page's handle, for scripts and tests: read the state, move it, time a frame
  window.gliaView = {
    get step() { return st.step; }, get playing() { return st.playing; },
    get lastFrameMs() { return st.lastFrameMs; }, get frames() { return st.frames; },
    steps: T, neurons: N, setStep: (t) => setStep(t), play: () => play(true), pause: () => play(false),
    get selected() { return st.selected < 0 ? null : m.ids[st.selected]; },
    select: (id) => { st.selected = m.ids.indexOf(id); draw(); },
    where: (id) => {                  // a neuron's centre in client coordinates
      const i = m.ids.indexOf(id), r = canvas.getBoundingClientRect();
      return i < 0 ? null : [r.left + px[i], r.top + py[i]];
    },
  };
  root.dataset.ready = "1";
}

if (supported()) decode(el("glia-data").textContent).then((buf) => start(parse(buf))).catch((err) => {
  root.dataset.error = String(err);
  el("glia-status").textContent = `cannot show the run: ${err}`;
});

function supported() {
  if (typeof DecompressionStream !== "function") {
    root.dataset.error = "this browser lacks DecompressionStream";
    el("glia-status").textContent = "This browser is too old to show the run (it lacks DecompressionStream).";
    return false;
  }
  return true;
}
