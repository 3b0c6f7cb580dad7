// Camera form: the "test" button connects to the typed address and shows one frame,
// or says in words why it could not (wrong scheme, unreachable, credentials, codec).
(function () {
  "use strict";
  const form = document.getElementById("camera-form");
  const button = document.getElementById("test-camera");
  const result = document.getElementById("test-result");
  if (!form || !button || !result) return;
  const csrf = document.querySelector('meta[name="csrf-token"]');
  button.hidden = false;

  function show(text, ok) {
    result.replaceChildren();
    const p = document.createElement("p");
    p.className = ok ? "notice" : "alert";
    p.id = ok ? "test-ok" : "test-error";
    p.textContent = text;
    result.append(p);
    return p;
  }

  button.addEventListener("click", async () => {
    const url = form.elements.record_url.value.trim();
    if (!url) {
      show("Enter the camera's address first.", false);
      return;
    }
    button.disabled = true;
    show("Connecting…", true).id = "test-pending";
    try {
      const response = await fetch("/api/settings/camera-test", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf ? csrf.content : "" },
        body: JSON.stringify({ url: url, camera: form.dataset.camera || null }),
      });
      const body = await response.json();
      if (!response.ok) {
        const detail = typeof body.detail === "string" ? body.detail : body.error;
        show("Test failed: " + detail, false);
        return;
      }
      show(`Connected: ${body.width}×${body.height} ${body.codec}, first frame in ${body.seconds} s.`, true);
      const img = document.createElement("img");
      img.src = body.image;
      img.alt = "A frame from the camera";
      img.className = "test-frame";
      img.id = "test-frame";
      result.append(img);
    } catch (error) {
      show("The hub did not answer the test; is it running?", false);
    } finally {
      button.disabled = false;
    }
  });
})();
