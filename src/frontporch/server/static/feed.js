// The Neighbors feed page: "Load older posts" in place, and new posts announced live
// ("1 new post — show") from the server-sent events of /api/feed/events. Posts are
// always rendered by the server: this script fetches the page's own HTML and moves its
// list items over. Without it, "Load older" is a plain link and the page shows new
// posts when reloaded.
"use strict";

(() => {
  const list = document.getElementById("posts");
  if (!list) return;
  const news = document.getElementById("live-news");
  const pending = new Set();

  const known = (id) => [...list.children].some((li) => li.dataset.id === id);

  function localTimes(root) {
    // As server.js does for the whole page: times in the browser's own zone.
    for (const el of root.querySelectorAll("time[datetime]")) {
      const text = el.getAttribute("datetime");
      const when = new Date(text + (text.endsWith("Z") || text.includes("+") ? "" : "Z"));
      if (!Number.isNaN(when.getTime())) {
        el.textContent = when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
      }
    }
  }

  async function pageItems(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) throw new Error(`the feed answered ${response.status}`);
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const items = [...doc.querySelectorAll("#posts > li[data-id]")].map((li) => document.adoptNode(li));
    for (const li of items) localTimes(li);
    return { doc, items };
  }

  function focusFirst(items) {
    const link = items.length ? items[0].querySelector(".post-title a") : null;
    if (link) link.focus();
  }

  // -- Load older posts, in place ---------------------------------------------------------
  const older = document.getElementById("load-older");
  if (older) {
    older.addEventListener("click", async (event) => {
      event.preventDefault();
      older.setAttribute("aria-busy", "true");
      try {
        const { doc, items } = await pageItems(older.href);
        const added = items.filter((li) => !known(li.dataset.id));
        list.append(...added);
        const next = doc.getElementById("load-older");
        if (next) {
          older.setAttribute("href", next.getAttribute("href"));
          older.removeAttribute("aria-busy");
        } else {
          older.parentElement.remove();
        }
        focusFirst(added);
      } catch (error) {
        window.location.assign(older.href);
      }
    });
  }

  // -- New posts, live ----------------------------------------------------------------------
  const liveUrl = list.dataset.liveUrl;
  if (!liveUrl || !news || !("EventSource" in window)) return;
  const cell = list.dataset.cell;
  let button = null;

  function announce() {
    const count = pending.size;
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.addEventListener("click", showNew);
      news.append(button);
    }
    button.textContent = `${count} new post${count === 1 ? "" : "s"} — show`;
  }

  async function showNew() {
    button.disabled = true;
    const top = Math.max(0, ...[...list.children].map((li) => Number(li.dataset.seq) || 0));
    try {
      const { items } = await pageItems(list.dataset.firstPage);
      const fresh = items.filter((li) => !known(li.dataset.id) && Number(li.dataset.seq) > top);
      for (const li of fresh) li.classList.add("is-new");
      list.prepend(...fresh);
      const empty = document.getElementById("empty");
      if (empty && list.children.length) empty.remove();
      pending.clear();
      button.remove();
      button = null;
      focusFirst(fresh);
    } catch (error) {
      window.location.reload();
    }
  }

  const source = new EventSource(liveUrl);
  source.addEventListener("post", (event) => {
    let post;
    try {
      post = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    if (!post || typeof post.id !== "string") return;
    if (cell && post.area !== cell) return; // the list shows one hexagon
    if (known(post.id) || pending.has(post.id)) return;
    pending.add(post.id);
    announce();
  });
  window.addEventListener("pagehide", () => source.close());
})();
