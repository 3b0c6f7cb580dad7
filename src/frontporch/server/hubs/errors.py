"""Errors of the hubs area; each tells the hub's owner (or the hub's program) what to do."""

from __future__ import annotations

from frontporch.server.errors import BadRequest, Conflict, NotFound, ServerError

NEW_CODE = "Ask for a new code on the home's page and run `frontporch hub pair` again."


class HubError(ServerError):
    """Base of the hubs area's errors."""


class HubNotFound(HubError, NotFound):
    """No such hub in this home (or the home is not the caller's)."""

    def __init__(self) -> None:
        super().__init__("hub not found", "No hub with this id is paired with this home.")


class PairingCodeRejected(HubError, BadRequest):
    """The pairing code is unknown, expired or already used (the message says which)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, NEW_CODE, field="code")


class BadSignature(HubError, BadRequest):
    """The pairing request's signature does not verify for the given key and origin."""

    def __init__(self, origin: str) -> None:
        super().__init__(
            "signature does not verify",
            "The request must be signed with the hub's Ed25519 key over the pairing message "
            f"for this server's origin ({origin}); run `frontporch hub pair --server {origin}`.",
            field="signature",
        )


class BadHubKey(HubError, BadRequest):
    """A public key or age recipient that is malformed."""

    def __init__(self, detail: str, field: str) -> None:
        super().__init__("invalid hub key", detail, field=field)


class AlreadyPaired(HubError, Conflict):
    """This hub's key is already paired (with this or another home)."""

    def __init__(self) -> None:
        super().__init__(
            "hub already paired",
            "This hub is already paired with a home. Run `frontporch hub unpair` (or revoke it "
            "on its home's page) first.",
            field="public_key",
        )


class HubCredentialRequired(HubError):
    """A hub endpoint called without a valid hub credential."""

    status = 401

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(
            "hub credential required",
            detail
            or "Hub endpoints take 'Authorization: Bearer fph_…', the credential a hub "
            "receives when it pairs (`frontporch hub pair`); user sign-ins do not work here.",
            headers={"WWW-Authenticate": 'Bearer realm="frontporch-hub"'},
        )
