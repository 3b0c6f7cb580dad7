"""An ONNX Runtime detector for YOLO models with the YOLOv8 / YOLO11 output layout.

The owner supplies the model and its labels file; nothing is downloaded. The layout
understood is the one Ultralytics exports for v8 and 11 (and others copy):

- input ``[B, 3, S, S]`` float32, RGB, 0..1, the image letterboxed (aspect kept,
  padded with grey 114) to S×S; S is read from the model when static, else from
  the configured `input_size`; a dynamic B lets several regions share one run;
- output ``[B, 4 + nc, N]``: per candidate, box centre x, y, width, height in input
  pixels, then one score per class (no separate objectness); the transposed
  ``[B, N, 4 + nc]`` that some exporters produce is accepted too.

Each motion region is planned square-ish (so letterboxing wastes little of the input),
cropped, letterboxed and run; candidates under a score floor are dropped, duplicates
removed per class, boxes mapped back to frame pixels, and duplicates across
overlapping regions removed last.

Hazards: YOLOv5-style outputs (with an objectness row) have one row too many and are
refused rather than misread; the labels file must list exactly the model's classes,
in order, or every label would be wrong — a count mismatch is refused at load.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from frontporch.hub.analysis.detect.base import Detection, DetectorError
from frontporch.hub.analysis.detect.regions import (
    CropMapping,
    RegionPolicy,
    crop,
    letterbox_mapping,
    nms_indices,
    non_max_suppression,
    plan_regions,
)
from frontporch.hub.analysis.geometry import Box

LETTERBOX_FILL = 114
"""Grey the letterbox is padded with, as in the models' training."""
MAX_BATCH = 8
"""Most regions sent in one run to a model with a dynamic batch size."""
BOX_ROWS = 4

REGION_POLICY = RegionPolicy(
    margin=0.15, min_margin=8.0, join_gap=16.0, min_size=96.0, max_aspect=1.25, max_regions=4
)
"""Regions for a square model input: near-square, not tiny, a handful per frame."""


def read_labels(path: Path) -> list[str]:
    """Class names from a labels file, one per line in class order (trailing blanks ignored)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DetectorError(f"labels file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DetectorError(f"cannot read labels file {path}: {exc}") from None
    names = [line.strip() for line in text.rstrip().splitlines()]
    if not names or names == [""]:
        raise DetectorError(f"labels file {path} is empty; it needs one label per line")
    if "" in names:
        line = names.index("") + 1
        raise DetectorError(
            f"labels file {path} has an empty line {line}; every line up to the last must "
            "name the class with that index"
        )
    return names


class OnnxDetector:
    """Runs a YOLOv8/YOLO11-layout ONNX model on motion regions with ONNX Runtime."""

    def __init__(
        self,
        model: Path,
        labels: Path,
        *,
        input_size: int = 640,
        threads: int = 1,
        score_floor: float = 0.25,
        nms_iou: float = 0.45,
    ) -> None:
        """Load `model` and `labels`; raises DetectorError naming the file at fault.

        `input_size` is used only where the model's input size is dynamic; `threads`
        bounds ONNX Runtime's intra-op threads; candidates scoring under `score_floor`
        are dropped; boxes overlapping more than `nms_iou` are duplicates.
        """
        self.names = read_labels(labels)
        self.labels = frozenset(self.names)
        self.score_floor = score_floor
        self.nms_iou = nms_iou
        self._session = _open_session(model, threads)
        self._model = model
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        if len(inputs) != 1:
            raise DetectorError(
                f"model {model} has {len(inputs)} inputs; expected one image input "
                "(a YOLOv8/YOLO11 export)"
            )
        self._input_name = inputs[0].name
        self._output_name = outputs[0].name
        self._input_width, self._input_height, self._batch = _input_layout(
            model, inputs[0].type, inputs[0].shape, input_size
        )
        # Checked now when the output shape is static, else on the first run.
        self._rows_first = _orientation(model, outputs[0].shape, len(self.names))

    def detect(self, frame: np.ndarray, regions: Sequence[Box]) -> list[Detection]:
        """Objects in the motion `regions` of a BGR `frame`, in frame pixels."""
        height, width = frame.shape[:2]
        planned = plan_regions(regions, width, height, REGION_POLICY)
        prepared = [self._letterbox(frame, region) for region in planned]
        found: list[Detection] = []
        step = self._batch or MAX_BATCH
        for start in range(0, len(prepared), step):
            chunk = prepared[start : start + step]
            batch = np.stack([blob for blob, _ in chunk])
            if self._batch is not None and len(chunk) < self._batch:
                # A static batch size must be filled; the padding's results are ignored.
                filler = np.zeros((self._batch - len(chunk), *batch.shape[1:]), batch.dtype)
                batch = np.concatenate([batch, filler])
            output = self._session.run([self._output_name], {self._input_name: batch})[0]
            for i, (_, mapping) in enumerate(chunk):
                found.extend(self._decode(np.asarray(output)[i], mapping, width, height))
        return non_max_suppression(found, self.nms_iou)

    def _letterbox(self, frame: np.ndarray, region: Box) -> tuple[np.ndarray, CropMapping]:
        pixels, x0, y0 = crop(frame, region)
        crop_height, crop_width = pixels.shape[:2]
        mapping = letterbox_mapping(
            crop_width, crop_height, x0, y0, self._input_width, self._input_height
        )
        new_width = round(crop_width * mapping.scale_x)
        new_height = round(crop_height * mapping.scale_y)
        resized = cv2.resize(
            pixels,
            (new_width, new_height),
            interpolation=cv2.INTER_AREA if mapping.scale_x < 1 else cv2.INTER_LINEAR,
        )
        canvas = np.full((self._input_height, self._input_width, 3), LETTERBOX_FILL, np.uint8)
        px, py = int(mapping.pad_x), int(mapping.pad_y)
        canvas[py : py + new_height, px : px + new_width] = resized
        rgb = cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB)
        return np.ascontiguousarray(rgb.transpose(2, 0, 1), dtype=np.float32) / 255.0, mapping

    def _decode(
        self, output: np.ndarray, mapping: CropMapping, width: int, height: int
    ) -> list[Detection]:
        """Detections, in frame pixels, from one image's output (2-D, either orientation)."""
        rows = BOX_ROWS + len(self.names)
        if self._rows_first is None:  # a dynamic output shape: known from the first result
            self._rows_first = _orientation(self._model, (1, *output.shape), len(self.names))
        candidates = output.T if self._rows_first else output
        if candidates.ndim != 2 or candidates.shape[1] != rows:
            raise DetectorError(
                f"model {self._model} returned shape {list(output.shape)} per image; "
                f"expected [{rows}, N] (4 box rows + {len(self.names)} classes)"
            )
        scores = candidates[:, BOX_ROWS:]
        classes = scores.argmax(axis=1)
        confidence = scores[np.arange(len(classes)), classes]
        keep = confidence >= self.score_floor
        cx, cy, w, h = (candidates[keep, i].astype(np.float64) for i in range(BOX_ROWS))
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
        classes, confidence = classes[keep], confidence[keep].astype(np.float64)
        # Class-wise NMS in one pass: shifting each class by a distinct offset larger than
        # any coordinate makes boxes of different classes never overlap.
        offset = classes[:, None] * (float(np.abs(boxes).max(initial=0.0)) * 2 + 1)
        kept = nms_indices(boxes + offset, confidence, self.nms_iou)
        return [
            Detection(
                self.names[int(classes[i])],
                float(confidence[i]),
                mapping.to_frame(Box(*(float(v) for v in boxes[i]))).clip(width, height),
            )
            for i in kept
        ]


