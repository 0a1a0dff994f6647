"""The store's typed errors: the hub's own (``hub.errors``), under the names the store used."""

from __future__ import annotations

from pymongo.errors import PyMongoError as DatabaseError

from hub.errors import InvalidInput as InvalidChange
from hub.errors import NotFound

__all__ = ["InvalidChange", "NotFound"]


# ---- added by widget
#: Any failure of the database driver (a lost connection, a timeout): the periodic loops
#: catch it by this name, so that only the store imports the driver.

__all__ += ["DatabaseError"]
