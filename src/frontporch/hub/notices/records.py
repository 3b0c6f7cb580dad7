"""What the hub keeps about a legal notice: one plain frozen value per demand.

The community server sends a LEGAL_NOTICE message to every hub of every home whose
owner's account a legal demand named (`protocol.MessageKind.LEGAL_NOTICE`; the body is
described in `intake.NoticeMessage`). The hub checks it against the transparency log
(`intake.check_notice`) and keeps it whether or not the check passed: a notice the log
does not confirm is shown as "not confirmed by the log", with the reason, rather than
dropped, because a notice the owner never sees helps no one.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMAND_KIND_WORDS = {
    "warrant": "A warrant",
    "subpoena": "A subpoena",
    "court_order": "A court order",
    "emergency": "An emergency request",
    "other": "A legal demand",
}
"""How the page names each kind of demand (the legal_demand entry's `kind`)."""


@dataclass(frozen=True, slots=True)
class LegalNoticeRecord:
    """A legal notice as this hub received and checked it.

    `demand` is the demand's id (one notice per demand: a message delivered again
    replaces nothing). `received_on` is the date the operator says the demand arrived
    (YYYY-MM-DD); `scope` and `authority` are the operator's words, shown as sent;
    `server_answer` is what the server says it gave. `log_index` and `notice_index`
    are the `legal_demand` and `owner_notice` entries. Times are Unix seconds;
    `delayed_until` is when a court order let the notice go out (None: not delayed).
    `confirmed` is True only when both entries were proven into the server's log and
    say what the message says; otherwise `problem` says why in words.
    """

    demand: str
    kind: str
    authority: str
    received_on: str
    scope: str
    log_index: int
    notice_index: int
    delayed_until: float | None
    server_answer: str
    received_at: float
    confirmed: bool = False
    problem: str | None = None
    read_at: float | None = None

    @property
    def kind_words(self) -> str:
        """The kind of demand in words ("A warrant")."""
        return DEMAND_KIND_WORDS.get(self.kind, "A legal demand")

    @property
    def unread(self) -> bool:
        """Whether the owner has not yet marked it read."""
        return self.read_at is None
