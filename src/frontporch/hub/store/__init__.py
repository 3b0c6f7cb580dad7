"""The hub's index and the files it names: one SQLite file, the event snapshots, and the
layout of the storage directory.

Decides what is recorded about segments, motion, outages, events, publications,
settings, sessions and tokens, the schema's forward-only migrations, and where each
kind of file lives (paths the index names never lead outside their root)."""
