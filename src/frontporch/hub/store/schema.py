"""The hub index's SQLite schema, as forward-only migrations.

`MIGRATIONS[i]` takes a database from version i (`PRAGMA user_version`) to i + 1; the
store runs each in one transaction with its version bump. Never edit a migration that
has shipped: add the next one. Later versions live beside the tables they create
(`control_tables.py`, `alert_tables.py`, ...).
"""

from frontporch.hub.store import (
    alert_tables,
    backup_tables,
    control_tables,
    export_tables,
    member_tables,
    push_tables,
    review_tables,
)

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

# v3: API tokens for scripts, apart from browser sessions, each with a name, a scope
# (`metrics`: metrics and read-only status; `owner`: the read API including footage)
# and its last use. Tokens made before scopes existed were session rows with the user
# agent 'api token' that could do anything the owner could; they move here as `owner`
# tokens (their reading keeps working; publishing and deleting now need a browser),
# with `last_used` taken from their sliding expiry so they expire as they would have.
API_TOKENS_V3 = """
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('metrics', 'owner')),
    created REAL NOT NULL,
    last_used REAL
) WITHOUT ROWID;
INSERT INTO api_tokens (id, token_hash, name, scope, created, last_used)
    SELECT lower(hex(randomblob(8))), token_hash, 'Token made before scopes', 'owner',
           created, expires - 2592000.0
    FROM sessions WHERE user_agent = 'api token';
DELETE FROM sessions WHERE user_agent = 'api token';
"""

# v4: footage requests from the community server as this hub checked them, and the
# releases the owner made for them. A release keeps its signed manifest for good (the
# hub's own record of what it sent, to whom); `picks` and `clips` are JSON lists.
REQUESTS_V4 = """
CREATE TABLE footage_requests (
    id TEXT PRIMARY KEY,
    log_index INTEGER NOT NULL,
    agency TEXT NOT NULL,
    agency_name TEXT NOT NULL,
    agency_registration_index INTEGER NOT NULL,
    recipient TEXT NOT NULL,
    agency_key TEXT NOT NULL,
    case_number TEXT NOT NULL,
    incident TEXT NOT NULL,
    description TEXT NOT NULL,
    contact TEXT NOT NULL,
    area TEXT NOT NULL,
    cells TEXT NOT NULL,
    window_start REAL NOT NULL,
    window_end REAL NOT NULL,
    expires_at REAL NOT NULL,
    filed_at REAL NOT NULL,
    received_at REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN
        ('verifying', 'open', 'refused', 'declined', 'released', 'closed', 'expired')),
    refusal TEXT,
    closed_reason TEXT
) WITHOUT ROWID;
CREATE INDEX footage_requests_received ON footage_requests (received_at);

CREATE TABLE releases (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES footage_requests (id),
    created_at REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('preparing', 'logged', 'uploading', 'done', 'failed')),
    error TEXT,
    manifest BLOB,
    signature TEXT,
    manifest_sha256 TEXT,
    log_index INTEGER,
    picks TEXT NOT NULL,
    clips TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX releases_request ON releases (request_id, created_at);
"""

# v5: legal notices from the community server (one per demand) as this hub checked them
# against the transparency log: `confirmed` 0 keeps the notice with `problem` saying
# why, rather than dropping it. `read_at` is set when the owner marks it read.
NOTICES_V5 = """
CREATE TABLE legal_notices (
    demand TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    authority TEXT NOT NULL,
    received_on TEXT NOT NULL,
    scope TEXT NOT NULL,
    log_index INTEGER NOT NULL,
    notice_index INTEGER NOT NULL,
    delayed_until REAL,
    server_answer TEXT NOT NULL,
    received_at REAL NOT NULL,
    confirmed INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
    problem TEXT,
    read_at REAL
) WITHOUT ROWID;
CREATE INDEX legal_notices_received ON legal_notices (received_at);
"""

MIGRATIONS: tuple[str, ...] = (
    SCHEMA_V1,
    PUBLICATIONS_V2,
    API_TOKENS_V3,
    REQUESTS_V4,
    NOTICES_V5,
    control_tables.SCHEMA,  # v6: the owner's switches
    alert_tables.SCHEMA,  # v7: alert rules, alerts and their deliveries, webhooks
    push_tables.SCHEMA,  # v8: Web Push subscriptions and the hub's VAPID key
    backup_tables.SCHEMA,  # v9: off-site backup: recovery recipient, policy, objects
    review_tables.SCHEMA,  # v10: review items and their reviewed state
    export_tables.SCHEMA,  # v11: exports of a recorded range
    member_tables.SCHEMA,  # v12: household members, passkeys, second factors
)
