"""The store's typed errors: an id the account does not have, a change or cursor refused."""

from __future__ import annotations


class NotFound(LookupError):
    """No document of the account has that id (another account's id is not found either)."""


class InvalidChange(ValueError):
    """A change (or a cursor) refused before anything was written; ``code`` names it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
