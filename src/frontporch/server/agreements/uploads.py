"""The HTTP shell of publishing an agreement: a multipart/form-data body with the text
fields and the PDF as `document`.

The body is refused past the document cap (`agreement_max_document_bytes`, 413 naming
`document`) while it arrives when the caller sends `X-CSRF-Token`; a browser's form,
which the guards' CSRF check has read already, is capped by its Content-Length and its
spooled size. The parser spools the file to disk, never all of it in memory. The
document must start with the PDF magic (`%PDF-`). It is then hashed a chunk at a time
and copied into the blob store, outside any database transaction; the row and its log
entry follow in a short transaction, and if that fails the blob is removed again.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message

from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.agreements.errors import DocumentTooLarge, InvalidAgreement, NotAPdf
from frontporch.server.agreements.errors import NotMultipart as NotMultipartError
from frontporch.server.agreements.schemas import AgreementForm
from frontporch.server.agreements.service import AgreementService, StoredDocument
from frontporch.server.agreements.views import AgreementView
from frontporch.server.blobs import CHUNK, BlobError
from frontporch.server.context import ServerContext
from frontporch.server.errors import ServerError
from frontporch.server.transparency.keys import LogKeys

log = logging.getLogger(__name__)

DOCUMENT_FIELD = "document"
TEXT_FIELDS = ("title", "kind", "agency_id", "parties", "starts", "ends")
FORM_FIELDS = (*TEXT_FIELDS, DOCUMENT_FIELD, "csrf_token")
FORM_ROOM = 64 * 1024  # the text fields and the multipart framing
PDF_MAGIC = b"%PDF-"


class StorageUnavailable(ServerError):
    """The blob store could not take the document."""

    status = 503

    def __init__(self) -> None:
        super().__init__(
            "storage unavailable",
            "The document could not be stored just now; nothing was published. Try again.",
            field=DOCUMENT_FIELD,
        )


@dataclass(frozen=True)
class AgreementUpload:
    """A checked upload: the text fields and the spooled PDF."""

    form: AgreementForm
    document: BinaryIO
    size: int


def _text_fields(raw: dict[str, Any]) -> AgreementForm:
    texts = {name: value for name, value in raw.items() if name in TEXT_FIELDS}
    if texts.get("ends") == "":
        texts["ends"] = None
    try:
        return AgreementForm.model_validate(texts)
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        raise RequestValidationError(errors) from None


@asynccontextmanager
async def received_agreement(request: Request, max_bytes: int) -> AsyncIterator[AgreementUpload]:
    """The agreement in a multipart/form-data request, checked, while the block runs (its
    spooled file removed after)."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise NotMultipartError()
    limit = max_bytes + FORM_ROOM
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise DocumentTooLarge(max_bytes)
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise DocumentTooLarge(max_bytes)
        return message

    try:
        if request.headers.get("x-csrf-token"):
            form = await Request(request.scope, counted).form(
                max_files=1, max_fields=len(FORM_FIELDS), max_part_size=FORM_ROOM
            )
        else:
            # A form without the X-CSRF-Token header (a browser's) was read already, by
            # the guards' CSRF check (`web.csrf.submitted_csrf`): this is that form, kept
            # on the request. Its size was capped by Content-Length above and is checked
            # again below.
            form = await request.form()
    except StarletteHTTPException as exc:
        raise InvalidAgreement(DOCUMENT_FIELD, f"Unreadable form: {exc.detail}") from None
    try:
        for name in form:
            if name not in FORM_FIELDS:
                raise InvalidAgreement(name, f"Unknown field; send {', '.join(FORM_FIELDS)}.")
            if len(form.getlist(name)) > 1:
                raise InvalidAgreement(name, f"Send '{name}' once.")
        raw: dict[str, Any] = {}
        for name in TEXT_FIELDS:
            value = form.get(name)
            if isinstance(value, UploadFile):
                raise InvalidAgreement(name, f"'{name}' is a text field, not a file.")
            if value is not None:
                raw[name] = value
        fields = _text_fields(raw)
        document = form.get(DOCUMENT_FIELD)
        if not isinstance(document, UploadFile):
            raise InvalidAgreement(
                DOCUMENT_FIELD, "Attach the agreement as a PDF file in the field 'document'."
            )
        size = document.size or 0
        if size > max_bytes:
            raise DocumentTooLarge(max_bytes)
        await document.seek(0)
        head = await document.read(len(PDF_MAGIC))
        await document.seek(0)
        if head != PDF_MAGIC:
            raise NotAPdf()
        yield AgreementUpload(fields, document.file, size)
    finally:
        await form.close()


def _sha256(source: BinaryIO) -> tuple[str, int]:
    """SHA-256 and length of a spooled file, read a chunk at a time (left at its start)."""
    digest = hashlib.sha256()
    size = 0
    source.seek(0)
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    source.seek(0)
    return digest.hexdigest(), size


def store_document(context: ServerContext, upload: AgreementUpload) -> StoredDocument:
    """Hash the spooled PDF a chunk at a time, then copy it into the blob store (S3
    may re-read the file on a retry, so the hash is not taken from the store's reads)."""
    key = f"agreements/{uuid.uuid4()}.pdf"
    sha256, size = _sha256(upload.document)
    try:
        stored = context.blobs.put_file(key, upload.document)
    except BlobError:
        log.exception("agreement document could not be stored")
        raise StorageUnavailable() from None
    if stored != size:  # the spool changed under us: never log a hash of other bytes
        context.blobs.delete(key)
        raise StorageUnavailable()
    return StoredDocument(key, sha256, size)


def check_before_storing(context: ServerContext, upload: AgreementUpload) -> None:
    """Refuse an unknown or unregistered agency before the document is stored."""
    with context.sessions() as db:
        AgreementService(db, context).check_form(upload.form)


def publish_upload(
    context: ServerContext, subject: AuthSubject, upload: AgreementUpload, keys: LogKeys
) -> AgreementView:
    """Store the document, then publish the agreement in one short transaction; the
    blob is removed again if that transaction fails."""
    check_before_storing(context, upload)
    document = store_document(context, upload)
    try:
        with context.sessions.begin() as db:
            view = AgreementService(db, context).publish(subject.user, upload.form, document, keys)
            db.flush()
            db.expunge_all()
    except BaseException:
        context.blobs.delete(document.key)
        raise
    return view
