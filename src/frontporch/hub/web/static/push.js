// Alerts on this browser: registers the hub's service worker (/sw.js), and on the
// owner's click asks for permission, subscribes with the hub's VAPID key and sends the
// subscription to the hub (POST /api/push/subscriptions, with the page's CSRF token).
// The list of subscribed browsers is rendered by the hub; this only adds the button.
"use strict";

(() => {
  const box = document.querySelector("[data-push]");
  const status = box && box.querySelector("[data-push-status]");
  const button = box && box.querySelector("[data-push-subscribe]");
  if (!box || !status || !button) return;

  const say = (text) => {
    status.textContent = text;
  };

  function keyBytes(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    say(
      "This browser cannot receive push notifications here. On an iPhone or iPad, " +
        "add the hub to the home screen first, then open it from there.",
    );
    return;
  }

  const ready = navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(
    () => navigator.serviceWorker.ready,
  );

  ready
    .then(async (registration) => {
      const existing = await registration.pushManager.getSubscription();
      button.textContent = existing ? "Subscribe this browser again" : "Get alerts on this browser";
      button.hidden = false;
      if (existing) say("This browser is subscribed.");
    })
    .catch(() => say("The hub's service worker could not be registered."));

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        say("Notifications are blocked for this site; allow them in the browser's settings.");
        return;
      }
      const registration = await ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(box.dataset.publicKey),
      });
      const csrf = document.querySelector('meta[name="csrf-token"]');
      const response = await fetch("/api/push/subscriptions", {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-CSRF-Token": csrf ? csrf.content : "",
        },
        body: JSON.stringify(subscription.toJSON()),
      });
      if (!response.ok) {
        const answer = await response.json().catch(() => ({}));
        say("The hub refused the subscription: " + (answer.detail || response.status));
        return;
      }
      say("Subscribed. Use Send a test to check it.");
      window.location.reload();
    } catch (error) {
      say("Subscribing failed: " + error.message);
    } finally {
      button.disabled = false;
    }
  });
})();
