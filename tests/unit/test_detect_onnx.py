"""The ONNX Runtime YOLO detector, against small models built here with onnx.helper.

The "blob" model is a real if tiny detector: it finds the bounding box of the pixels
whose red channel exceeds 0.9 in its input and reports it as one candidate of a chosen
class. Drawing a white rectangle in a frame therefore checks the whole path — region
planning, cropping, letterboxing, decoding and mapping back to frame pixels — against
coordinates we know, without trusting the detector's own mapping code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from frontporch.hub.analysis.detect import (
    DetectorError,
    HogPersonDetector,
    OnnxDetector,
    build_detector,
)
from frontporch.hub.analysis.geometry import Box
from frontporch.hub.config import DetectorConfig

LABELS = ["person", "car", "dog"]
Dim = int | str


def save(graph: onnx.GraphProto, path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def ints(name: str, values: Sequence[int]) -> onnx.TensorProto:
    return helper.make_tensor(name, TensorProto.INT64, [len(values)], list(values))


def blob_model(
    path: Path,
    *,
    classes: int = 3,
    class_index: int = 0,
    batch: Dim = 1,
    size: Dim = 320,
    transposed: bool = False,
    output_shape: Sequence[Dim] | None = None,
) -> Path:
    """A model reporting the bounding box of bright-red pixels as class `class_index`."""
    rows = 4 + classes
    nodes = [
        helper.make_node("Slice", ["images", "c0", "c1", "ax1"], ["red"]),
        helper.make_node("Greater", ["red", "thresh"], ["mask_b"]),
        helper.make_node("Cast", ["mask_b"], ["mask"], to=TensorProto.FLOAT),
        # Profiles over columns and rows: [B, 1, W] and [B, 1, H].
        helper.make_node("ReduceMax", ["mask"], ["cols"], axes=[2], keepdims=0),
        helper.make_node("ReduceMax", ["mask"], ["rows"], axes=[3], keepdims=0),
    ]
    for axis, profile in (("x", "cols"), ("y", "rows")):
        nodes += [
            helper.make_node("ArgMax", [profile], [f"{axis}1_i"], axis=2, keepdims=1),
            helper.make_node(
                "Slice", [profile, "rev_start", "rev_end", "ax2", "minus1"], [f"{profile}_rev"]
            ),
            helper.make_node("ArgMax", [f"{profile}_rev"], [f"{axis}r_i"], axis=2, keepdims=1),
            helper.make_node("Shape", [profile], [f"{profile}_shape"], start=2, end=3),
            helper.make_node("Sub", [f"{profile}_shape", f"{axis}r_i"], [f"{axis}2_i"]),
            helper.make_node("Cast", [f"{axis}1_i"], [f"{axis}1"], to=TensorProto.FLOAT),
            helper.make_node("Cast", [f"{axis}2_i"], [f"{axis}2"], to=TensorProto.FLOAT),
            helper.make_node("Add", [f"{axis}1", f"{axis}2"], [f"{axis}_sum"]),
            helper.make_node("Mul", [f"{axis}_sum", "half"], [f"c{axis}"]),
            helper.make_node("Sub", [f"{axis}2", f"{axis}1"], [f"{axis}_len"]),
        ]
    score_rows = []
    nodes.append(helper.make_node("ReduceMax", ["cols"], ["found"], axes=[2], keepdims=1))
    nodes.append(helper.make_node("Mul", ["found", "zero"], ["nothing"]))
    for c in range(classes):
        score_rows.append("found" if c == class_index else "nothing")
    nodes.append(
        helper.make_node("Concat", ["cx", "cy", "x_len", "y_len", *score_rows], ["pred"], axis=1)
    )
    if transposed:
        nodes.append(helper.make_node("Transpose", ["pred"], ["laid_out"], perm=[0, 2, 1]))
    else:
        nodes.append(helper.make_node("Identity", ["pred"], ["laid_out"]))
    out = "output0"
    if output_shape is None:
        nodes.append(helper.make_node("Identity", ["laid_out"], [out]))
    else:
        # Tiling by ones computed from the pixels hides the output shape from ONNX
        # Runtime's shape inference, as a model with data-dependent outputs would.
        nodes += [
            helper.make_node("ReduceMax", ["images"], ["peak"], keepdims=0),
            helper.make_node("Greater", ["peak", "minus_inf"], ["always"]),
            helper.make_node("Cast", ["always"], ["one"], to=TensorProto.INT64),
            helper.make_node("Reshape", ["one", "c1"], ["one_1d"]),
            helper.make_node("Concat", ["one_1d", "one_1d", "one_1d"], ["repeats"], axis=0),
            helper.make_node("Tile", ["laid_out", "repeats"], [out]),
        ]
    default_shape: list[Dim] = [batch, 1, rows] if transposed else [batch, rows, 1]
    graph = helper.make_graph(
        nodes,
        "blob",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [batch, 3, size, size])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, output_shape or default_shape)],
        initializer=[
            ints("c0", [0]),
            ints("c1", [1]),
            ints("ax1", [1]),
            ints("ax2", [2]),
            ints("rev_start", [-1]),
            ints("rev_end", [-(2**62)]),
            ints("minus1", [-1]),
            helper.make_tensor("thresh", TensorProto.FLOAT, [], [0.9]),
            helper.make_tensor("half", TensorProto.FLOAT, [], [0.5]),
            helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
            helper.make_tensor("minus_inf", TensorProto.FLOAT, [], [-np.inf]),
        ],
    )
    return save(graph, path)


def constant_model(path: Path, candidates: np.ndarray, *, size: int = 320) -> Path:
    """A model whose output is `candidates` ([4 + nc, N]) for every image in the batch."""
    rows, n = candidates.shape
    nodes = [
        helper.make_node("Shape", ["images"], ["batch"], start=0, end=1),
        helper.make_node("Concat", ["batch", "tail"], ["out_shape"], axis=0),
        helper.make_node("Expand", ["const", "out_shape"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "constant",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["b", 3, size, size])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, ["b", rows, n])],
        initializer=[
            ints("tail", [rows, n]),
            helper.make_tensor(
                "const", TensorProto.FLOAT, [1, rows, n], candidates.astype(np.float32).ravel()
            ),
        ],
    )
    return save(graph, path)


@pytest.fixture
def labels(tmp_path: Path) -> Path:
    path = tmp_path / "labels.txt"
    path.write_text("\n".join(LABELS) + "\n\n", encoding="utf-8")
    return path


def frame_with(
    *rects: tuple[int, int, int, int], width: int = 640, height: int = 360
) -> np.ndarray:
    frame = np.full((height, width, 3), 30, np.uint8)
    for x1, y1, x2, y2 in rects:
        frame[y1:y2, x1:x2] = 255
    return frame


def assert_box(actual: Box, expected: tuple[int, int, int, int], tol: float) -> None:
    assert (actual.x1, actual.y1, actual.x2, actual.y2) == pytest.approx(expected, abs=tol)


@pytest.mark.parametrize(
    "rect",
    [
        (300, 150, 340, 230),  # middle, taller than wide: padded left and right
        (0, 0, 30, 12),  # top-left corner, tiny: region slides, crop upscaled
        (560, 300, 640, 360),  # bottom-right corner
        (100, 40, 420, 340),  # larger than the model input: crop downscaled
    ],
)
def test_boxes_map_back_to_frame_pixels(
    tmp_path: Path, labels: Path, rect: tuple[int, int, int, int]
) -> None:
    detector = OnnxDetector(blob_model(tmp_path / "m.onnx"), labels)
    [found] = detector.detect(frame_with(rect), [Box(*rect)])
    assert found.label == "person"
    assert found.score == pytest.approx(1.0)
    # Resampling smears the rectangle's edge by about a frame pixel.
    assert_box(found.box, rect, tol=1.5)


def test_motion_region_offset_from_the_object_still_maps_correctly(
    tmp_path: Path, labels: Path
) -> None:
    detector = OnnxDetector(blob_model(tmp_path / "m.onnx"), labels)
    rect = (200, 100, 240, 180)
    [found] = detector.detect(frame_with(rect), [Box(190, 110, 230, 190)])
    assert_box(found.box, rect, tol=1.5)


def test_the_class_index_picks_the_label(tmp_path: Path, labels: Path) -> None:
    detector = OnnxDetector(blob_model(tmp_path / "m.onnx", class_index=2), labels)
    [found] = detector.detect(frame_with((10, 10, 50, 50)), [Box(10, 10, 50, 50)])
    assert found.label == "dog"
    assert detector.labels == frozenset(LABELS)


def test_no_regions_means_no_inference(tmp_path: Path, labels: Path) -> None:
    detector = OnnxDetector(blob_model(tmp_path / "m.onnx"), labels)
    assert detector.detect(frame_with((10, 10, 50, 50)), []) == []


def test_nothing_found_is_dropped_by_the_score_floor(tmp_path: Path, labels: Path) -> None:
    detector = OnnxDetector(blob_model(tmp_path / "m.onnx"), labels)
    assert detector.detect(frame_with(), [Box(10, 10, 50, 50)]) == []


RECTS = [(20, 20, 60, 100), (300, 200, 350, 260), (560, 40, 620, 90)]


@pytest.mark.parametrize(
    ("batch", "transposed", "output_shape"),
    [
        (1, False, None),  # static batch of one: one run per region
        (2, False, None),  # static batch of two: the last run is padded
        ("batch", False, None),  # dynamic batch: regions share a run
        ("batch", True, None),  # the transposed [B, N, 4 + nc] layout
        ("batch", False, ["b", "rows", "n"]),  # layout only known from the first result
        ("batch", True, ["b", "n", "rows"]),
    ],
)
def test_several_regions_in_every_batch_and_layout(
    tmp_path: Path,
    labels: Path,
    batch: Dim,
    transposed: bool,
    output_shape: list[Dim] | None,
) -> None:
    model = blob_model(
        tmp_path / "m.onnx", batch=batch, transposed=transposed, output_shape=output_shape
    )
    detector = OnnxDetector(model, labels)
    found = detector.detect(frame_with(*RECTS), [Box(*r) for r in RECTS])
    assert len(found) == 3
    for detection, rect in zip(sorted(found, key=lambda d: d.box.x1), RECTS, strict=True):
        assert_box(detection.box, rect, tol=1.5)


def test_dynamic_input_size_comes_from_the_config(tmp_path: Path, labels: Path) -> None:
    model = blob_model(tmp_path / "m.onnx", batch="b", size="s")
    rect = (300, 150, 340, 230)
    for size in (160, 416):
        detector = OnnxDetector(model, labels, input_size=size)
        [found] = detector.detect(frame_with(rect), [Box(*rect)])
        assert_box(found.box, rect, tol=2.5)


def test_decoding_floor_and_classwise_nms(tmp_path: Path, labels: Path) -> None:
    # Columns: cx, cy, w, h, then scores for person, car, dog.
    candidates = np.array(
        [
            [100, 100, 40, 80, 0.90, 0.00, 0.00],  # person
            [102, 100, 40, 80, 0.80, 0.00, 0.00],  # the same person, weaker: suppressed
            [100, 100, 40, 80, 0.00, 0.70, 0.10],  # a car on the same spot: kept
            [250, 100, 20, 20, 0.10, 0.05, 0.20],  # under the score floor
            [250, 200, 20, 20, 0.10, 0.05, 0.60],  # dog
        ],
        dtype=np.float32,
    ).T
    model = constant_model(tmp_path / "m.onnx", candidates)
    detector = OnnxDetector(model, labels)
    # A frame the size of the input with motion everywhere: the region is the whole frame,
    # so input pixels are frame pixels.
    frame = np.zeros((320, 320, 3), np.uint8)
    found = detector.detect(frame, [Box(0, 0, 320, 320)])
    assert [(d.label, round(d.score, 2), d.box) for d in found] == [
        ("person", 0.9, Box(80, 60, 120, 140)),
        ("car", 0.7, Box(80, 60, 120, 140)),
        ("dog", 0.6, Box(240, 190, 260, 210)),
    ]


def test_duplicates_from_overlapping_regions_are_merged(tmp_path: Path, labels: Path) -> None:
    detector = OnnxDetector(blob_model(tmp_path / "m.onnx", batch="b"), labels)
    rect = (300, 150, 340, 230)
    # Regions planned far enough apart not to merge, both containing the whole object.
    detector_regions = [Box(300, 150, 340, 230), Box(300, 150, 340, 230)]
    assert len(detector.detect(frame_with(rect), detector_regions)) == 1


def test_build_detector_picks_the_configured_type(tmp_path: Path, labels: Path) -> None:
    assert isinstance(build_detector(DetectorConfig()), HogPersonDetector)
    model = blob_model(tmp_path / "m.onnx")
    config = DetectorConfig(type="onnx", model=model, labels=labels, threads=2)
    detector = build_detector(config)
    assert isinstance(detector, OnnxDetector)
    assert detector.labels == frozenset(LABELS)


# --- errors a person can act on -------------------------------------------------------


def test_missing_model_file(tmp_path: Path, labels: Path) -> None:
    with pytest.raises(DetectorError, match=r"model file .*nope\.onnx does not exist"):
        OnnxDetector(tmp_path / "nope.onnx", labels)


def test_corrupt_model_file(tmp_path: Path, labels: Path) -> None:
    path = tmp_path / "broken.onnx"
    path.write_bytes(b"\x08\x07this is not a protobuf" * 20)
    with pytest.raises(DetectorError, match=r"broken\.onnx could not be loaded"):
        OnnxDetector(path, labels)


def test_truncated_model_file(tmp_path: Path, labels: Path) -> None:
    path = blob_model(tmp_path / "m.onnx")
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(DetectorError, match=r"m\.onnx could not be loaded"):
        OnnxDetector(path, labels)


def test_missing_labels_file(tmp_path: Path) -> None:
    model = blob_model(tmp_path / "m.onnx")
    with pytest.raises(DetectorError, match=r"labels file .*coco\.txt does not exist"):
        OnnxDetector(model, tmp_path / "coco.txt")


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "is empty"), ("\n \n", "is empty"), ("person\n\ncar\n", "empty line 2")],
)
def test_malformed_labels_file(tmp_path: Path, text: str, message: str) -> None:
    model = blob_model(tmp_path / "m.onnx")
    path = tmp_path / "labels.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DetectorError, match=message):
        OnnxDetector(model, path)


def test_labels_count_not_matching_the_model(tmp_path: Path, labels: Path) -> None:
    model = blob_model(tmp_path / "m.onnx", classes=80)
    with pytest.raises(DetectorError, match=r"m\.onnx outputs shape \[1, 84, 1\].*lists 3 classes"):
        OnnxDetector(model, labels)


def test_labels_count_not_matching_a_dynamic_output(tmp_path: Path, labels: Path) -> None:
    model = blob_model(tmp_path / "m.onnx", classes=80, output_shape=["b", "r", "n"])
    detector = OnnxDetector(model, labels)  # nothing to check until the first result
    with pytest.raises(DetectorError, match=r"lists 3 classes"):
        detector.detect(frame_with((10, 10, 50, 50)), [Box(10, 10, 50, 50)])


def test_unexpected_output_rank(tmp_path: Path, labels: Path) -> None:
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["images"], ["output0"])],
        "flat",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 3 * 32 * 32])],
    )
    with pytest.raises(DetectorError, match=r"outputs shape \[1, 3072\]; expected"):
        OnnxDetector(save(graph, tmp_path / "flat.onnx"), labels)


def test_unexpected_input(tmp_path: Path, labels: Path) -> None:
    graph = helper.make_graph(
        [helper.make_node("Identity", ["images"], ["output0"])],
        "gray",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 1, 7, 32])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 1, 7, 32])],
    )
    with pytest.raises(DetectorError, match=r"gray\.onnx takes .*expected float32"):
        OnnxDetector(save(graph, tmp_path / "gray.onnx"), labels)
