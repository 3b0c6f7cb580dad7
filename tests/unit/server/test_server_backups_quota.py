"""The backups area's pure parts: the quota rule, sizes in words, the operator's GB
input, object keys, and the access-log filter that keeps keys out of the log; and that
the hub and the server agree on keys and the object size limit."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from frontporch.hub.backup import server_target
from frontporch.hub.backup.target import MAX_OBJECT_BYTES as HUB_MAX_OBJECT_BYTES
from frontporch.server.app import create_app
from frontporch.server.backups import quota
from frontporch.server.backups.logs import OBJECTS_PATH, RedactBackupKeys, redact_path
from frontporch.server.backups.quota import Room, is_key, parse_gb, size_text
from frontporch.server.routing import api_routes
from frontporch.server.settings import ServerSettings

KEY = "0123456789abcdef0123456789abcdef"


def test_an_upload_fits_up_to_the_limit() -> None:
    room = Room(limit=1000, stored=600, in_flight=0, replaced=0)
    assert room.fits(400)
    assert not room.fits(401)


def test_the_object_replaced_makes_room_and_uploads_in_flight_take_it() -> None:
    assert Room(limit=1000, stored=1000, in_flight=0, replaced=300).fits(300)
    assert not Room(limit=1000, stored=1000, in_flight=0, replaced=300).fits(301)
    assert not Room(limit=1000, stored=600, in_flight=100, replaced=0).fits(301)
    assert Room(limit=1000, stored=600, in_flight=100, replaced=0).fits(300)


def test_a_limit_of_zero_takes_nothing_not_even_an_empty_object() -> None:
    assert not Room(limit=0, stored=0, in_flight=0, replaced=0).fits(0)


@pytest.mark.parametrize(
    ("size", "words"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (999, "999 bytes"),
        (1000, "1 kB"),
        (1234, "1.23 kB"),
        (16 * 1024 * 1024, "16.8 MB"),
        (5 * 1000**3, "5 GB"),
        (1500 * 1000**4, "1.5 PB"),
    ],
)
def test_sizes_read_in_decimal_units(size: int, words: str) -> None:
    assert size_text(size) == words


@pytest.mark.parametrize(
    ("typed", "size"),
    [("5", 5 * 1000**3), (" 0.5 ", 500_000_000), ("0,25", 250_000_000), ("0", 0), ("", None)],
)
def test_the_operator_types_quotas_in_gb(typed: str, size: int | None) -> None:
    assert parse_gb(typed) == size


@pytest.mark.parametrize("typed", ["lots", "-1", "nan", "inf", "1e99", "5 GB"])
def test_a_quota_that_is_not_a_size_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="GB"):
        parse_gb(typed)


def test_object_keys_are_32_lowercase_hex_digits() -> None:
    assert is_key(KEY)
    for bad in ("index", KEY.upper(), KEY[:-1], KEY + "0", "../" + KEY[3:], KEY[:-1] + "\n"):
        assert not is_key(bad), bad


def test_the_hub_and_the_server_agree() -> None:
    assert quota.MAX_OBJECT_BYTES == HUB_MAX_OBJECT_BYTES
    assert quota.KEY_PATTERN == server_target.KEY_PATTERN
    assert is_key(server_target.wire_key("index"))
    assert server_target.wire_key(KEY) == KEY


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (f"/api/hub/backup/objects/{KEY}", "/api/hub/backup/objects/…"),
        (f"/api/hub/backup/objects?after={KEY}&limit=2", "/api/hub/backup/objects"),
        ("/api/hub/backup/objects", "/api/hub/backup/objects"),
        ("/api/hub/backup/quota", "/api/hub/backup/quota"),
        ("/api/hub/releases", "/api/hub/releases"),
    ],
)
def test_the_access_log_never_shows_a_key(path: str, logged: str) -> None:
    assert redact_path(path) == logged
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "PUT", path, "1.1", 200),
        None,
    )
    assert RedactBackupKeys().filter(record)
    assert record.getMessage() == f'127.0.0.1:5000 - "PUT {logged} HTTP/1.1" 200'


def test_every_path_the_server_target_calls_is_served(tmp_path: Path) -> None:
    settings = ServerSettings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'server.db'}",
        secret_key="backups-test-secret-key-of-32-characters",
        base_url="http://testserver",
    )
    app = create_app(settings)
    try:
        served = {(route.method, route.path) for route in api_routes(app)}
    finally:
        app.state.server.engine.dispose()
    objects = f"{server_target.BACKUP_PATH}/objects"
    assert served >= {
        ("PUT", objects + "/{key}"),
        ("GET", objects + "/{key}"),
        ("DELETE", objects + "/{key}"),
        ("GET", objects),
        ("GET", f"{server_target.BACKUP_PATH}/quota"),
    }
    assert objects == OBJECTS_PATH  # what the access log hides
