"""The web foundation the hub's app and the community server's app both stand on.

Each app configures these parts with its own settings; neither copies them:

- `security`: the security headers, `no-store` where secrets are shown, and the refusal
  of cross-origin state changes (one ASGI middleware, one policy per app);
- `csrf`: reading and comparing the CSRF token a state-changing request carries;
- `errors`: the error envelope `{"error", "detail"[, "field"]}`, its HTML page fallback
  and the handlers that render every failure through them;
- `routing`: deny by default, the start-up check that every route has a guard or a
  public marker;
- `redirects`: where a page may send the browser next;
- `frame`: the page frame both apps' `base.html` extend (`templates/page.html`; the
  password and sign-out forms are macros in `templates/forms.html`) and the base
  stylesheet and icon it names (`static/`, served at `/static/web/`).
"""
