// The exports page: while a job is queued or running, refresh its progress bar from
// GET /api/exports/{id} and reload the page when it finishes (so the download link shows).
"use strict";
(() => {
  const pending = () => [...document.querySelectorAll("[data-export-id]")]
    .filter((item) => item.dataset.state === "queued" || item.dataset.state === "running");
  async function refresh() {
    const items = pending();
    if (!items.length) return;
    for (const item of items) {
      const response = await fetch(`/api/exports/${item.dataset.exportId}`, { credentials: "same-origin" });
      if (!response.ok) continue;
      const job = await response.json();
      const bar = item.querySelector("[data-progress]");
      if (bar) { bar.value = job.progress; bar.textContent = `${Math.round(job.progress * 100)} %`; }
      if (job.state === "done" || job.state === "failed") { window.location.reload(); return; }
    }
    setTimeout(refresh, 1000);
  }
  setTimeout(refresh, 500);
})();
