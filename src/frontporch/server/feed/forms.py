"""The feed pages' forms: read a form through the same request models as the JSON API
(so the limits are the API's), and turn what is wrong into one message per field, shown
next to that field.

Server-side validation is the truth; the pages' `maxlength` and `required` attributes
only save a round trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Form
from pydantic import BaseModel, ValidationError

from frontporch.server.errors import ServerError
from frontporch.server.kit.schemas import NO_NUL

M = TypeVar("M", bound=BaseModel)

# What a form field may carry at most; the request models set the real limits.
FormText = Annotated[str, Form(max_length=20_000, pattern=NO_NUL)]
FormShort = Annotated[str, Form(max_length=200, pattern=NO_NUL)]

FIELD_NAMES = {
    "category": "category",
    "title": "title",
    "body": "text",
    "reason": "reason",
    "home_id": "home",
    "latitude": "latitude",
    "longitude": "longitude",
}
# Messages for what people can get wrong, by (field, pydantic error type).
MESSAGES = {
    ("category", "missing"): "Choose a category.",
    ("category", "enum"): "Choose one of the categories.",
    ("title", "string_pattern_mismatch"): "Keep the title on one line.",
    ("home_id", "uuid_parsing"): "Choose one of your homes.",
    ("home_id", "uuid_type"): "Choose one of your homes.",
    ("latitude", "float_parsing"): "Give the latitude as a number of degrees, e.g. 41.8781.",
    ("longitude", "float_parsing"): "Give the longitude as a number of degrees, e.g. -87.6298.",
}


@dataclass
class FormErrors(Exception):
    """What is wrong with a form: a message per field, and any that fit no field."""

    fields: dict[str, str] = field(default_factory=dict)
    general: str | None = None
    status: int = 422
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, error: ServerError) -> FormErrors:
        """A service's error, next to its field if it names one of the form's."""
        if error.field:
            return cls({error.field: error.detail}, status=error.status, headers=error.headers)
        return cls(general=error.detail, status=error.status, headers=error.headers)

    @classmethod
    def of_any(cls, error: FormErrors | ServerError) -> FormErrors:
        """What is wrong, whether the form's model or the service found it."""
        return error if isinstance(error, FormErrors) else cls.of(error)

    def message(self, fallback: str = "Check the form.") -> str:
        """One message for a form of one field: the general one, else the first."""
        return self.general or next(iter(self.fields.values()), fallback)


def _message(name: str, error: Any) -> str:
    kind = str(error.get("type", ""))
    known = MESSAGES.get((name, kind))
    if known:
        return known
    context = error.get("ctx") or {}
    what = FIELD_NAMES.get(name, name)
    if kind in ("missing", "string_too_short"):
        return f"Write a {what}." if name != "body" else "Write something."
    if kind == "string_too_long":
        given = error.get("input")
        length = f" (this one has {len(given)})" if isinstance(given, str) else ""
        return f"Keep the {what} to {context.get('max_length')} characters{length}."
    if kind == "string_pattern_mismatch":
        return f"The {what} cannot contain control characters."
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"The {what} must be between {_bounds(name)}."
    return f"Check the {what}: {error.get('msg', 'invalid')}."


def _bounds(name: str) -> str:
    return "-90 and 90" if name == "latitude" else "-180 and 180"


def parse(model: type[M], values: dict[str, Any]) -> M:
    """`values` read through `model`; FormErrors (422) naming each field at fault."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        errors = FormErrors()
        for error in exc.errors():
            location = [str(part) for part in error.get("loc", ())]
            if location:
                errors.fields.setdefault(location[0], _message(location[0], error))
            else:  # the whole model (latitude and longitude go together)
                message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
                errors.fields.setdefault("latitude", message[:1].upper() + message[1:] + ".")
        raise errors from None
