"""A camera's recordings as one timeline: recorded spans, gaps, motion, and the playback
plan that maps wall-clock time onto segment files (`plan.py`, pure) and serves each
segment as fragmented MP4 for the browser's Media Source Extensions (`fragments.py`)."""
