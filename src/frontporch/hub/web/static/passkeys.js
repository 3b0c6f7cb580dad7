// Passkeys (WebAuthn) for the hub's pages: sign in on /login, register on /account,
// and confirm a release or a share with a passkey instead of the password. The server
// makes the options and checks the answers (hub/people/passkeys.py); this file only
// moves bytes between JSON (base64url) and the browser's WebAuthn calls.
(function () {
  "use strict";

  function toBytes(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    (options.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return options;
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    (options.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return options;
  }

  function credentialJson(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      out.response.attestationObject = toBase64url(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toBase64url(response.authenticatorData);
      out.response.signature = toBase64url(response.signature);
      if (response.userHandle) out.response.userHandle = toBase64url(response.userHandle);
    }
    return out;
  }

  function available() {
    return window.isSecureContext && !!window.PublicKeyCredential && !!navigator.credentials;
  }

  function pageCsrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function post(url, body, csrf) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var words = data.detail && typeof data.detail === "string" ? data.detail : (data.error || "The hub refused it.");
          throw new Error(words);
        }
        return data;
      });
    });
  }

  function say(element, text) {
    if (!element) return;
    element.textContent = text;
    element.hidden = !text;
  }

  function why(error) {
    if (error && error.name === "NotAllowedError") return "The passkey was not used (cancelled or timed out).";
    return (error && error.message) || "The passkey did not work.";
  }

  function showAvailability() {
    var ok = available();
    document.querySelectorAll("[data-passkey-needs]").forEach(function (el) { el.hidden = !ok; });
    document.querySelectorAll("[data-passkey-unavailable]").forEach(function (el) { el.hidden = ok; });
  }

  function setUpSignIn() {
    var button = document.getElementById("passkey-signin");
    if (!button) return;
    var status = document.getElementById("passkey-status");

    button.addEventListener("click", function () {
      var csrf = document.querySelector("input[name='csrf_token']").value;
      var next = (document.querySelector("input[name='next']") || { value: "/" }).value;
      say(status, "Waiting for your passkey…");
      post("/api/login/passkey/options", {}, csrf)
        .then(function (answer) {
          return navigator.credentials.get({ publicKey: requestOptions(answer.options) })
            .then(function (credential) {
              return post("/api/login/passkey", {
                challenge_id: answer.challenge_id,
                credential: credentialJson(credential),
                next: next
              }, csrf);
            });
        })
        .then(function (done) { window.location.assign(done.next || "/"); })
        .catch(function (error) { say(status, why(error)); });
    });

  }

  function setUpRegister() {
    var form = document.getElementById("passkey-register");
    if (!form) return;
    var status = document.getElementById("passkey-register-status");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var name = form.querySelector("input[name='name']").value;
      var csrf = pageCsrf();
      say(status, "Follow your browser's prompt to make the passkey…");
      post("/api/account/passkeys/options", {}, csrf)
        .then(function (answer) {
          return navigator.credentials.create({ publicKey: creationOptions(answer.options) })
            .then(function (credential) {
              return post("/api/account/passkeys", {
                challenge_id: answer.challenge_id,
                credential: credentialJson(credential),
                name: name
              }, csrf);
            });
        })
        .then(function () { window.location.assign("/account?passkey_added=1#passkeys-title"); })
        .catch(function (error) { say(status, why(error)); });
    });
  }

  function setUpConfirm() {
    document.querySelectorAll("[data-passkey-confirm]").forEach(function (button) {
      var form = button.form || button.closest("form");
      var status = document.getElementById(button.getAttribute("data-passkey-status") || "");
      button.addEventListener("click", function () {
        say(status, "Waiting for your passkey…");
        // The challenge is made for this form's action only: a release or a share.
        var purpose = button.getAttribute("data-passkey-purpose") || "release";
        post("/api/passkeys/confirm/options", { purpose: purpose }, pageCsrf())
          .then(function (answer) {
            return navigator.credentials.get({ publicKey: requestOptions(answer.options) })
              .then(function (credential) {
                form.querySelector("input[name='passkey_challenge']").value = answer.challenge_id;
                form.querySelector("input[name='passkey_credential']").value =
                  JSON.stringify(credentialJson(credential));
                form.querySelectorAll("input[type='password']").forEach(function (input) {
                  input.required = false;
                });
                say(status, "Confirmed with your passkey.");
                if (form.requestSubmit) form.requestSubmit(); else form.submit();
              });
          })
          .catch(function (error) { say(status, why(error)); });
      });
    });
  }

  function start() {
    showAvailability();
    setUpSignIn();
    setUpRegister();
    setUpConfirm();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
