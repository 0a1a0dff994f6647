"""Media storage: attachment bytes in GridFS, always under the owning account."""

from __future__ import annotations

import contextlib

from beanie import PydanticObjectId
from gridfs import AsyncGridFSBucket, NoFile

from hub.contract import Attachment
from hub.errors import NotFound
from hub.store.database import Database
from hub.store.ids import try_id


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
