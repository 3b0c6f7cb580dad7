"""The hub's local web UI and JSON API (FastAPI, server-rendered pages).

Build it with `frontporch.hub.web.app.create_hub_app`; set the first owner password
with `frontporch.hub.web.passwords.ensure_owner_password`.
"""
