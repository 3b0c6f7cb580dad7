// Frontporch hub pages: local times, live status and a confirmation before deleting.
// No framework and nothing from the internet; every page works without this file.
"use strict";

(function () {
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');

  // Rewrite <time datetime> elements in the browser's own time zone and locale.
  function formatTimes() {
    const day = new Intl.DateTimeFormat(undefined, {
      weekday: "long", day: "numeric", month: "long", year: "numeric",
    });
    const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    const full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
    for (const el of document.querySelectorAll("time[data-format]")) {
      const iso = el.getAttribute("datetime");
      const kind = el.dataset.format;
      const value = kind === "day" ? new Date(iso + "T12:00:00") : new Date(iso);
      if (Number.isNaN(value.getTime())) continue;
      el.title = full.format(value);
      el.textContent = (kind === "day" ? day : kind === "time" ? time : full).format(value);
    }
  }

  // Ask before a form with data-confirm is submitted.
  function confirmForms() {
    for (const form of document.querySelectorAll("form[data-confirm]")) {
      form.addEventListener("submit", (event) => {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    }
  }

  // Refresh state badges, fps and stats every few seconds from the JSON API.
  async function refreshStatus() {
    const badges = document.querySelectorAll("[data-status]");
    const stats = document.querySelectorAll("[data-stat]");
    if (!badges.length && !stats.length) return;
    try {
      const response = await fetch("/api/cameras", { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const cameras = await response.json();
      for (const camera of cameras) {
        for (const el of document.querySelectorAll(`[data-status="${camera.name}"]`)) {
          el.textContent = camera.status.state;
          el.className = `badge state-${camera.status.state}`;
        }
        for (const el of document.querySelectorAll(`[data-fps="${camera.name}"]`)) {
          el.textContent = `${camera.status.analyzed_fps} fps`;
        }
      }
      const page = cameras.find((c) => document.querySelector(`h1 [data-status="${c.name}"]`));
      if (page) {
        for (const el of stats) {
          const value = page.status[el.dataset.stat];
          if (value === undefined) continue;
          el.textContent = typeof value === "boolean" ? (value ? "yes" : "no") : String(value ?? "");
        }
      }
    } catch (_) {
      // The hub may be restarting; the next tick tries again.
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    formatTimes();
    confirmForms();
    if (csrfMeta) setInterval(refreshStatus, 5000);
  });
})();
