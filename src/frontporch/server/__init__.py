"""The community server: accounts, homes, the Neighbors feed, agencies and the log.

`create_app(settings)` in `app.py` is the one place the web application is built; each
area (accounts/, and later homes/, feed/, ...) is a package with models, repository,
service, schemas and endpoints. Nothing here opens a database, socket or file at import.
"""
