// Every signed-in page: keep the navigation's unread-notifications count current from
// the server-sent events of /api/notifications/events (server/feed/live.py), and say
// so to screen readers. Without it, the count is right as of the page load.
"use strict";

(() => {
  const link = document.getElementById("nav-notifications");
  const badge = document.getElementById("unread-badge");
  const count = document.getElementById("unread-count");
  if (!link || !badge || !count || !("EventSource" in window)) return;

  const region = document.createElement("p");
  region.className = "visually-hidden";
  region.setAttribute("aria-live", "polite");
  document.body.append(region);

  const texts = {
    comment_on_your_post: "New comment on your post.",
    your_post_hidden: "A moderator hid your post.",
    your_post_restored: "A moderator restored your post.",
  };
  const after = /^\d+$/.test(link.dataset.after || "") ? link.dataset.after : "0";
  const source = new EventSource(`/api/notifications/events?after=${after}`);
  source.addEventListener("notification", (event) => {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    const unread = Number(data && data.unread);
    if (!Number.isInteger(unread) || unread < 0) return;
    count.textContent = String(unread);
    badge.hidden = unread === 0;
    // The link's name is its text, "Notifications 2 unread": keep the hidden words in step.
    const words = document.getElementById("unread-words");
    if (words) words.textContent = unread ? ` ${unread} unread` : "";
    region.textContent = `${texts[data.kind] || "New notification."} ${unread} unread.`;
  });
  window.addEventListener("pagehide", () => source.close());
})();
