// Frontporch server pages: a confirmation before destructive forms, and times shown in
// the browser's own time zone. Everything works without this script.
"use strict";

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll("time[datetime]")) {
    const when = new Date(el.getAttribute("datetime") + (el.getAttribute("datetime").endsWith("Z") || el.getAttribute("datetime").includes("+") ? "" : "Z"));
    if (!Number.isNaN(when.getTime())) {
      el.textContent = when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    }
  }
});
