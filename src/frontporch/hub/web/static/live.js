// Live H.264 on the camera page: the camera's own stream (fragmented MP4 from
// /api/cameras/{name}/live.mp4) through Media Source Extensions, kept close to the live
// edge. The analysed MJPEG picture stays as the fallback: while the H.264 stream is
// not playing, and for good where the browser lacks MSE or the codec.
// No framework and nothing from the internet; the page works without this file.
"use strict";

(function () {
  const MAX_LAG_S = 1.5; // further behind the newest frame than this: jump ahead
  const EDGE_S = 0.3; // where to jump: this far behind the newest frame
  const CATCH_UP_S = 0.6; // further behind than this: play a little faster...
  const CAUGHT_UP_S = 0.35; // ...until this close again
  const CATCH_UP_RATE = 1.1;
  const KEEP_S = 10; // buffer kept behind the playhead; older video is removed
  const STALL_MS = 8000; // nothing received for this long: reconnect
  const CODEC_POLL_MS = 5000; // how often to ask again while no H.264 stream is offered
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  const MediaSourceClass = window.ManagedMediaSource || window.MediaSource;

  class Unsupported extends Error {}

  function once(target, name) {
    return new Promise((resolve) => target.addEventListener(name, resolve, { once: true }));
  }

  function withTimeout(promise, ms, what) {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing for ${ms} ms`)), ms);
    });
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
  }

  // Appends chunks in order (a SourceBuffer takes one at a time), trims old video and
  // keeps the playhead near the newest frame.
  class Feeder {
    constructor(video, buffer) {
      this.video = video;
      this.buffer = buffer;
      this.queue = [];
      this.failed = null;
      this.started = false;
      buffer.addEventListener("updateend", () => {
        this.chase();
        this.pump();
      });
      buffer.addEventListener("error", () => {
        this.failed = new Error("the browser could not take the stream");
      });
    }

    push(chunk) {
      if (this.failed) throw this.failed;
      this.queue.push(chunk);
      this.pump();
    }

    pump() {
      const { buffer, video } = this;
      if (buffer.updating || !this.queue.length) return;
      const ranges = buffer.buffered;
      if (ranges.length && video.currentTime - ranges.start(0) > 2 * KEEP_S) {
        buffer.remove(0, video.currentTime - KEEP_S);
        return; // updateend pumps again
      }
      const chunk = this.queue.length === 1 ? this.queue[0] : concat(this.queue);
      this.queue = [];
      try {
        buffer.appendBuffer(chunk);
      } catch (error) {
        this.failed = error;
      }
    }

    // How far the playhead is behind the newest frame received, in seconds.
    lag() {
      const ranges = this.buffer.buffered;
      return ranges.length ? ranges.end(ranges.length - 1) - this.video.currentTime : 0;
    }

    // A viewer arrives with the frames since the last keyframe (up to a few seconds):
    // start near the newest. Later, drift (a stall, a slow tab) is caught up by playing
    // slightly faster, and a large lag by jumping, which shows as a skip.
    chase() {
      const { video } = this;
      const ranges = this.buffer.buffered;
      if (!ranges.length) return;
      const lag = this.lag();
      if (!this.started || lag > MAX_LAG_S || video.currentTime < ranges.start(0)) {
        this.started = true;
        video.currentTime = Math.max(ranges.start(0), ranges.end(ranges.length - 1) - EDGE_S);
      } else if (lag > CATCH_UP_S) {
        video.playbackRate = CATCH_UP_RATE;
      } else if (lag < CAUGHT_UP_S) {
        video.playbackRate = 1;
      }
      if (video.paused) video.play().catch(() => {});
    }
  }

  function concat(chunks) {
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return out;
  }

  class Player {
    constructor(figure) {
      this.figure = figure;
      this.video = figure.querySelector("video");
      this.img = figure.querySelector("img");
      this.label = figure.querySelector("[data-live-mode]");
      this.mjpeg = this.img.getAttribute("src");
      this.sound = figure.querySelector("[data-live-sound]");
      this.hasSound = false; // the stream carries the camera's sound (record.audio)
      if (this.sound) this.sound.addEventListener("click", () => this.toggleSound());
      this.backoff = BACKOFF_MIN_MS;
      this.video.disableRemotePlayback = true; // ManagedMediaSource (Safari) needs it
      this.video.addEventListener("playing", () => this.showH264());
    }

    showH264() {
      this.backoff = BACKOFF_MIN_MS;
      this.video.hidden = false;
      this.img.hidden = true;
      this.img.removeAttribute("src"); // ends the MJPEG stream
      this.setMode("h264", "Live H.264", "The camera's own video, full resolution");
      if (this.sound) this.sound.hidden = !this.hasSound;
    }

    // Browsers start video muted; the owner turns the sound on with a click.
    toggleSound() {
      this.video.muted = !this.video.muted;
      this.sound.setAttribute("aria-pressed", String(!this.video.muted));
      this.sound.textContent = this.video.muted ? "Turn sound on" : "Turn sound off";
    }

    showMjpeg() {
      if (!this.img.getAttribute("src")) this.img.src = this.mjpeg;
      this.img.hidden = false;
      this.video.hidden = true;
      if (this.sound) this.sound.hidden = true;
      this.setMode("mjpeg", "Live (MJPEG)", "Analysed frames with detections, at the detect size");
    }

    setMode(mode, text, title) {
      this.figure.dataset.mode = mode;
      this.label.textContent = text;
      this.label.title = title;
    }

    async codec() {
      if (this.figure.dataset.codec) return this.figure.dataset.codec;
      const name = encodeURIComponent(this.figure.dataset.camera);
      const response = await fetch(`/api/cameras/${name}`, { headers: { Accept: "application/json" } });
      const camera = response.ok ? await response.json() : {};
      if (camera.live_codec) this.figure.dataset.codec = camera.live_codec;
      return camera.live_codec || null;
    }

    async run() {
      for (;;) {
        const controller = new AbortController();
        try {
          const codec = await this.codec();
          if (!codec) {
            await new Promise((r) => setTimeout(r, CODEC_POLL_MS));
            continue;
          }
          this.hasSound = codec.includes("mp4a");
          await this.play(`video/mp4; codecs="${codec}"`, controller.signal);
        } catch (error) {
          if (error instanceof Unsupported) {
            this.showMjpeg();
            return;
          }
          console.info("live H.264:", error.message || error, `(again in ${this.backoff} ms)`);
        }
        controller.abort();
        this.video.removeAttribute("src");
        this.video.load();
        this.showMjpeg();
        await new Promise((r) => setTimeout(r, this.backoff));
        this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
      }
    }

    // One connection: returns or throws when it ends.
    async play(type, signal) {
      if (!MediaSourceClass || !MediaSourceClass.isTypeSupported(type)) {
        throw new Unsupported(`cannot play ${type}`);
      }
      const source = new MediaSourceClass();
      const url = URL.createObjectURL(source);
      this.video.src = url;
      await withTimeout(once(source, "sourceopen"), STALL_MS, "media source");
      URL.revokeObjectURL(url);
      const buffer = source.addSourceBuffer(type);
      buffer.mode = "sequence"; // a new init segment restarts timestamps; play on regardless
      const feeder = new Feeder(this.video, buffer);
      const errored = once(this.video, "error").then(() => {
        throw new Error(`video error: ${this.video.error && this.video.error.message}`);
      });
      const response = await fetch(this.figure.dataset.liveMp4, { signal });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const reader = response.body.getReader();
      for (;;) {
        const { value, done } = await Promise.race([
          withTimeout(reader.read(), STALL_MS, "live stream"),
          errored,
        ]);
        if (done) throw new Error("the hub ended the stream");
        feeder.push(value);
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const figure of document.querySelectorAll("[data-live-player]")) {
      new Player(figure).run();
    }
  });
})();
