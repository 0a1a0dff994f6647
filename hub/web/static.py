"""The hub's static files: versioned URLs (a content hash) cached for a year, others revalidated.

Templates link assets with ``static("inbox.css")`` → ``/static/inbox.css?v=3f2a…``; a changed
file gets a new URL, so browsers may keep a versioned one forever (``immutable``). A URL
without the version (``icons.svg#bell``, an old page) is answered ``no-cache``: the browser
keeps it and asks again with its ETag.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

DIRECTORY = Path(__file__).resolve().parent.parent / "static"
FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


@functools.cache
def _version(name: str) -> str:
    path = (DIRECTORY / name).resolve()
    if DIRECTORY not in path.parents or not path.is_file():
        raise ValueError(f"no static file {name!r}")
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    """The versioned URL of ``hub/static/<name>`` (a template global)."""
    return f"/static/{name}?v={_version(name)}"


class CachedStatic(StaticFiles):
    """``StaticFiles`` with a ``Cache-Control`` on every answer (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__(directory=DIRECTORY)

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            versioned = b"v=" in scope.get("query_string", b"")
            response.headers["Cache-Control"] = FOREVER if versioned else REVALIDATE
        return response


def shell_files() -> list[str]:
    """The versioned URLs of every static file, sorted: what the service worker keeps.

    The licence texts of the vendored scripts are left out (no page loads them)."""
    names = sorted(
        str(path.relative_to(DIRECTORY))
        for path in DIRECTORY.rglob("*")
        if path.is_file() and not path.name.endswith(".LICENSE")
    )
    return [static_url(name) for name in names]
