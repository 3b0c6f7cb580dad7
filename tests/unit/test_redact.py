"""Camera URLs are shown and logged only through `redact_url`: no credential survives it."""

from __future__ import annotations

import string
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontporch.hub.capture.camera import redact_url as capture_redact_url
from frontporch.hub.capture.redact import redact_url

# URL structure is drawn from lowercase letters and digits; every password starts with
# an upper-case marker the structure never contains, so a partial leak of a password's
# start shows as that marker.
MARKER = "QX"
words = st.text(string.ascii_lowercase, min_size=1, max_size=8)
hosts = st.builds("{}.{}".format, words, st.sampled_from(["lan", "local", "example"]))
paths = st.lists(words, max_size=3).map(lambda parts: "".join(f"/{p}" for p in parts))
schemes = st.sampled_from(["rtsp", "rtsps", "http", "https"])
passwords = st.text(
    string.ascii_letters + string.digits + string.punctuation, min_size=1, max_size=20
).map(lambda text: MARKER + text)
query_keys = st.one_of(
    words,
    st.sampled_from(["loginpas", "loginuse", "access_token", "pwd", "ch", "channel", "auth"]),
)
queries = st.lists(st.tuples(query_keys, words), max_size=3)


def _query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{key}={value}" for key, value in pairs)


def _assert_hidden(password: str, shown: str) -> None:
    assert password not in shown, shown
    assert MARKER not in shown, shown


@given(schemes, words, passwords, hosts, paths)
def test_no_password_in_user_info_survives(
    scheme: str, user: str, password: str, host: str, path: str
) -> None:
    for secret in (password, quote(password, safe="")):
        shown = redact_url(f"{scheme}://{user}:{secret}@{host}:554{path}")
        _assert_hidden(secret, shown)
        assert user not in shown.split("://", 1)[1].split("@")[0]


@given(schemes, hosts, paths, queries, query_keys, passwords, queries)
def test_no_query_value_survives(
    scheme: str,
    host: str,
    path: str,
    before: list[tuple[str, str]],
    key: str,
    password: str,
    after: list[tuple[str, str]],
) -> None:
    for secret in (password, quote(password, safe="")):
        query = "&".join(
            part for part in (_query(before), f"{key}={secret}", _query(after)) if part
        )
        shown = redact_url(f"{scheme}://{host}{path}?{query}")
        _assert_hidden(secret, shown)


@given(schemes, hosts, passwords)
def test_no_password_in_a_dvr_style_path_survives(scheme: str, host: str, password: str) -> None:
    for url in (
        f"{scheme}://{host}/user=admin_password={password}_channel=1_stream=0.sdp",
        f"{scheme}://{host}/videostream.cgi;user=admin;pwd={password}",
        f"{scheme}://{host}/cam/user/admin/password/{password}/stream",
    ):
        _assert_hidden(password, redact_url(url))


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("rtsp://admin:s3cret@10.0.0.5:554/live", "rtsp://***@10.0.0.5:554/live"),
        ("rtsp://admin:p@ss/w#rd@cam.lan/s", "rtsp://***@cam.lan/s"),
        ("rtsp://admin:pa?ss@cam.lan/s", "rtsp://***"),
        (
            "http://cam/snap.cgi?user=a&password=b&ch=1",
            "http://cam/snap.cgi?user=***&password=***&ch=***",
        ),
        (
            "http://cam/cgi-bin/snapshot.cgi?loginuse=admin&loginpas=hunter2",
            "http://cam/cgi-bin/snapshot.cgi?loginuse=***&loginpas=***",
        ),
        ("https://cam/live?access_token=abc;x", "https://cam/live?access_token=***;***"),
        (
            "rtsp://192.168.1.9:554/user=admin_password=tlJwpbo6_channel=1_stream=0.sdp",
            "rtsp://192.168.1.9:554/user=***",
        ),
        ("http://dvr/videostream.cgi;user=admin;pwd=123", "http://dvr/videostream.cgi;user=***"),
        ("http://dvr/user%3Dadmin%26pwd%3Dx", "http://dvr/user%3D***"),
        ("http://cam/live#token=abc", "http://cam/live#***"),
        ("rtsp://10.0.0.5/live", "rtsp://10.0.0.5/live"),
        ("rtsp://10.0.0.5/h264/ch1/main/av_stream", "rtsp://10.0.0.5/h264/ch1/main/av_stream"),
        ("/var/video/front door.mp4", "/var/video/front door.mp4"),
    ],
)
def test_what_the_owner_sees(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_capture_uses_the_one_redactor() -> None:
    assert capture_redact_url is redact_url
