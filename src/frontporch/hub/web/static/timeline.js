// The recordings timeline: a zoomable bar per camera and gap-free playback across
// segments through Media Source Extensions.
//
// Each camera's <video> gets one MediaSource with one SourceBuffer in "segments" mode.
// A segment is fetched as fragmented MP4 (GET /api/playback/{camera}/segments/{id}.mp4,
// remuxed on the hub without re-encoding) and appended with timestampOffset =
// segment.start - origin, so the video's currentTime is wall-clock time minus `origin`
// inside every recorded span and back-to-back segments play as one. A gap (an outage,
// or nothing recorded) is a stretch with nothing buffered: the clock jumps over it to
// the next recording. One clock drives every player (the multi-camera view shows the
// same moment); it follows the first player that is playing, and a player that drifts
// from it is put back in step.
"use strict";
(() => {
  const root = document.querySelector("[data-timeline]");
  if (!root) return;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const cameras = root.dataset.cameras.split(",").filter(Boolean);
  const bar = root.querySelector("[data-bar]");
  const head = root.querySelector("[data-head]");
  const ticks = root.querySelector("[data-ticks]");
  const clockOut = root.querySelector("[data-clock]");
  const statusOut = root.querySelector("[data-status]");
  const rangeOut = root.querySelector("[data-range]");
  const playButton = root.querySelector("[data-play]");
  const MIN_SPAN = 60, MAX_SPAN = 24 * 3600;
  const PLAYLIST_HALF = 30 * 60;      // the player asks for segments ±30 min around the clock
  const AHEAD_S = 12;                 // buffer this many seconds of video ahead (× speed)
  const KEEP_BEHIND_S = 30;           // and drop what is further behind
  const DRIFT_S = 0.6;                // a follower further than this from the clock is re-seeked
  const END_SLACK_S = 0.3;            // this close to a span's end counts as its end

  const state = {
    clock: 0, playing: false, rate: 1,
    span: Math.min(Math.max(Number(root.dataset.span) || MAX_SPAN, MIN_SPAN), MAX_SPAN),
    viewStart: 0, viewEnd: 0, now: Number(root.dataset.now) || Date.now() / 1000,
    lines: {}, reviews: {},
  };

  const pad = (n) => String(n).padStart(2, "0");
  const localInput = (t) => {
    const d = new Date(t * 1000);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  };
  const fromInput = (value) => { const ms = new Date(value).getTime(); return Number.isFinite(ms) ? ms / 1000 : null; };
  const label = (t) => new Date(t * 1000).toLocaleString([], { dateStyle: "medium", timeStyle: "medium" });
  const say = (text) => { statusOut.textContent = text; };
  const api = async (url) => {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  };

  // --- one camera's player ------------------------------------------------------------

  class Player {
    constructor(figure) {
      this.camera = figure.dataset.camera;
      this.video = figure.querySelector("video");
      this.overlay = figure.querySelector("[data-overlay]");
      this.stateOut = figure.querySelector("[data-state]");
      this.segments = [];            // sorted by start, from the playlist
      this.window = [0, 0];          // what the playlist covers
      this.loaded = new Map();       // segment id -> "loading" | "streaming" | "buffered"
      this.started = new Map();      // segment id -> promise: its first bytes are appended
      this.waiters = [];             // seeks waiting for the bytes of their moment
      this.queue = Promise.resolve();
      this.origin = null;
      this.sourceBuffer = null;
      this.codec = null;
      this.mediaSource = null;
      this.opened = null;
      this.generation = 0;
      this.video.addEventListener("waiting", () => tick());
      this.video.addEventListener("error", () => this.show(`video error: ${this.video.error?.message || "?"}`));
    }

    show(text) { if (this.stateOut) this.stateOut.textContent = text; }

    wall() { return this.origin === null ? null : this.origin + this.video.currentTime; }

    reset(origin) {
      // A new MediaSource: at start, and when the clock leaves what `origin` can express.
      this.generation += 1;
      this.origin = origin;
      this.loaded.clear();
      this.started.clear();
      this.waiters.forEach((w) => w.resolve());
      this.waiters = [];
      this.sourceBuffer = null;
      this.codec = null;
      this.queue = Promise.resolve();
      // iPhone Safari (17.1+) offers ManagedMediaSource instead, which wants remote
      // playback (AirPlay) off when it is the only source.
      if (!window.MediaSource && window.ManagedMediaSource) this.video.disableRemotePlayback = true;
      this.mediaSource = new MediaSourceType();
      const media = this.mediaSource;
      this.opened = new Promise((resolve) => media.addEventListener("sourceopen", resolve, { once: true }));
      if (this.video.src) URL.revokeObjectURL(this.video.src);
      this.video.src = URL.createObjectURL(media);
    }

    async playlist(t) {
      if (t >= this.window[0] + 60 && t <= this.window[1] - 60) return;
      const start = Math.max(0, t - PLAYLIST_HALF), end = t + PLAYLIST_HALF;
      const line = await api(`/api/timeline/${encodeURIComponent(this.camera)}?start=${start}&end=${end}&segments=true`);
      this.segments = line.segments.sort((a, b) => a.start - b.start || a.id - b.id);
      this.window = [start, end];
    }

    at(t) {
      // The segment showing wall time t (the later of two overlapping ones), or null.
      let found = null;
      for (const segment of this.segments) {
        if (segment.start <= t + 1e-3 && t < segment.end - 1e-3) found = segment;
        else if (segment.start > t) break;
      }
      return found;
    }

    next(t) { return this.segments.find((s) => s.start > t + 1e-3) || null; }

    appendOp(op) {
      const generation = this.generation;
      this.queue = this.queue.then(async () => {
        if (generation !== this.generation) return;
        await this.opened;
        if (generation !== this.generation) return;
        await op();
      }).catch((error) => this.show(String(error.message || error)));
      return this.queue;
    }

    async waitIdle(buffer) {
      if (buffer.updating) await new Promise((r) => buffer.addEventListener("updateend", r, { once: true }));
    }

    load(segment) {
      // Fetch a segment and append it as its bytes arrive (the hub streams the remux);
      // resolves once its first bytes are in, so a seek shows a picture early.
      if (this.loaded.has(segment.id)) return this.started.get(segment.id) || Promise.resolve();
      this.loaded.set(segment.id, "loading");
      let markStarted;
      const started = new Promise((resolve) => { markStarted = resolve; });
      this.started.set(segment.id, started);
      const generation = this.generation;
      const body = fetch(segment.url, { credentials: "same-origin" });
      this.appendOp(async () => {
        try {
          const response = await body;
          if (!response.ok) { this.loaded.delete(segment.id); throw new Error(`segment ${segment.id}: ${response.status}`); }
          if (generation !== this.generation) return;
          const codec = response.headers.get("X-Codec") || "avc1.640028";
          const type = `video/mp4; codecs="${codec}"`;
          if (!this.sourceBuffer) {
            this.sourceBuffer = this.mediaSource.addSourceBuffer(type);
            this.sourceBuffer.mode = "segments";
            this.codec = codec;
          } else if (codec !== this.codec && this.sourceBuffer.changeType) {
            await this.waitIdle(this.sourceBuffer);
            this.sourceBuffer.changeType(type);
            this.codec = codec;
          }
          const buffer = this.sourceBuffer;
          await this.waitIdle(buffer);
          buffer.timestampOffset = segment.start - this.origin;
          const reader = response.body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            if (generation !== this.generation) { reader.cancel(); return; }
            await this.waitIdle(buffer);
            buffer.appendBuffer(value);
            await this.waitIdle(buffer);
            if (this.loaded.get(segment.id) === "loading") {
              this.loaded.set(segment.id, "streaming");
              markStarted();
            }
            this.checkWaiters();
          }
          this.loaded.set(segment.id, "buffered");
          this.trim();
        } finally {
          markStarted();
          this.checkWaiters();
        }
      });
      return started;
    }

    reach(segment, t) {
      // Resolves once the bytes showing wall time t are appended (or the segment ended),
      // so a seek never lands ahead of what has arrived.
      this.load(segment);
      return new Promise((resolve) => {
        this.waiters.push({ t, id: segment.id, resolve });
        this.checkWaiters();
      });
    }

    covers(x) {
      const ranges = this.sourceBuffer?.buffered;
      if (!ranges) return false;
      for (let i = 0; i < ranges.length; i++) if (ranges.start(i) <= x && x < ranges.end(i)) return true;
      return false;
    }

    checkWaiters() {
      this.waiters = this.waiters.filter((w) => {
        const state = this.loaded.get(w.id);
        const done = !state || state === "buffered" || this.covers(w.t - this.origin + 0.1);
        if (done) w.resolve();
        return !done;
      });
    }

    trim() {
      // Drop what is far behind the playhead, so a long session stays within MSE's quota.
      const buffer = this.sourceBuffer;
      const behind = this.video.currentTime - KEEP_BEHIND_S * Math.max(1, state.rate);
      if (!buffer || buffer.updating || behind <= 0 || !buffer.buffered.length) return;
      if (buffer.buffered.start(0) >= behind) return;
      buffer.remove(0, behind);
      for (const segment of this.segments) {
        if (segment.end - this.origin < behind) { this.loaded.delete(segment.id); this.started.delete(segment.id); }
      }
    }

    buffered(t) {
      const state = this.loaded.get(this.at(t)?.id);
      return state === "streaming" || state === "buffered";
    }

    prefetch(t) {
      // The segment at t and the ones after it, up to AHEAD_S seconds of video × speed.
      const until = t + AHEAD_S * Math.max(1, state.rate);
      for (const segment of this.segments) {
        if (segment.end <= t) continue;
        if (segment.start > until) break;
        this.load(segment);
      }
    }

    seekTo(t) {
      this.video.currentTime = Math.max(0, t - this.origin);
    }
  }

  const MediaSourceType = window.MediaSource || window.ManagedMediaSource;
  const players = [...root.querySelectorAll("[data-player]")].map((f) => new Player(f));

  // --- the clock ---------------------------------------------------------------------

  let seekToken = 0;
  async function seek(t, { quiet = false } = {}) {
    // Move every player to wall time t (or, in a gap, to the next recording after it).
    const token = ++seekToken;
    state.clock = t;
    drawHead();
    await Promise.all(players.map((p) => p.playlist(t).catch((e) => p.show(String(e.message)))));
    if (token !== seekToken) return;
    let jumped = false;
    if (!players.some((p) => p.at(t))) {
      const nexts = players.map((p) => p.next(t)).filter(Boolean).map((s) => s.start);
      if (nexts.length) {
        state.clock = t = Math.min(...nexts);
        jumped = true;
        await Promise.all(players.map((p) => p.playlist(t).catch(() => {})));
      }
    }
    for (const player of players) {
      if (player.origin === null || t - player.origin < 0 || t - player.origin > 7 * 86400) {
        player.reset(Math.floor(t) - 3600);
      }
      const segment = player.at(t);
      if (segment) {
        player.prefetch(t);
        await player.reach(segment, t);
        if (token !== seekToken) return;
        player.seekTo(t);
      }
    }
    if (!quiet) say(jumped ? `No recording there; moved to the next recording at ${label(t)}.` : "");
    if (!players.some((p) => p.at(t))) say(`No recording at or after ${label(t)}.`);
    follow();
    drawHead();
    ensureView();
  }

  function leader() {
    return players.find((p) => p.at(state.clock) && !p.video.paused && p.video.readyState >= 3
      && p.buffered(p.wall()));
  }

  function tick() {
    if (state.playing) {
      const lead = leader();
      if (lead) {
        state.clock = lead.wall();
      } else {
        // No one is playing: a player stalled at the end of its recording still says
        // where the clock has got to.
        for (const p of players) {
          const w = p.wall();
          if (w !== null && p.at(w - 0.01) && w > state.clock && w - state.clock < 2 * state.rate + 1) state.clock = w;
        }
      }
      if (lead) {
        // playing on
      } else if (!players.some((p) => { const s = p.at(state.clock); return s && state.clock < s.end - END_SLACK_S; })) {
        // Every player is at the end of its recording: jump over the gap.
        const nexts = players.map((p) => p.next(state.clock - 1e-3)).filter(Boolean).map((s) => s.start);
        const later = nexts.filter((s) => s > state.clock - END_SLACK_S);
        if (later.length) {
          const target = Math.min(...later);
          if (target > state.clock + 0.05) { seek(target, { quiet: true }); return; }
        } else {
          setPlaying(false);
          say("End of the recordings.");
        }
      }
    }
    follow();
    drawHead();
  }

  function follow() {
    const lead = state.playing ? leader() : null;
    for (const player of players) {
      if (player.origin === null) continue;
      const segment = player.at(state.clock);
      player.overlay.hidden = Boolean(segment);
      if (!segment) {
        if (!player.video.paused) player.video.pause();
        player.show("no recording");
        continue;
      }
      player.prefetch(state.clock);
      if (!player.buffered(state.clock)) { player.show("loading…"); continue; }
      player.show(state.playing ? `${state.rate}×` : "paused");
      if (player !== lead) {
        const drift = Math.abs((player.wall() ?? 0) - state.clock);
        if (drift > DRIFT_S * Math.max(1, state.rate)) player.seekTo(state.clock);
      }
      player.video.playbackRate = state.rate;
      if (state.playing && player.video.paused) player.video.play().catch(() => {});
      if (!state.playing && !player.video.paused) player.video.pause();
    }
  }

  function setPlaying(on) {
    state.playing = on;
    playButton.textContent = on ? "Pause" : "Play";
    playButton.setAttribute("aria-pressed", String(on));
    if (!on) {
      players.forEach((p) => p.video.pause());
      // Stop the clock where the picture stopped, and show exactly that frame (at high
      // speed a busy renderer may have painted one a little behind the video's time).
      const shown = players.find((p) => p.wall() !== null && p.at(p.wall()));
      if (shown) state.clock = shown.wall();
      players.forEach((p) => { if (p.at(state.clock) && p.buffered(state.clock)) p.seekTo(state.clock); });
    }
    follow();
    drawHead();
  }

  function setRate(rate) {
    state.rate = rate;
    root.querySelectorAll("[data-rate]").forEach((b) => b.setAttribute("aria-pressed", String(Number(b.dataset.rate) === rate)));
    follow();
  }

  // --- the bar -------------------------------------------------------------------------

  const xOf = (t) => (t - state.viewStart) / (state.viewEnd - state.viewStart);
  const timeAt = (clientX) => {
    const box = bar.getBoundingClientRect();
    const share = Math.min(Math.max((clientX - box.left) / box.width, 0), 1);
    return state.viewStart + share * (state.viewEnd - state.viewStart);
  };

  function setView(start, span) {
    state.span = Math.min(Math.max(span, MIN_SPAN), MAX_SPAN);
    state.viewStart = start;
    state.viewEnd = start + state.span;
    bar.dataset.viewStart = String(state.viewStart);
    bar.dataset.viewEnd = String(state.viewEnd);
    rangeOut.textContent = `${label(state.viewStart)} – ${label(state.viewEnd)}`;
    loadLines();
    drawTicks();
    drawHead();
  }

  function ensureView() {
    if (state.clock < state.viewStart || state.clock > state.viewEnd) {
      setView(state.clock - state.span / 2, state.span);
    }
  }

  function zoom(factor, around = state.clock) {
    const span = Math.min(Math.max(state.span * factor, MIN_SPAN), MAX_SPAN);
    const share = (around - state.viewStart) / state.span;
    setView(around - share * span, span);
  }

  let linesToken = 0;
  async function loadLines() {
    const token = ++linesToken;
    const start = Math.max(0, state.viewStart), end = state.viewEnd;
    await Promise.all(cameras.map(async (camera) => {
      try {
        state.lines[camera] = await api(`/api/timeline/${encodeURIComponent(camera)}?start=${start}&end=${end}`);
      } catch (error) { say(`Cannot load the timeline of ${camera}: ${error.message}`); }
      try {
        const reviews = await api(`/api/review?camera=${encodeURIComponent(camera)}&after=${start}&before=${end}&limit=500`);
        state.reviews[camera] = Array.isArray(reviews.items) ? reviews.items : [];
      } catch { state.reviews[camera] = []; }  // no review API (yet): nothing to draw
    }));
    if (token === linesToken) drawLanes();
  }

  function piece(lane, cls, start, end, title) {
    const from = Math.max(xOf(start), 0), to = Math.min(xOf(end), 1);
    if (to <= 0 || from >= 1 || to <= from) return;
    const el = document.createElement("span");
    el.className = `tl-piece ${cls}`;
    el.style.left = `${from * 100}%`;
    el.style.width = `max(2px, ${(to - from) * 100}%)`;
    if (title) el.title = title;
    lane.append(el);
  }

  function drawLanes() {
    for (const camera of cameras) {
      const lane = bar.querySelector(`[data-lane="${CSS.escape(camera)}"]`);
      lane.querySelectorAll(".tl-piece").forEach((el) => el.remove());
      const line = state.lines[camera];
      if (!line) continue;
      for (const gap of line.gaps) {
        const outage = gap.reason.startsWith("camera unreachable");
        piece(lane, outage ? "tl-outage" : "tl-norec", gap.start, gap.end, `${gap.reason}: ${label(gap.start)} – ${label(gap.end)}`);
      }
      for (const span of line.recorded) piece(lane, "tl-rec", span.start, span.end, `recorded ${label(span.start)} – ${label(span.end)}`);
      for (const span of line.motion) piece(lane, "tl-motion", span.start, span.end, `motion at ${label(span.start)}`);
      for (const item of state.reviews[camera] || []) {
        const end = item.end ?? Math.max(item.start + 1, state.now);
        piece(lane, item.severity === "alert" ? "tl-alert" : "tl-detection", item.start, end,
          `${item.severity}: ${(item.labels || []).join(", ")} at ${label(item.start)}`);
      }
    }
  }

  function drawTicks() {
    ticks.replaceChildren();
    const steps = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600];
    const most = Math.max(2, Math.floor(bar.clientWidth / 110));  // room for each label
    const step = steps.find((s) => state.span / s <= most) || 6 * 3600;
    const offset = new Date().getTimezoneOffset() * 60;
    let t = Math.ceil((state.viewStart - offset) / step) * step + offset;
    for (; t < state.viewEnd; t += step) {
      const el = document.createElement("span");
      el.className = "tl-tick";
      el.style.left = `${xOf(t) * 100}%`;
      const seconds = step < 60 ? { second: "2-digit" } : {};
      el.textContent = new Date(t * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", ...seconds });
      ticks.append(el);
    }
  }

  function drawHead() {
    const share = xOf(state.clock);
    head.hidden = share < 0 || share > 1;
    head.style.left = `${Math.min(Math.max(share, 0), 1) * 100}%`;
    clockOut.textContent = state.clock ? label(state.clock) : "–";
    clockOut.dataset.wall = String(state.clock);
    bar.setAttribute("aria-valuemin", String(Math.round(state.viewStart)));
    bar.setAttribute("aria-valuemax", String(Math.round(state.viewEnd)));
    bar.setAttribute("aria-valuenow", String(Math.round(state.clock)));
    bar.setAttribute("aria-valuetext", state.clock ? label(state.clock) : "");
  }

  // Scrubbing: a click or a drag (mouse, pen or finger: pointer events) moves the clock;
  // two fingers pinch to zoom. The seek happens when the finger lifts, and every 250 ms
  // while dragging, so a drag stays smooth.
  const pointers = new Map();
  let pinch = null, lastDragSeek = 0, dragging = false;
  bar.addEventListener("pointerdown", (e) => {
    bar.setPointerCapture?.(e.pointerId);
    pointers.set(e.pointerId, e.clientX);
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = { distance: Math.abs(a - b), span: state.span, center: timeAt((a + b) / 2) };
      dragging = false;
      return;
    }
    dragging = true;
    state.clock = timeAt(e.clientX);
    drawHead();
  });
  bar.addEventListener("pointermove", (e) => {
    if (!pointers.has(e.pointerId)) return;
    pointers.set(e.pointerId, e.clientX);
    if (pinch && pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const distance = Math.max(Math.abs(a - b), 10);
      const span = Math.min(Math.max(pinch.span * pinch.distance / distance, MIN_SPAN), MAX_SPAN);
      const share = (pinch.center - state.viewStart) / state.span;
      setView(pinch.center - share * span, span);
      return;
    }
    if (!dragging) return;
    state.clock = timeAt(e.clientX);
    drawHead();
    if (performance.now() - lastDragSeek > 250) { lastDragSeek = performance.now(); seek(state.clock); }
  });
  const release = (e) => {
    if (!pointers.has(e.pointerId)) return;
    pointers.delete(e.pointerId);
    if (pinch) { if (pointers.size < 2) pinch = null; return; }
    if (dragging) { dragging = false; seek(timeAt(e.clientX)); }
  };
  bar.addEventListener("pointerup", release);
  bar.addEventListener("pointercancel", (e) => { pointers.delete(e.pointerId); pinch = null; dragging = false; });
  bar.addEventListener("wheel", (e) => {
    e.preventDefault();
    zoom(e.deltaY > 0 ? 1.25 : 0.8, timeAt(e.clientX));
  }, { passive: false });
  bar.addEventListener("keydown", (e) => {
    const steps = { ArrowLeft: -10, ArrowRight: 10, PageUp: -600, PageDown: 600 };
    if (e.key in steps) {
      e.preventDefault();
      seek(state.clock + steps[e.key] * (e.shiftKey ? 6 : 1));
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      seek(e.key === "Home" ? state.viewStart : Math.min(state.viewEnd, state.now));
    } else if (e.key === "+" || e.key === "=") { zoom(0.5); }
    else if (e.key === "-") { zoom(2); }
  });

  root.querySelectorAll("[data-zoom]").forEach((button) => button.addEventListener("click", () => {
    const how = button.dataset.zoom;
    if (how === "in") zoom(0.5);
    else if (how === "out") zoom(2);
    else { state.now = Date.now() / 1000; setView(state.now - state.span, state.span); }
  }));
  // Motion, with or without an object, is browsable on its own: jump to the previous or
  // next motion span of any camera shown.
  root.querySelectorAll("[data-motion]").forEach((button) => button.addEventListener("click", () => {
    const starts = cameras.flatMap((c) => (state.lines[c]?.motion || []).map((m) => m.start)).sort((a, b) => a - b);
    const forward = button.dataset.motion === "next";
    const target = forward ? starts.find((t) => t > state.clock + 0.5)
      : starts.filter((t) => t < state.clock - 0.5).pop();
    if (target === undefined) { say(`No ${forward ? "later" : "earlier"} motion in view; zoom out to see more.`); return; }
    seek(target);
  }));
  playButton.addEventListener("click", () => setPlaying(!state.playing));
  root.querySelectorAll("[data-rate]").forEach((b) => b.addEventListener("click", () => setRate(Number(b.dataset.rate))));
  root.querySelector("[data-jump]").addEventListener("submit", (e) => {
    e.preventDefault();
    const t = fromInput(root.querySelector("[data-jump-at]").value);
    if (t === null) { say("Enter a date and time to jump to."); return; }
    seek(t);
    ensureView();
  });

  // --- export ---------------------------------------------------------------------------

  const exportForm = root.querySelector("[data-export]");
  if (exportForm) {
    const from = exportForm.querySelector("[data-export-from]");
    const to = exportForm.querySelector("[data-export-to]");
    const error = exportForm.querySelector("[data-export-error]");
    const mark = () => { from.value = localInput(state.clock - 150); to.value = localInput(state.clock + 150); };
    exportForm.querySelector("[data-export-mark]").addEventListener("click", mark);
    exportForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.textContent = "";
      const start = fromInput(from.value), end = fromInput(to.value);
      if (start === null || end === null) { error.textContent = "Enter both times."; return; }
      const response = await fetch("/api/exports", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ camera: exportForm.elements.camera.value, start, end }),
      });
      if (response.ok) {
        const job = await response.json();
        window.location.assign(`/exports#export-${job.id}`);
        return;
      }
      let message = `The hub answered ${response.status}.`;
      try {
        const body = await response.json();
        message = typeof body.detail === "string" ? body.detail
          : Array.isArray(body.detail) ? body.detail.map((d) => `${d.field}: ${d.message}`).join("; ")
          : body.error || message;
      } catch { /* keep the status line */ }
      error.textContent = message;
    });
    root.addEventListener("timeline-ready", mark, { once: true });
  }

  // --- start --------------------------------------------------------------------------

  async function start() {
    const asked = Number(root.dataset.startAt);
    let t = Number.isFinite(asked) && root.dataset.startAt !== "" ? asked : null;
    setView((t ?? state.now) - state.span / 2, state.span);
    if (t === null) {
      // The latest recording of any camera, a little before its end.
      const ends = [];
      for (const camera of cameras) {
        try {
          const line = await api(`/api/timeline/${encodeURIComponent(camera)}?start=${state.now - MAX_SPAN}&end=${state.now}`);
          if (line.recorded.length) ends.push(line.recorded[line.recorded.length - 1].end);
        } catch { /* drawn as nothing */ }
      }
      t = ends.length ? Math.max(...ends) - 30 : state.now - 60;
      setView(Math.min(t + state.span / 4, state.now) - state.span, state.span);
    }
    if (!MediaSourceType) { say("This browser cannot play recordings (no Media Source Extensions)."); return; }
    await seek(t);
    root.querySelector("[data-jump-at]").value = localInput(state.clock);
    root.dataset.ready = "true";
    root.dispatchEvent(new Event("timeline-ready"));
  }

  setInterval(tick, 250);
  players.forEach((p) => p.video.addEventListener("timeupdate", () => { if (state.playing) tick(); }));
  start();
})();
