"""The YAML round trip: a hand-written file edited through the settings service keeps
every comment, blank line, unrelated key and quoting byte for byte; a stale version or
an invalid result writes nothing; the write is atomic and keeps the file's mode."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

import pytest

from frontporch.hub.config import ConfigError, load_config
from frontporch.hub.settings.cameras import CameraSettings, SettingsError
from frontporch.hub.settings.editor import ConfigConflict, ConfigEditor, guess_indent, version_of
from frontporch.hub.settings.forms import CameraAreas, ZoneArea, form_of
from settings_tools import Holder, inserted, untouched, write_hand_written


def _service(tmp_path: Path) -> tuple[Path, CameraSettings]:
    path = write_hand_written(tmp_path)
    return path, CameraSettings(Holder(path))


def test_adding_a_zone_and_renaming_a_camera_keeps_every_other_byte(tmp_path: Path) -> None:
    path, service = _service(tmp_path)
    before = path.read_text(encoding="utf-8")
    version = service.version()
    assert version == version_of(path.read_bytes())
    areas = CameraAreas(
        zones=[
            ZoneArea("path", [(0.1, 0.5), (0.4, 0.5), (0.4, 0.9)]),
            ZoneArea("step", [(0.5, 0.5), (0.7, 0.5), (0.7, 0.8)], required=True),
        ]
    )
    saved = service.set_areas(version, "front", areas)
    renamed = replace(form_of(saved.config.cameras["back"]), name="Yard")
    service.edit_camera(saved.version, "back", renamed)
    after = path.read_text(encoding="utf-8")
    name_line = before.splitlines().index("    name: 'Back yard'")
    assert untouched(before, after, {name_line}) == []
    assert "    name: 'Yard'" in after
    # Inserted lines are only the new zone and the required zone, in the file's style.
    assert inserted(before, after) == [
        "      step:",
        "        polygon:",
        "          - [0.5, 0.5]",
        "          - [0.7, 0.5]",
        "          - [0.7, 0.8]",
        "    events:",
        "      required_zones: [step]",
        "    name: 'Yard'",
    ]
    config = load_config(path)
    assert config.cameras["front"].events.required_zones == ["step"]
    assert config.cameras["back"].name == "Yard"
    assert config.cameras["front"].inputs[0].url == "rtsp://admin:s3cret@10.0.0.5:554/stream1"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hub.yaml"]  # no temp file left


def test_a_stale_version_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    path, service = _service(tmp_path)
    version = service.version()
    assert version is not None
    first = service.set_enabled(version, "back", False)  # the first owner saves
    on_disk = path.read_bytes()
    with pytest.raises(ConfigConflict, match="someone else changed the configuration"):
        service.set_enabled(version, "front", False)  # the second owner, from an old page
    assert path.read_bytes() == on_disk
    assert load_config(path).cameras["front"].enabled is True
    assert first.config.cameras["back"].enabled is False


def test_an_invalid_result_is_refused_with_the_field_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    path = write_hand_written(tmp_path)
    before = path.read_bytes()
    editor = ConfigEditor(path)
    _, version = editor.current()

    def bad(doc: object) -> None:
        doc["cameras"]["front"]["detect"]["fps"] = 99  # type: ignore[index]

    with pytest.raises(ConfigError, match=r"cameras\.front\.detect\.fps"):
        editor.update(version, bad)
    assert path.read_bytes() == before


def test_removing_a_camera_keeps_the_comments_around_it(tmp_path: Path) -> None:
    path, service = _service(tmp_path)
    version = service.version()
    assert version is not None
    service.remove_camera(version, "back")
    text = path.read_text(encoding="utf-8")
    assert "back:" not in text
    assert "# The end of the file." in text
    assert "# The porch camera, mounted 2019." in text
    assert set(load_config(path).cameras) == {"front"}


def test_indentation_is_guessed_from_the_file() -> None:
    assert guess_indent("a:\n  b:\n    - 1\n") == (2, 2)
    assert guess_indent("a:\n    b: 1\n    c:\n    - 1\n") == (4, 0)
    assert guess_indent("a: 1\n") == (2, 0)


def test_a_hidden_password_left_in_a_changed_address_is_refused(tmp_path: Path) -> None:
    path, service = _service(tmp_path)
    version = service.version()
    assert version is not None
    before = path.read_bytes()
    current = form_of(service.holder.config.cameras["front"])
    assert current.record_url == "rtsp://***@10.0.0.5:554/stream1"
    moved = replace(current, record_url="rtsp://***@10.0.0.6:554/stream1")
    with pytest.raises(SettingsError, match="still shows \\*\\*\\* where a password was hidden"):
        service.edit_camera(version, "front", moved)
    with pytest.raises(SettingsError, match="still shows"):
        service.add_camera(version, "copy", replace(current, name=None))
    assert path.read_bytes() == before


def test_two_saves_at_the_same_moment_one_wins_the_other_is_refused(tmp_path: Path) -> None:
    import threading

    path = write_hand_written(tmp_path)
    editor = ConfigEditor(path)
    _, version = editor.current()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def save(name: str) -> None:
        def change(doc: object) -> None:
            doc["cameras"]["back"]["name"] = name  # type: ignore[index]

        start.wait()
        try:
            editor.update(version, change)
            outcomes.append(name)
        except ConfigConflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=save, args=(n,)) for n in ("Garden", "Patio")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("refused") == 1
    winner = next(o for o in outcomes if o != "refused")
    assert load_config(path).cameras["back"].name == winner
