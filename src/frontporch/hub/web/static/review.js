// Review page: mark one item or all matching items reviewed without reloading the page.
// Without this file the same forms post and come back to the same view.
"use strict";

(function () {
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const status = document.getElementById("review-status");

  function say(text) {
    if (!status) return;
    status.hidden = false;
    status.textContent = text;
  }

  async function post(url, reviewed, query) {
    const response = await fetch(url + (query || ""), {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRF-Token": csrfMeta ? csrfMeta.content : "",
      },
      body: JSON.stringify({ reviewed }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const detail = typeof body.detail === "string" ? body.detail : body.error;
      throw new Error(detail || `the hub answered ${response.status}`);
    }
    return body;
  }

  // Show an item card as reviewed or not, and set its form to do the opposite next.
  function show(card, reviewed) {
    card.classList.toggle("is-reviewed", reviewed);
    const state = card.querySelector("[data-state]");
    if (state) state.textContent = reviewed ? "reviewed" : "new";
    const form = card.querySelector("form.mark-one");
    if (!form) return;
    form.elements.reviewed.value = reviewed ? "false" : "true";
    form.querySelector("button").textContent = reviewed ? "Mark unreviewed" : "Mark reviewed";
  }

  function markOne(form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const card = form.closest("[data-item]");
      const reviewed = form.elements.reviewed.value === "true";
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        const item = await post(form.dataset.api, reviewed);
        show(card, item.reviewed);
        say(item.reviewed ? "Marked reviewed." : "Marked unreviewed.");
      } catch (error) {
        say(`Could not mark the item: ${error.message}`);
      } finally {
        button.disabled = false;
        button.focus();
      }
    });
  }

  function markAll(form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const params = new URLSearchParams();
      for (const key of ["camera", "label", "zone", "severity"]) {
        const value = form.elements[key].value;
        if (value) params.set(key, value);
      }
      // The page's date is a day in the hub's zone; the hub put its bounds on the form.
      if (form.dataset.after) params.set("after", form.dataset.after);
      if (form.dataset.before) params.set("before", form.dataset.before);
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        const query = params.toString() ? `?${params}` : "";
        const result = await post(form.dataset.api, true, query);
        for (const card of document.querySelectorAll("[data-item]")) show(card, true);
        say(`Marked ${result.marked} item${result.marked === 1 ? "" : "s"} reviewed.`);
      } catch (error) {
        say(`Could not mark the items: ${error.message}`);
      } finally {
        button.disabled = false;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const form of document.querySelectorAll("form.mark-one[data-api]")) markOne(form);
    const all = document.querySelector("form.mark-all[data-api]");
    if (all) markAll(all);
  });
})();
