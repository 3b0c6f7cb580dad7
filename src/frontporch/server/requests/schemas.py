"""Request and response bodies of footage requests and the request policy."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from frontporch.server.evidence.queries import ReleaseView
from frontporch.server.kit.schemas import NO_NUL, Strict
from frontporch.server.requests import area as areas
from frontporch.server.requests.models import RequestPolicyRow
from frontporch.server.requests.policy import HARD_LIMITS, RequestPolicy, policy_sha256, summary
from frontporch.server.requests.views import RequestDetail, RequestView

LatLngIn = Annotated[
    tuple[float, float], Field(description="[latitude, longitude] in decimal degrees.")
]


class PolygonIn(Strict):
    type: Literal["polygon"]
    # At least three corners: checked by `area.polygon`, which names the field `area.points`.
    points: list[LatLngIn] = Field(
        max_length=areas.MAX_POINTS + 1, description="The corners, in order."
    )


class CircleIn(Strict):
    type: Literal["circle"]
    center: LatLngIn
    radius_m: int = Field(ge=1, le=areas.MAX_RADIUS_M, description="Radius in metres.")


AreaIn = Annotated[PolygonIn | CircleIn, Field(discriminator="type")]


def area_of(body: PolygonIn | CircleIn) -> areas.Area:
    """The area a body describes; AreaError naming the field if it cannot be used."""
    if isinstance(body, CircleIn):
        return areas.circle(body.center, body.radius_m)
    return areas.polygon(body.points)


class FilingIn(Strict):
    # The bounds here leave room for surrounding whitespace, which is trimmed; the
    # trimmed text is held to the limits each description states (service.py).
    case_number: str = Field(
        min_length=1,
        max_length=200,
        pattern=NO_NUL,
        description="The agency's case number: at most 100 characters once trimmed.",
    )
    incident: str = Field(max_length=48, description="One of the incident words, e.g. burglary.")
    description: str = Field(
        min_length=1,
        max_length=8000,
        pattern=NO_NUL,
        description="What happened and what footage would help: at most 4000 characters once "
        "trimmed; shown to owners exactly as written.",
    )
    contact: str = Field(
        min_length=1,
        max_length=400,
        pattern=NO_NUL,
        description="Who owners may contact: at most 320 characters once trimmed.",
    )
    area: AreaIn
    window_start: AwareDatetime
    window_end: AwareDatetime
    expires_at: AwareDatetime
    attestation: bool = Field(
        description="true: the request does not target lawful protest or other protected "
        "activity. Required."
    )


class ReleaseOut(BaseModel):
    release: uuid.UUID
    hub_fingerprint: str
    log_index: int
    clips: int
    ciphertext_bytes: int
    released_at: datetime
    complete: bool
    deleted_at: datetime | None

    @classmethod
    def of(cls, view: ReleaseView) -> ReleaseOut:
        return cls.model_validate(asdict(view))


class RequestOut(BaseModel):
    id: uuid.UUID
    status: str
    case_number: str
    incident: str
    incident_label: str
    description: str
    contact: str
    area: dict[str, Any]
    cells: list[str]
    window_start: datetime
    window_end: datetime
    expires_at: datetime
    filed_at: datetime
    closed_at: datetime | None
    filed_index: int
    log_entry_url: str
    registration_index: int
    closed_index: int | None
    post_url: str | None
    homes_notified: int | None = Field(description="Null when fewer than homes_notified_below.")
    homes_notified_below: int | None = Field(description="k, when the count is not shown.")
    releases: int
    clips: int
    ciphertext_bytes: int
    evidence_deleted: bool

    @classmethod
    def of(cls, view: RequestView) -> RequestOut:
        return cls(
            id=view.id,
            status=view.status,
            case_number=view.case_number,
            incident=view.incident,
            incident_label=view.incident_label,
            description=view.description,
            contact=view.contact,
            area=view.area,
            cells=view.cells,
            window_start=view.window_start,
            window_end=view.window_end,
            expires_at=view.expires_at,
            filed_at=view.filed_at,
            closed_at=view.closed_at,
            filed_index=view.filed_index,
            log_entry_url=f"/transparency/entries/{view.filed_index}",
            registration_index=view.registration_index,
            closed_index=view.closed_index,
            post_url=f"/posts/{view.post_id}" if view.post_id else None,
            homes_notified=view.homes_notified,
            homes_notified_below=view.homes_notified_below,
            releases=view.releases.releases,
            clips=view.releases.clips,
            ciphertext_bytes=view.releases.ciphertext_bytes,
            evidence_deleted=view.releases.deleted,
        )


class RequestDetailOut(RequestOut):
    release_list: list[ReleaseOut]
    evidence_url: str

    @classmethod
    def of_detail(cls, detail: RequestDetail) -> RequestDetailOut:
        return cls(
            **RequestOut.of(detail.request).model_dump(),
            release_list=[ReleaseOut.of(r) for r in detail.releases],
            evidence_url=f"/agency/requests/{detail.request.id}/evidence.zip",
        )


class PolicyIn(Strict):
    max_area_sq_mi: float | None = Field(default=None, description="Square miles, 3 decimals.")
    max_window_hours: int | None = None
    retention_days: int | None = None
    max_expiry_days: int | None = None
    max_open_requests: int | None = None
    k_threshold: int | None = None
    download_window_days: int | None = None

    def applied_to(self, policy: RequestPolicy) -> RequestPolicy:
        """`policy` with the values given here (the others unchanged)."""
        given = {k: v for k, v in self.model_dump().items() if v is not None}
        return RequestPolicy(**{**asdict(policy), **given})


class BoundOut(BaseModel):
    minimum: float
    maximum: float
    unit: str
    label: str


class PolicyOut(BaseModel):
    max_area_sq_mi: float
    max_window_hours: int
    retention_days: int
    max_expiry_days: int
    max_open_requests: int
    k_threshold: int
    download_window_days: int
    policy_sha256: str
    summary: str
    log_index: int | None = Field(description="The policy_changed entry; null: the defaults.")
    changed_at: datetime | None
    hard_limits: dict[str, BoundOut]

    @classmethod
    def of(cls, policy: RequestPolicy, row: RequestPolicyRow | None) -> PolicyOut:
        return cls(
            **asdict(policy),
            policy_sha256=policy_sha256(policy),
            summary=summary(policy),
            log_index=row.log_index if row else None,
            changed_at=row.changed_at if row else None,
            hard_limits={k: BoundOut(**asdict(b)) for k, b in HARD_LIMITS.items()},
        )
