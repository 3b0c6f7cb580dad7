"""An RTSP camera is asked for its audio track only when its sound is recorded."""

from __future__ import annotations

from frontporch.hub.capture.camera import input_options
from frontporch.hub.config import InputConfig
from frontporch.hub.live.config import LiveConfig, LiveMasks


def test_rtsp_sets_up_audio_only_when_recorded() -> None:
    cfg = InputConfig(url="rtsp://camera.local/stream")
    assert input_options(cfg)["allowed_media_types"] == "video"
    assert "allowed_media_types" not in input_options(cfg, audio=True)
    assert input_options(cfg, audio=True)["rtsp_transport"] == "tcp"


def test_a_plain_off_in_yaml_is_the_off_mode() -> None:
    # YAML 1.1 loaders read `privacy_masks: off` as false.
    assert LiveConfig.model_validate({"privacy_masks": False}).privacy_masks is LiveMasks.off
    assert LiveConfig.model_validate({"privacy_masks": "mjpeg"}).privacy_masks is LiveMasks.mjpeg
