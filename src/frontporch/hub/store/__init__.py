"""The hub's index and the files it names: one SQLite file and the event snapshots.

Decides what is recorded about segments, motion, outages, events, publications,
settings, sessions and tokens, and the schema's forward-only migrations."""
