"""The hub index's SQLite schema, as forward-only migrations.

`MIGRATIONS[i]` takes a database from version i (`PRAGMA user_version`) to i + 1; the
store runs each in one transaction with its version bump. Never edit a migration that
has shipped: add the next one.
"""

SCHEMA_V1 = """
CREATE TABLE segments (
    id INTEGER PRIMARY KEY,
    camera TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    start_ts REAL NOT NULL,
    end_ts REAL NOT NULL CHECK (end_ts >= start_ts),
    size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0)
);
CREATE INDEX segments_camera_start ON segments (camera, start_ts);
CREATE INDEX segments_start ON segments (start_ts, id);
CREATE INDEX segments_camera_length ON segments (camera, (end_ts - start_ts));

CREATE TABLE motion (
    id INTEGER PRIMARY KEY,
    camera TEXT NOT NULL,
    start_ts REAL NOT NULL,
    end_ts REAL NOT NULL CHECK (end_ts >= start_ts)
);
CREATE INDEX motion_camera_start ON motion (camera, start_ts);
CREATE INDEX motion_camera_length ON motion (camera, (end_ts - start_ts));

CREATE TABLE outages (
    id INTEGER PRIMARY KEY,
    camera TEXT NOT NULL,
    start_ts REAL NOT NULL,
    end_ts REAL,
    reason TEXT NOT NULL
);
CREATE INDEX outages_camera_start ON outages (camera, start_ts);

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    camera TEXT NOT NULL,
    labels TEXT NOT NULL,
    top_score REAL NOT NULL,
    start_ts REAL NOT NULL,
    end_ts REAL,
    zones TEXT NOT NULL,
    snapshot TEXT,
    clip TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX events_start ON events (start_ts, id);
CREATE INDEX events_camera_start ON events (camera, start_ts, id);

CREATE TABLE event_labels (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    PRIMARY KEY (event_id, label)
) WITHOUT ROWID;
CREATE INDEX event_labels_label ON event_labels (label, event_id);

CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    created REAL NOT NULL,
    expires REAL NOT NULL,
    user_agent TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expires ON sessions (expires);
"""

# v2: what the owner published to the community server's Neighbors feed, one post per
# event (the server's client_ref idempotency is the backstop). Kept with the event.
PUBLICATIONS_V2 = """
CREATE TABLE publications (
    event_id TEXT PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    post_id TEXT NOT NULL,
    url TEXT NOT NULL,
    media TEXT NOT NULL CHECK (media IN ('clip', 'snapshot')),
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    published REAL NOT NULL
) WITHOUT ROWID;
"""

MIGRATIONS: tuple[str, ...] = (SCHEMA_V1, PUBLICATIONS_V2)
