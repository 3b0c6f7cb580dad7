"""The schema bases every area's request and response bodies derive from.

Request bodies are `Strict`: an unknown field is a 422 naming it, so a typo fails
loudly instead of being ignored. Text never holds NUL (`NO_NUL`), which no database
column can store. Answers that show a row as it is derive from `RowOut`, which reads
the row's attributes of the same names. Every JSON error is `ErrorOut`, and every
router declares the answers it may give with `ERRORS`.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field

# Text may hold any character but NUL, which no database column can store.
NO_NUL = r"^[^\x00]*$"
# One line: what is shown or logged as a name must not start a second one.
SINGLE_LINE = r"^[^\x00\r\n]*$"

Email = Field(min_length=3, max_length=320, pattern=NO_NUL, description="An email address.")
Token = Field(
    min_length=1, max_length=200, pattern=NO_NUL, description="The token from the emailed link."
)


class Strict(BaseModel):
    """Request bodies refuse unknown fields, so typos fail loudly."""

    model_config = ConfigDict(extra="forbid")


class RowOut(BaseModel):
    """An answer made of a stored row's attributes of the same names."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, row: object) -> Self:
        """The answer for `row` (a model instance, or a view with those attributes)."""
        return cls.model_validate(row)


class MessageOut(BaseModel):
    """A request was accepted; `detail` says what happens next."""

    status: str
    detail: str


class ErrorOut(BaseModel):
    """Every error answer: what went wrong, what to do, and the field at fault if any."""

    error: str
    detail: str
    field: str | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in (
        (400, "Impossible request"),
        (401, "Not signed in, or wrong credentials"),
        (403, "Not allowed"),
        (404, "Not found"),
        (409, "Conflict with the current state"),
        (422, "Invalid input; `field` names it"),
        (429, "Rate-limited; see Retry-After"),
    )
}
