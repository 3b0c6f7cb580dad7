"""Detection against ground truth on generated scenes, through real H.264 files.

The acceptance bar: at least 95% of people's visits overlap an event labelled person,
and lighting changes, sensor noise and swaying foliage alone produce no event. Scenes
are rendered at the demo's size (1280x720, 15 fps, 60 s), encoded with libx264 and
analysed with the same pipeline the live hub runs, at its default settings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from frontporch import scenes
from frontporch.hub.analysis.offline import analyze_file, overlaps

pytestmark = pytest.mark.slow

PEOPLE_SCENES = [("porch", 1), ("porch", 2), ("night", 1), ("night", 2), ("driveway", 1)]
EMPTY_SCENES = [("lighting", 1), ("foliage", 1), ("lighting", 2)]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], Path]:
    folder = tmp_path_factory.mktemp("scenes")
    out = {}
    for scene, seed in PEOPLE_SCENES + EMPTY_SCENES:
        path = folder / f"{scene}-{seed}.mp4"
        scenes.write_scene(scene, path, width=1280, height=720, fps=15, duration_s=60, seed=seed)
        out[(scene, seed)] = path
    return out


def test_people_visits_overlap_person_events(rendered: dict[tuple[str, int], Path]) -> None:
    found, missed = 0, []
    for key in PEOPLE_SCENES:
        path = rendered[key]
        truth = scenes.SceneTruth.load(scenes.truth_path(path))
        events = [(e.start, e.end) for e in analyze_file(path).events if e.label == "person"]
        for visit in truth.visits_of("person"):
            if any(overlaps((visit.start, visit.end), window) for window in events):
                found += 1
            else:
                missed.append((key, visit))
    total = found + len(missed)
    assert total >= 25, "the scenes should hold enough visits for the rate to mean something"
    assert found / total >= 0.95, f"{found}/{total} visits found; missed: {missed}"


@pytest.mark.parametrize("key", EMPTY_SCENES, ids=lambda k: f"{k[0]}-{k[1]}")
def test_lighting_noise_and_foliage_alone_make_no_event(
    rendered: dict[tuple[str, int], Path], key: tuple[str, int]
) -> None:
    result = analyze_file(rendered[key])
    assert result.frames_analyzed == 300
    assert result.events == []


def test_analyze_command_prints_one_json_object(rendered: dict[tuple[str, int], Path]) -> None:
    path = rendered[("porch", 1)]
    done = subprocess.run(
        [sys.executable, "-m", "frontporch.cli", "analyze", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout)
    assert report["frames_decoded"] == 900
    assert report["frames_analyzed"] == 300
    assert report["seconds"] > 0
    assert report["events"], "the porch scene has people in it"
    for event in report["events"]:
        assert set(event) >= {"label", "start", "end", "score", "zones"}
        assert 0 <= event["start"] <= event["end"] <= 60
        assert 0 < event["score"] <= 1