def _open_session(model: Path, threads: int) -> ort.InferenceSession:
    if not model.is_file():
        raise DetectorError(f"model file {model} does not exist")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: ORT's warnings are not the owner's concern
    available = ort.get_available_providers()
    providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
    try:
        return ort.InferenceSession(str(model), sess_options=options, providers=providers)
    except Exception as exc:  # ORT raises a dozen unrelated exception classes
        raise DetectorError(
            f"model file {model} could not be loaded by ONNX Runtime {ort.__version__} "
            f"(corrupt, truncated or not an ONNX model?): {exc}"
        ) from None


def _input_layout(
    model: Path, dtype: str, shape: Sequence[int | str | None], input_size: int
) -> tuple[int, int, int | None]:
    """Input width, height and static batch size (None: dynamic) of an NCHW image input."""
    if dtype != "tensor(float)" or len(shape) != 4 or (isinstance(shape[1], int) and shape[1] != 3):
        raise DetectorError(
            f"model {model} takes a {dtype} input of shape {list(shape)}; expected float32 "
            "[batch, 3, height, width] (a YOLOv8/YOLO11 export)"
        )
    batch, _, height, width = shape
    return (
        width if isinstance(width, int) else input_size,
        height if isinstance(height, int) else input_size,
        batch if isinstance(batch, int) else None,
    )


def _orientation(model: Path, shape: Sequence[int | str | None], classes: int) -> bool | None:
    """Whether the output is [B, 4+nc, N] (True) or [B, N, 4+nc] (False); None: can't tell yet."""
    rows = BOX_ROWS + classes
    if len(shape) != 3:
        raise DetectorError(
            f"model {model} outputs shape {list(shape)}; expected [batch, {rows}, N] "
            f"or [batch, N, {rows}] (a YOLOv8/YOLO11 export)"
        )
    first, second = shape[1], shape[2]
    if first == rows:
        return True
    if second == rows:
        return False
    if isinstance(first, int) and isinstance(second, int):
        raise DetectorError(
            f"model {model} outputs shape {list(shape)}, but its labels file lists {classes} "
            f"classes, which needs {rows} rows (4 box rows + one score per class). Use the "
            "labels file the model was trained with; YOLOv5-style outputs with an objectness "
            "row are not supported"
        )
    return None
