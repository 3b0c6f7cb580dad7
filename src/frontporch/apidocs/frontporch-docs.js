// Starts Swagger UI on /docs. A file rather than an inline script: the services' CSP
// allows scripts from 'self' only. validatorUrl null keeps Swagger UI from sending the
// document to an outside validator. The page shows the title and description itself,
// so Swagger UI's own info block is left out; deep links stay off because they put a
// link inside each operation's toggle button (a control nested in a control).
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  var withoutInfo = function () {
    return { components: { InfoContainer: function () { return null; } } };
  };
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [withoutInfo],
    layout: "BaseLayout",
    deepLinking: false,
    validatorUrl: null,
  });
})();
