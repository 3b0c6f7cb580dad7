"""The hub and the server agree on what they say to each other (`frontporch.protocol`):
the paths the hub calls exist on the server with the method the hub uses, the hub
handles every kind of message the server can send, and the share form offers the
categories the server's database accepts."""

from __future__ import annotations

import re
from pathlib import Path

from frontporch.hub.config import parse_config
from frontporch.hub.process.runtime import build_hub
from frontporch.hub.web.schemas import PublishIn
from frontporch.protocol import (
    MESSAGES_PATH,
    PAIR_PATH,
    PAIRING_PATH,
    UPLOAD_PATH,
    Category,
    MessageKind,
)
from frontporch.server.app import create_app
from frontporch.server.feed.models import Post
from frontporch.server.routing import api_routes
from frontporch.server.settings import ServerSettings

HUB_CALLS = {
    ("POST", PAIR_PATH),
    ("DELETE", PAIRING_PATH),
    ("GET", MESSAGES_PATH),
    ("POST", UPLOAD_PATH),
}


def test_every_path_the_hub_calls_is_served_with_its_method(tmp_path: Path) -> None:
    settings = ServerSettings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'server.db'}",
        secret_key="protocol-test-secret-key-of-32-characters",
        base_url="http://testserver",
    )
    app = create_app(settings)
    served = {(route.method, route.path) for route in api_routes(app)}
    assert served >= HUB_CALLS


def test_the_hub_handles_every_kind_of_server_message(tmp_path: Path) -> None:
    hub = build_hub(parse_config({"storage": {"path": str(tmp_path)}, "cameras": {}}))
    try:
        assert set(hub.message_handlers()) == set(MessageKind)
    finally:
        hub.store.close()


def test_hub_and_server_share_one_list_of_categories() -> None:
    # The hub's share form offers, and the server's database accepts, the same values.
    offered = PublishIn.model_json_schema()["$defs"]["Category"]["enum"]
    assert offered == [c.value for c in Category]
    check = next(c for c in Post.__table__.constraints if c.name == "ck_posts_category")
    assert set(re.findall(r"'(\w+)'", str(check.sqltext))) == {c.value for c in Category}
