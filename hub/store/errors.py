"""The store's typed errors: the hub's own (``hub.errors``), under the names the store used."""

from __future__ import annotations

from pymongo.errors import PyMongoError as DatabaseError

from hub.errors import Conflict, NotFound
from hub.errors import InvalidInput as InvalidChange

__all__ = ["InvalidChange", "NotFound"]


# ---- added by widget
#: Any failure of the database driver (a lost connection, a timeout): the periodic loops
#: catch it by this name, so that only the store imports the driver.

__all__ += ["DatabaseError"]
__all__ = ["Duplicate", "InvalidChange", "NotFound"]


# ---- added by pipeline


class Duplicate(Conflict):
    """A unique index refused the write: the thing is stored already (a retried delivery)."""

    def __init__(self, message: str = "already stored") -> None:
        super().__init__("duplicate", message)
