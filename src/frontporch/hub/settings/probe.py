"""The camera form's "test" button: connect to a URL, decode one frame, show it.

The check runs in a child process (`python -m frontporch.hub.settings.probe`, the URL
passed on stdin, never on the command line where `ps` would show its password) with a
hard deadline: a camera that hangs in a name lookup or a half-open connection, where
FFmpeg's own timeouts do not reach, is killed with its process and cannot block the web
server. The child opens the input exactly as a camera worker does
(`capture/camera.py::open_input`: same options, same redacted error messages), so a
test that passes means the hub can open it too.

A failure is a `ProbeError` whose `kind` says which of: the URL's scheme is not one the
hub reads (`scheme`), the host or file cannot be reached (`unreachable`), the camera
refused the credentials (`auth`), or what came back is not video the hub can decode
(`not_video`, `codec`); its message is in words, and never holds the URL's password.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from dataclasses import dataclass

SCHEMES = ("rtsp", "rtsps", "http", "https")
PROBE_TIMEOUT_S = 8.0
PREVIEW_WIDTH = 1280
MAX_PACKETS = 600  # a stream that gives no decodable frame in this many is not usable


class ProbeError(Exception):
    """A camera URL that did not give a frame; `kind` classifies it, the message says
    what to check."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class ProbeResult:
    """One decoded frame of the camera, as a JPEG, with what was learnt on the way."""

    jpeg: bytes
    width: int
    height: int
    codec: str
    seconds: float


def check_url(url: str) -> str:
    """The URL, stripped, if the hub can read its kind; ProbeError(`scheme`) if not."""
    url = url.strip()
    if not url:
        raise ProbeError("scheme", "enter the camera's address (rtsp://…) or a video file path")
    scheme, sep, _ = url.partition("://")
    if sep and scheme.lower() not in SCHEMES:
        shown = scheme[:20]
        raise ProbeError(
            "scheme",
            f"the address starts with '{shown}://', which the hub cannot read: use "
            "rtsp://, rtsps://, http:// or https://, or the path of a video file",
        )
    if any(ch in url for ch in "\r\n\0"):
        raise ProbeError("scheme", "the address contains a line break or a NUL character")
    return url


def probe(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> ProbeResult:
    """Open `url` in a child process and return its first frame; ProbeError if not."""
    url = check_url(url)
    request = json.dumps({"url": url, "timeout_s": timeout_s})
    began = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "frontporch.hub.settings.probe"],
            input=request,
            capture_output=True,
            text=True,
            timeout=timeout_s + 10,  # the child's own timeouts, plus interpreter start
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ProbeError(
            "unreachable",
            f"no answer within {timeout_s:g} s (is the camera on, and is the address right?)",
        ) from None
    lines = done.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise ProbeError("failed", "the test could not run; see the hub's log") from None
    if not answer.get("ok"):
        raise ProbeError(str(answer.get("kind")), str(answer.get("message")))
    return ProbeResult(
        jpeg=base64.b64decode(answer["jpeg"]),
        width=int(answer["width"]),
        height=int(answer["height"]),
        codec=str(answer["codec"]),
        seconds=round(time.monotonic() - began, 2),
    )


def _classify(exc: BaseException) -> str:
    import av

    if isinstance(exc, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError):
        return "auth"
    if isinstance(exc, av.error.InvalidDataError):
        return "not_video"
    return "unreachable"


def _first_frame(url: str, timeout_s: float) -> dict[str, object]:
    """In the child: open as a worker would, decode one frame, encode it as JPEG."""
    import av
    import cv2

    from frontporch.hub.capture.camera import CaptureError, open_input
    from frontporch.hub.config import InputConfig

    try:
        container = open_input(InputConfig(url=url, timeout_s=timeout_s))
    except CaptureError as exc:
        cause = exc.__context__ or exc
        kind = _classify(cause)
        text = str(exc)
        if "refused the credentials" in text:
            kind = "auth"
        elif "not a video" in text or "has no video stream" in text:
            kind = "not_video"
        return {"ok": False, "kind": kind, "message": text}
    with container:
        stream = container.streams.video[0]
        codec = stream.codec_context.name if stream.codec_context else "unknown"
        try:
            for count, frame in enumerate(container.decode(stream)):
                image = frame.to_ndarray(format="bgr24")
                height, width = image.shape[:2]
                if width > PREVIEW_WIDTH:
                    scale = PREVIEW_WIDTH / width
                    image = cv2.resize(image, (PREVIEW_WIDTH, round(height * scale)))  # type: ignore[assignment]
                ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
                if ok:
                    return {
                        "ok": True,
                        "jpeg": base64.b64encode(jpeg.tobytes()).decode(),
                        "width": width,
                        "height": height,
                        "codec": codec,
                    }
                if count > MAX_PACKETS:
                    break
        except (av.error.FFmpegError, OSError, ValueError):
            pass
    return {
        "ok": False,
        "kind": "codec",
        "message": (
            f"connected, but no frame could be decoded from its {codec} video "
            "(the hub reads H.264, H.265 and the other codecs FFmpeg decodes; check the "
            "camera's encoding settings)"
        ),
    }


def main() -> None:
    """The child: a JSON request on stdin, one JSON answer line on stdout."""
    request = json.loads(sys.stdin.read())
    try:
        answer = _first_frame(str(request["url"]), float(request["timeout_s"]))
    except Exception as exc:  # the answer must be a line of JSON, whatever happened
        answer = {"ok": False, "kind": "failed", "message": type(exc).__name__}
    sys.stdout.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
