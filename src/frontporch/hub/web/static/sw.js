// The hub's service worker (served at /sw.js so its scope is the whole hub).
//
// It shows the alerts the hub sends through the browser's push service. The message
// arrives decrypted by the browser (RFC 8291); it holds {id, title, body, url, image,
// tag, update}. The snapshot is not in it: `image` is the hub's own snapshot URL, which
// the browser loads from the hub when it shows the notification. A later message with
// the same tag (a better snapshot) replaces the notification instead of adding one.
"use strict";

const ICON = "/static/icons/hub-192.png";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

// Only paths on this hub: a notification never opens another site.
function hubUrl(path) {
  try {
    const url = new URL(path || "/", self.location.origin);
    return url.origin === self.location.origin ? url.href : self.location.origin + "/";
  } catch (error) {
    return self.location.origin + "/";
  }
}

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { body: event.data ? event.data.text() : "" };
  }
  const options = {
    body: message.body || "",
    icon: ICON,
    badge: ICON,
    data: { url: hubUrl(message.url) },
  };
  if (message.tag) options.tag = String(message.tag);
  if (message.image) options.image = hubUrl(message.image);
  event.waitUntil(
    self.registration.showNotification(message.title || "Frontporch hub", options),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = hubUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const client of windows) {
        if (new URL(client.url).origin === self.location.origin && "focus" in client) {
          const focused = await client.focus();
          if ("navigate" in focused) await focused.navigate(target);
          return;
        }
      }
      await self.clients.openWindow(target);
    })(),
  );
});
