"""Media storage: attachment bytes, always under the owning account (kept in ``hub.store.media``)."""

from __future__ import annotations

from hub.store.media import MediaNotFound, MediaStore

__all__ = ["MediaNotFound", "MediaStore"]
