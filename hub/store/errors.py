"""The store's typed errors: the hub's own (``hub.errors``), under the names the store used."""

from __future__ import annotations

from hub.errors import InvalidInput as InvalidChange
from hub.errors import NotFound

__all__ = ["InvalidChange", "NotFound"]
