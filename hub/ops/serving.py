"""``parley serve``: claim the ports, start the embedded database if needed, run uvicorn.

The ports are claimed before anything is started or announced, so a busy port ends the
command in one line; SIGTERM ends it through its ``finally``, which stops the database.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import signal
import sys

from hub import db
from hub.errors import HubError
from hub.ops import embedded, ports
from hub.ops.marker import publish, unpublish
from hub.pipeline import outbound
from hub.settings import Settings

GRACEFUL_SHUTDOWN_SECONDS = 2


def _exit_on_sigterm() -> None:
    """Make SIGTERM end ``serve`` through its ``finally`` (which stops the database).

    uvicorn handles SIGTERM itself, shuts down, then restores this handler and
    raises the signal again; with the default handler the process would die
    there and leave the embedded database running.
    """

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)


async def _schema(settings: Settings) -> None:
    """Migrate (or refuse) before serving: ``db.init`` runs ``hub.store.migrations``."""
    client = db.connect(settings.mongodb_uri or "")
    try:
        await db.init(client, settings.database)
    finally:
        await db.release(client)


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from hub.app import create_app

    _exit_on_sigterm()
    if args.demo:  # the demo's stand-ins and receivers live on this machine
        allow = (*settings.outbound_allow, *outbound.LOOPBACK)
        settings = dataclasses.replace(settings, outbound_allow=allow)
    if "PARLEY_PUBLIC_URL" not in os.environ:
        settings = dataclasses.replace(settings, public_url=f"http://{args.host}:{args.port}")
    try:  # before anything is started or announced: a busy port ends here, in one line
        http_socket = ports.claim((args.host, args.port), (settings.smtp_host, settings.smtp_port))
    except ports.PortBusy as exc:
        print(f"parley: port_busy: {exc}", file=sys.stderr)
        return 2
    server = None
    if not settings.mongodb_uri:
        server = embedded.start(settings.data_dir)
        settings = dataclasses.replace(settings, mongodb_uri=server.uri)
    try:
        try:  # the schema first: a newer database ends here, an older one is brought forward
            asyncio.run(_schema(settings))
        except HubError as exc:
            print(f"parley: {exc.code}: {exc.message}", file=sys.stderr)
            return 2
        if args.demo:
            from hub.ops.demo import ensure_demo

            print(asyncio.run(ensure_demo(settings)), flush=True)
        publish(settings, f"http://{args.host}:{args.port}")
        config = uvicorn.Config(
            create_app(settings),
            host=args.host,
            port=args.port,
            log_level="info",
            # live streams end at once on SIGTERM (sse-starlette); anything still running
            # after this is cancelled, so a stop never waits on a stuck request
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
        uvicorn.Server(config).run(sockets=[http_socket])
    finally:
        http_socket.close()
        unpublish(settings)
        if server is not None:
            server.stop()
    return 0
