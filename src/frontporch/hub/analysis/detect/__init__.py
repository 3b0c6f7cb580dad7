"""Object detection on motion regions: the `Detector` interface and the detectors we ship.

`build_detector` is the one place that turns the `detector:` section of the hub's
configuration into a detector: the built-in HOG person detector (offline, no files)
or an ONNX Runtime detector for a YOLO model the owner supplies. Building one per
camera is expected: detectors keep per-instance state (an OpenCV HOG object, an ONNX
Runtime session) and are not meant to be shared between threads.
"""

from __future__ import annotations

from frontporch.hub.analysis.detect.base import Detection, Detector, DetectorError
from frontporch.hub.analysis.detect.hog import HogPersonDetector
from frontporch.hub.analysis.detect.onnx import OnnxDetector
from frontporch.hub.config import DetectorConfig, DetectorType

__all__ = [
    "Detection",
    "Detector",
    "DetectorError",
    "HogPersonDetector",
    "OnnxDetector",
    "build_detector",
]


def build_detector(config: DetectorConfig) -> Detector:
    """The detector `config` describes; raises DetectorError if its files are unusable."""
    if config.type == DetectorType.onnx:
        if config.model is None or config.labels is None:  # the config's validator prevents it
            raise DetectorError("an 'onnx' detector needs both 'model' and 'labels' files")
        return OnnxDetector(
            config.model, config.labels, input_size=config.input_size, threads=config.threads
        )
    return HogPersonDetector()
