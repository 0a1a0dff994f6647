"""Uploaded media (GridFS ``media`` bucket), always under the owning account."""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from beanie import PydanticObjectId
from pymongo.asynchronous.collection import AsyncCollection

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
