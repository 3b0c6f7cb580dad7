"""Sharing an event with the Neighbors feed: whether it may be shared, and sharing it once.

`share_event` is what the event page's form and `POST /api/events/{id}/publish` both
call. It takes the person's `Confirmation` for sharing (`people/confirm.py`: their
password or a passkey, the check a release makes too) and refuses one made for anything
else, or too old, before anything is rendered or uploaded. An event may be shared once
it has ended and while its camera is in the configuration (without it, the camera's
privacy masks are unknown); the hub must be paired. The media is rendered with the masks
burned in and uploaded (`community/publish.py`), then the post is recorded in the store,
so asking again answers with the same post and uploads nothing.

Publishing re-encodes the clip, which takes seconds. One lock per hub process makes a
second click wait for the first, which has recorded the post by then, so the event is
not uploaded twice (the server's `client_ref` idempotency is the backstop).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from frontporch.hub.community.link import LinkError, NotPaired, ServerLink
from frontporch.hub.community.publish import (
    PAIR_HINT,
    EventFootage,
    MediaChoice,
    PostDraft,
    publish_event,
)
from frontporch.hub.config import CameraConfig, HubConfig
from frontporch.hub.people.confirm import ConfirmAction, Confirmation, check_confirmation
from frontporch.hub.ports import EventRecord, HubRuntime, PublicationRecord, StorePort
from frontporch.hub.store.records import UnknownEventError
from frontporch.hub.store.snapshots import public_source

_publishing = threading.Lock()


class ShareRefused(Exception):
    """The event cannot be shared now: `error` says what in a few words, the message why
    and what to do."""

    def __init__(self, error: str, detail: str) -> None:
        super().__init__(detail)
        self.error = error


def camera_of(config: HubConfig, event: EventRecord) -> CameraConfig | None:
    """The configuration of the event's camera, or None if it was removed since."""
    return config.cameras.get(event.camera)


def camera_unknown(event: EventRecord) -> str:
    """Why an event whose camera left the configuration cannot be shared."""
    return (
        f"The camera {event.camera!r} is no longer in the hub's configuration, so its "
        "privacy masks are unknown and this event cannot be shared."
    )


def why_not_shareable(config: HubConfig, event: EventRecord) -> str | None:
    """Why this event cannot be shared yet, or None if it can."""
    if event.end is None:
        return "This event is still going on; it can be shared once it has ended."
    if camera_of(config, event) is None:
        return camera_unknown(event)
    return None


def _paired_link(config: HubConfig) -> ServerLink:
    try:
        return ServerLink.load(config.storage.path)
    except NotPaired:
        raise ShareRefused(
            "not paired", f"This hub is not paired with a community server; run `{PAIR_HINT}`."
        ) from None
    except LinkError as exc:
        raise ShareRefused("server link unreadable", str(exc)) from None


def share_event(
    store: StorePort,
    runtime: HubRuntime,
    config: HubConfig,
    event_id: str,
    draft: PostDraft,
    choice: MediaChoice,
    clock: Callable[[], float],
    confirmation: Confirmation,
    keep_audio: bool = False,
) -> tuple[PublicationRecord, bool]:
    """Publish an event (once): (the post's record, whether it was published just now).

    `confirmation` is the person's, for sharing: `NotConfirmed` otherwise, before
    anything else. `runtime` gives the event's clip and snapshot. Raises
    `UnknownEventError` for an event that does not exist (or was deleted while it was
    being shared),
    `ShareRefused` when the event cannot be shared or the hub is not paired, and any
    `PublishError` from rendering or uploading.
    """
    check_confirmation(confirmation, ConfirmAction.share, clock())
    with _publishing:
        existing = store.get_publication(event_id)
        if existing is not None:
            return existing, False
        event = store.get_event(event_id)
        if event is None:
            raise UnknownEventError(f"No event {event_id!r}; it may have been deleted.")
        blocked = why_not_shareable(config, event)
        if blocked is not None:
            raise ShareRefused("cannot share this event", blocked)
        camera = camera_of(config, event)
        assert camera is not None  # why_not_shareable checked it
        link = _paired_link(config)
        snapshot = runtime.snapshot_path(event.id)
        footage = EventFootage(
            event_id=event.id,
            masks=list(camera.privacy_masks),
            clip=lambda: runtime.clip_path(event.id),
            snapshot=public_source(snapshot) if snapshot is not None else None,
        )
        published = publish_event(
            link,
            footage,
            draft,
            choice=choice,
            workdir=config.storage.path,
            keep_audio=keep_audio,  # the recorded sound leaves only if the owner keeps it
        )
        try:
            record = store.record_publication(
                event.id,
                post_id=published.post_id,
                url=published.url,
                media=published.media,
                category=draft.category.value,
                title=draft.title,
                now=clock(),
            )
        except UnknownEventError:
            raise UnknownEventError(
                f"The event was deleted while it was being shared; the post is at {published.url}"
            ) from None
    return record, True
