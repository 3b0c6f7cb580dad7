"""The camera form's "test" button against real endpoints: a video file and an RTSP
server give a frame; a closed port, an unknown host, an HTTP server answering 401 and
one serving a web page fail with the reason in words, never showing the password."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
import pytest

from frontporch.hub.settings.probe import ProbeError, probe
from hubtools import RtspServer, free_port
from videotools import make_h264


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/locked"):
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="camera"')
            self.end_headers()
            return
        body = b"<html><body>camera admin page</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def http_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.rtsp
def test_a_file_and_an_rtsp_camera_give_a_frame(tmp_path: Path) -> None:
    video = make_h264(tmp_path / "cam.mp4", seconds=3, size=(640, 360))
    result = probe(str(video))
    assert (result.width, result.height, result.codec) == (640, 360, "h264")
    image = cv2.imdecode(np.frombuffer(result.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (360, 640, 3)
    with RtspServer(video).start() as server:
        live = probe(server.url)
    assert (live.width, live.height) == (640, 360)


@pytest.mark.parametrize(
    ("url", "kind", "words"),
    [
        ("rtsp://admin:hunter2@127.0.0.1:{closed}/cam", "unreachable", "connection refused"),
        ("rtsp://admin:hunter2@camera.invalid/cam", "unreachable", "cannot be resolved"),
        ("http://admin:hunter2@127.0.0.1:{http}/locked", "auth", "refused the credentials"),
        ("http://127.0.0.1:{http}/index.html", "not_video", "not a video stream"),
        ("ftp://admin:hunter2@camera/cam", "scheme", "starts with 'ftp://'"),
        ("{missing}", "unreachable", "no such file"),
    ],
)
def test_failures_say_why_in_words_without_the_password(
    tmp_path: Path, url: str, kind: str, words: str
) -> None:
    with http_server() as port:
        target = url.format(closed=free_port(), http=port, missing=tmp_path / "none.mp4")
        with pytest.raises(ProbeError) as caught:
            probe(target, timeout_s=4)
    assert caught.value.kind == kind
    assert words in str(caught.value)
    assert "hunter2" not in str(caught.value)
