"""Helpers for the settings tests: a hand-written hub YAML (comments, blank lines, odd
key order, unrelated keys, two indentation habits kept apart) and a holder like the web
layer's."""

from __future__ import annotations

from pathlib import Path

from frontporch.hub.config import HubConfig, load_config

HAND_WRITTEN = """\
# Frontporch hub, written by hand. Keep this comment!

web:   # the UI
  port: 5099
  host: 127.0.0.1

storage:
  min_free_gb: 0          # a test disk: delete nothing for space
  path: {storage}

# Unrelated sections stay exactly as written.
requests:
  max_window_hours: 12    # we answer short windows only
  incidents: [burglary, hit_and_run]

cameras:

  # The porch camera, mounted 2019.
  front:
    record:
      retain:
        all_days: 2     # two days of everything
        motion_days: 7
        event_days: 30
    inputs:
      - url: "rtsp://admin:s3cret@10.0.0.5:554/stream1"   # main stream
        timeout_s: 5.0
        roles: [record, detect]
    detect:
      fps: 5
      width: 640
      height: 360
    zones:
      path:
        polygon:
          - [0.1, 0.5]
          - [0.4, 0.5]
          - [0.4, 0.9]

  # The back yard; loops a file while the real camera is away.
  back:
    name: 'Back yard'
    inputs:
      - url: {video}
        loop: yes

# The end of the file.
"""


def write_hand_written(folder: Path, video: str = "/videos/back.mp4") -> Path:
    path = folder / "hub.yaml"
    path.write_text(HAND_WRITTEN.format(storage=folder / "data", video=video), encoding="utf-8")
    path.chmod(0o640)
    return path


class Holder:
    """The web layer's ConfigHolder, in a test: the config now and its file."""

    def __init__(self, path: Path | None, config: HubConfig | None = None) -> None:
        assert path is not None or config is not None
        self.path = path
        self.config = config if config is not None else load_config(path)  # type: ignore[arg-type]

    def replace(self, config: HubConfig) -> None:
        self.config = config


def untouched(before: str, after: str, changed: set[int]) -> list[tuple[str, str]]:
    """Pairs of lines that differ, outside the lines a change was allowed to touch
    (`changed`: 0-based line numbers of `before`), after removing inserted lines."""
    import difflib

    a, b = before.splitlines(), after.splitlines()
    problems = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            for i in range(i1, i2):
                if i not in changed:
                    problems.append((a[i], "\n".join(b[j1:j2])))
    return problems


def inserted(before: str, after: str) -> list[str]:
    """The lines of `after` that are new (inserted or replacing), in order."""
    import difflib

    a, b = before.splitlines(), after.splitlines()
    lines: list[str] = []
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            lines.extend(b[j1:j2])
    return lines
