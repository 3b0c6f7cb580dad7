"""Detector scheduling on a rendered busy street: the same events for less detector work.

The `street` scene (people in nearly every frame, cars both ways) and the `porch` scene
(people pass one at a time, so events start and end) are rendered small and short to
keep CI quick, encoded, and analysed twice with the live pipeline: with the tracker's
re-check interval at its default, and at 0 (the detector looks at all motion in every
frame). Scheduling must find every visit the full run finds, add no event, and move
event boundaries little, while the detector is given fewer and smaller regions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from frontporch import scenes
from frontporch.hub.analysis.offline import Analysis, analyze_file, default_camera, overlaps
from frontporch.hub.config import TrackerConfig

SCENES = {"street": (3, 24.0), "porch": (1, 30.0)}
"""Scene: (seed, seconds)."""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scheduling")
    paths = {}
    for scene, (seed, seconds) in SCENES.items():
        path = folder / f"{scene}.mp4"
        scenes.write_scene(
            scene, path, width=640, height=360, fps=15, duration_s=seconds, seed=seed
        )
        paths[scene] = path
    return paths


def analyse(path: Path, recheck_s: float) -> Analysis:
    camera = default_camera(path)
    camera = camera.model_copy(update={"tracker": TrackerConfig(recheck_s=recheck_s)})
    return analyze_file(path, camera)


def recall(path: Path, analysis: Analysis) -> float:
    truth = scenes.SceneTruth.load(scenes.truth_path(path))
    windows = [(e.start, e.end) for e in analysis.events if e.label == "person"]
    visits = truth.visits_of("person")
    found = [v for v in visits if any(overlaps((v.start, v.end), w) for w in windows)]
    return len(found) / len(visits)


@pytest.mark.parametrize("scene", list(SCENES))
def test_scheduling_keeps_the_events_and_spends_less_on_the_detector(
    rendered: dict[str, Path], scene: str
) -> None:
    path = rendered[scene]
    every_frame = analyse(path, 0.0)
    scheduled = analyse(path, TrackerConfig().recheck_s)
    assert every_frame.events, "people pass: the full run finds them"
    assert recall(path, scheduled) >= recall(path, every_frame)
    # No extra event, and each lines up with one of the full run's.
    assert len(scheduled.events) <= len(every_frame.events)
    for event in scheduled.events:
        twin = [
            e for e in every_frame.events if overlaps((e.start, e.end), (event.start, event.end))
        ]
        assert twin, f"event {event} has no counterpart in the full run"
        assert min(abs(e.start - event.start) for e in twin) <= 1.0
        assert min(abs(e.end - event.end) for e in twin) <= 1.0
    full, less = every_frame.stages, scheduled.stages
    assert less["detector_regions"] < full["detector_regions"]
    assert less["detector_pixels"] < full["detector_pixels"]
    if scene == "street":
        assert less["detector_pixels"] <= 0.75 * full["detector_pixels"]
    assert every_frame.frames_with_motion == scheduled.frames_with_motion


def test_analysis_reports_its_stages(rendered: dict[str, Path]) -> None:
    result = analyse(rendered["street"], TrackerConfig().recheck_s)
    stages = result.stages
    for stage in ("decode", "scale", "motion", "detector", "tracker", "events"):
        assert stages[stage] >= 0
    assert stages["decode"] > 0
    assert stages["motion"] > 0
    assert stages["detector"] > 0
    assert 0 < stages["detector_calls"] <= result.frames_with_motion
    assert stages["detector_regions"] >= stages["detector_calls"]
    assert sum(float(stages[s]) for s in ("decode", "motion", "detector")) <= result.seconds
    assert "stages" in result.to_json()
