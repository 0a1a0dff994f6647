"""The store's typed errors: the hub's own (``hub.errors``), under the names the store used."""

from __future__ import annotations

from hub.errors import Conflict, NotFound
from hub.errors import InvalidInput as InvalidChange

__all__ = ["Duplicate", "InvalidChange", "NotFound"]


# ---- added by pipeline


class Duplicate(Conflict):
    """A unique index refused the write: the thing is stored already (a retried delivery)."""

    def __init__(self, message: str = "already stored") -> None:
        super().__init__("duplicate", message)
