"""Uploaded media (GridFS ``media`` bucket), always under the owning account."""

from __future__ import annotations

import contextlib
from typing import Any, NamedTuple, Protocol

from beanie import PydanticObjectId
from gridfs import AsyncGridFSBucket, NoFile
from pymongo.asynchronous.collection import AsyncCollection

from hub.contract import Attachment
from hub.errors import NotFound
from hub.store.database import Database
from hub.store.ids import try_id

# ---- added by api


class _WithFiles(Protocol):
    """What keeps the media (``hub.pipeline.media.MediaStore``): its ``media.files``."""

    files: AsyncCollection[Any]


class UploadedFile(NamedTuple):
    """What an uploaded file's metadata says (its bytes stay in GridFS)."""

    filename: str | None
    size: int
    content_type: str


async def uploaded_file(
    media: _WithFiles, account_id: PydanticObjectId, file_id: PydanticObjectId
) -> UploadedFile | None:
    """One of the account's uploaded files, without its bytes (None: no such file here)."""
    doc = await media.files.find_one({"_id": file_id, "metadata.account_id": account_id})
    if doc is None:
        return None
    return UploadedFile(
        filename=doc.get("filename"),
        size=int(doc.get("length", 0)),
        content_type=doc["metadata"].get("content_type", "application/octet-stream"),
    )


class MediaNotFound(NotFound):
    """No attachment with this id in this account."""


class MediaStore:
    """Keeps and returns attachment bytes; a file is found only with its account's id."""

    def __init__(self, database: Database) -> None:
        self.bucket = AsyncGridFSBucket(database, bucket_name="media")
        self.files = database["media.files"]

    async def put(
        self,
        account_id: PydanticObjectId,
        data: bytes,
        filename: str | None,
        content_type: str,
        content_id: str | None = None,
    ) -> Attachment:
        file_id = await self.bucket.upload_from_stream(
            filename or "attachment",
            data,
            metadata={"account_id": account_id, "content_type": content_type},
        )
        return Attachment(
            id=str(file_id),
            filename=filename,
            content_type=content_type,
            size=len(data),
            content_id=content_id,
        )

    async def get(self, account_id: PydanticObjectId, attachment_id: str) -> tuple[bytes, str]:
        """The bytes and content type of one of the account's files."""
        oid = try_id(attachment_id)
        if oid is None:
            raise MediaNotFound(attachment_id)
        doc = await self.files.find_one({"_id": oid, "metadata.account_id": account_id})
        if doc is None:
            raise MediaNotFound(attachment_id)
        try:
            stream = await self.bucket.open_download_stream(oid)
        except NoFile:
            raise MediaNotFound(attachment_id) from None
        return await stream.read(), str(
            doc["metadata"].get("content_type", "application/octet-stream")
        )

    async def delete(self, attachment_id: str) -> None:
        oid = try_id(attachment_id)
        if oid is None:
            return
        with contextlib.suppress(NoFile):
            await self.bucket.delete(oid)
