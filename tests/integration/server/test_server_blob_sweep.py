"""Media blobs no post refers to (left by a crash between writing a blob and committing
its post, or between deleting a post and its blob) are found and removed by
`frontporch server sweep-blobs` — only once they are older than the grace period, and
never one a post names."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feed_tools import resident_at, user_id
from frontporch.cli import app as cli
from frontporch.server.blobs import BlobStore
from frontporch.server.feed.models import Post
from frontporch.server.feed.posts.media import media_key
from frontporch.server.feed.posts.repository import PostRepository
from frontporch.server.feed.posts.sweep import sweep_media
from frontporch.server.settings import ServerSettings
from server_harness import ServerHarness

HOUR = timedelta(hours=1)


def _post_with_media(server: ServerHarness, author: str, cell: int) -> str:
    """A post whose clip is stored, as a hub upload leaves it; the blob's key."""
    post_id = uuid.uuid4()
    key = media_key(post_id)
    blobs: BlobStore = server.app.state.server.blobs
    blobs.put(key, b"\x00\x00\x00\x18ftypmp42 a clip")
    with server.app.state.server.sessions.begin() as db:
        posts = PostRepository(db)
        posts.add(
            Post(
                id=post_id,
                seq=posts.next_seq(),
                author_id=uuid.UUID(author),
                cell=cell,
                category="crime",
                title="Porch camera clip",
                body="",
                created_at=server.clock(),
                media_key=key,
                media_type="video/mp4",
                media_size=24,
                comment_count=0,
            )
        )
    return key


def _orphan(server: ServerHarness) -> str:
    """A blob whose post never committed."""
    key = media_key(uuid.uuid4())
    server.app.state.server.blobs.put(key, b"a clip nobody posted")
    return key


def _stored(server: ServerHarness) -> set[str]:
    return {blob.key for blob in server.app.state.server.blobs.list("posts/")}


def test_old_orphans_go_and_everything_else_stays(server: ServerHarness) -> None:
    author, _ = resident_at(server)
    kept = _post_with_media(server, user_id(author), 0x882664C1E1FFFFF)
    orphans = {_orphan(server), _orphan(server)}
    context = server.app.state.server
    now = datetime.now(UTC)  # blob times are real times: these were just written

    recent = sweep_media(context.sessions, context.blobs, now, grace=HOUR)
    assert (recent.referenced, recent.recent, recent.orphans) == (1, 2, [])

    later = now + 2 * HOUR
    preview = sweep_media(context.sessions, context.blobs, later, grace=HOUR, dry_run=True)
    assert {blob.key for blob in preview.orphans} == orphans
    assert preview.orphan_bytes == 2 * len(b"a clip nobody posted")
    assert _stored(server) == orphans | {kept}  # a dry run removes nothing

    swept = sweep_media(context.sessions, context.blobs, later, grace=HOUR)
    assert {blob.key for blob in swept.orphans} == orphans
    assert _stored(server) == {kept}
    assert context.blobs.get(kept).startswith(b"\x00\x00\x00\x18ftyp")
    again = sweep_media(context.sessions, context.blobs, later, grace=HOUR)
    assert (again.referenced, again.recent, again.orphans) == (1, 0, [])


def test_the_command_previews_then_removes(
    server: ServerHarness, settings: ServerSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    author, _ = resident_at(server)
    kept = _post_with_media(server, user_id(author), 0x882664C1E1FFFFF)
    orphan = _orphan(server)
    monkeypatch.setenv("FRONTPORCH_DATABASE_URL", settings.resolved_database_url)
    command = ["server", "--data-dir", str(settings.data_dir), "sweep-blobs"]

    young = CliRunner().invoke(cli, command)
    assert young.exit_code == 0, young.output
    assert "removed 0 media blob(s)" in young.output
    assert "1 unreferenced but too recent" in young.output

    # Two hours later, as far as the orphan's file can tell.
    server.app.state.server.blobs.put(orphan, b"an older clip")
    two_hours_ago = time.time() - 7200
    os.utime(settings.data_dir / "blobs" / orphan, (two_hours_ago, two_hours_ago))
    preview = CliRunner().invoke(cli, [*command, "--dry-run"])
    assert preview.exit_code == 0, preview.output
    assert f"would remove {orphan} (13 bytes)" in preview.output
    assert _stored(server) == {kept, orphan}
    done = CliRunner().invoke(cli, command)
    assert done.exit_code == 0, done.output
    assert f"removed {orphan}" in done.output
    assert "1 in use" in done.output
    assert _stored(server) == {kept}


def test_the_command_refuses_a_database_that_is_not_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = str(tmp_path)
    monkeypatch.delenv("FRONTPORCH_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["server", "--data-dir", data_dir, "sweep-blobs"])
    assert result.exit_code != 0
    assert "frontporch server migrate" in result.output
