"""Write docs/configuration.md from the hub config models, so the reference cannot drift.

`python -m frontporch.devtools.configdoc` rewrites the file; a unit test fails when the
committed file differs from what the models say.
"""

from __future__ import annotations

import sys
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from frontporch.hub.config import HubConfig

HEADER = """# Hub configuration reference

The hub reads one YAML file (`frontporch hub --config hub.yaml`). Unknown keys are
errors, so a typo never silently falls back to a default. Polygons (zones, motion masks,
privacy masks) are lists of `[x, y]` points relative to the frame: `0..1` of its width
and height, so they stay put when the detect size changes. An annotated example is
`examples/hub.yaml`.

This file is generated from the configuration models
(`python -m frontporch.devtools.configdoc`); a test keeps it current.
"""


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The config model an annotation holds (directly, in a list or as dict values)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _type_name(annotation: Any) -> str:
    if annotation is type(None):
        return "null"
    if isinstance(annotation, type):
        return annotation.__name__
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return " or ".join(_type_name(a) for a in typing.get_args(annotation))
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if origin is not None:
        args = ", ".join(_type_name(a) for a in typing.get_args(annotation))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    return str(annotation).replace("typing.", "")


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
        if isinstance(value, BaseModel):
            return "(see below)"
        return f"`{value!r}`" if value not in ([], {}) else f"`{value}`"
    if field.default is PydanticUndefined:
        return "required"
    value = field.default
    return f"`{getattr(value, 'value', value)!s}`" if value is not None else "none"


def _section(path: str, model: type[BaseModel], out: list[str], seen: set[str]) -> None:
    out.append(f"\n## `{path}`\n")
    if model.__doc__ and model.__doc__ is not BaseModel.__doc__:
        out.append(model.__doc__.strip() + "\n")
    out.append("| key | type | default | meaning |")
    out.append("|---|---|---|---|")
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, field in model.model_fields.items():
        out.append(
            f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} "
            f"| {field.description or ''} |"
        )
        sub = _model_in(field.annotation)
        if sub is not None:
            origin = typing.get_origin(field.annotation)
            suffix = ".<name>" if origin is dict else "[]" if origin is list else ""
            nested.append((f"{path}.{name}{suffix}" if path else f"{name}{suffix}", sub))
    for sub_path, sub in nested:
        if sub_path not in seen:
            seen.add(sub_path)
            _section(sub_path, sub, out, seen)


def render() -> str:
    """The whole reference as Markdown."""
    out = [HEADER]
    _section("", HubConfig, out, set())
    text = "\n".join(out).replace("## ``", "## top level", 1)
    return text.rstrip() + "\n"


def main() -> int:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/configuration.md")
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
