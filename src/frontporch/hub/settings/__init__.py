"""Cameras, zones and masks edited from the web UI and written back to the hub's YAML.

The YAML file stays the source of truth: `editor.py` edits it in place (comments and
order kept, with `yamldoc.py`'s comment-keeping edits), `cameras.py` holds one service
function per owner action (the form's values in `forms.py`, written by `camera_yaml.py`),
`polygons.py` checks drawn polygons, `probe.py` tests a camera URL, and the running
hub applies a saved change with `Hub.apply_config` (`hub/process/apply.py`).
"""
