"""The hub's VAPID key pair (RFC 8292): made once into the data directory, shared by every process.

The private key is a PEM file, ``<data dir>/vapid_private.pem``, readable by its owner only
(0600), never in the database: the browsers' subscriptions are bound to its public key, so
a second key would silently break them. Two ``parley serve`` starting at once on the same
directory must not make two: each writes its candidate to a temporary file and links it to
the final name (``os.link`` fails when the name exists), and everyone then reads the one
that won. The keys are py_vapid's (on ``cryptography``); nothing here does the maths.
"""

from __future__ import annotations

import base64
import contextlib
import os
import threading
from pathlib import Path
from typing import cast

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02

FILE_NAME = "vapid_private.pem"
_lock = threading.Lock()
_loaded: dict[Path, Vapid02] = {}


def _create(path: Path) -> None:
    """Write a new key to ``path`` unless one is there (atomic: link a complete temp file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = Vapid02()
    fresh.generate_keys()
    pem = cast(bytes, fresh.private_pem())
    temp = path.with_name(f".{FILE_NAME}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: theirs wins
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def keys(data_dir: Path) -> Vapid02:
    """The data directory's key pair, made on first use (cached per process)."""
    path = (data_dir / FILE_NAME).resolve()
    with _lock:
        found = _loaded.get(path)
        if found is None:
            if not path.exists():
                _create(path)
            found = cast(Vapid02, Vapid02.from_pem(path.read_bytes()))
            found.conf["no-strict"] = True  # ``sub`` is the hub's URL or a mailto: we make
            _loaded[path] = found
    return found


def public_key(data_dir: Path) -> str:
    """The public key as browsers take it: base64url (no padding) of the uncompressed point."""
    point = keys(data_dir).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()
