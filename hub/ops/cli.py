"""The ``parley`` command: run the hub and administer it.

Admin commands print one JSON object on stdout; on failure they print one line
on stderr and exit 2. They reach the database of a running ``parley serve``
through the address it publishes in the data directory, or start the embedded
server for the length of the command.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx

from hub import db
from hub.ops import embedded
from hub.pipeline.services import Hub
from hub.settings import Settings
from hub.tenants import accounts, plans

Handler = Callable[[argparse.Namespace, Settings], Awaitable[dict[str, Any]]]


class CliError(Exception):
    pass


@contextlib.asynccontextmanager
async def open_hub(settings: Settings) -> AsyncIterator[Hub]:
    """A hub on the configured database, or on the embedded one (started if needed)."""
    server = None
    settings = as_running(settings)
    uri = settings.mongodb_uri
    if not uri:
        server = await asyncio.to_thread(embedded.start, settings.data_dir)
        uri = server.uri
    client = db.connect(uri)
    try:
        database = await db.init(client, settings.database)
        async with httpx.AsyncClient() as http:
            yield Hub(dataclasses.replace(settings, mongodb_uri=uri), database, http)
    finally:
        await db.release(client)
        if server is not None:
            await asyncio.to_thread(server.stop)


async def _account_create(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    async with open_hub(settings):
        account = await accounts.create_account(args.name, args.plan, args.seats, args.addon)
        return {"id": str(account.id)}


async def _user_create(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    async with open_hub(settings):
        account = await accounts.get_account(args.account)
        user = await accounts.create_user(account, args.email, args.password, args.role, args.name)
        return {"id": str(user.id)}


async def _apikey_create(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    async with open_hub(settings):
        account = await accounts.get_account(args.account)
        key_id, key = await accounts.create_key(account, args.name)
        return {"id": key_id, "key": key}


async def _channel_add(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    try:
        config = json.loads(args.config)
    except ValueError as exc:
        raise CliError(f"--config is not JSON: {exc}") from None
    if not isinstance(config, dict):
        raise CliError("--config must be a JSON object")
    async with open_hub(settings) as hub:
        account = await accounts.get_account(args.account)
        channel, shown = await accounts.create_channel(hub, account, args.type, args.name, config)
        return {"id": str(channel.id), **shown}


async def _simulate(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    if "PARLEY_PUBLIC_URL" not in os.environ:
        # Sign over the URL the running hub checks: `serve` defaults it to its own address.
        settings = dataclasses.replace(settings, public_url=running_hub_url(settings))
    async with open_hub(settings) as hub:
        channel = await hub.channel(args.channel)
        if channel is None:
            raise CliError(f"no active channel {args.channel}")
        connector = hub.registry.get(channel.type)
        if args.type not in (channel.type, *connector.aliases):
            raise CliError(f"channel {args.channel} is a {channel.type} channel, not {args.type}")
        info = hub.channel_info(channel)
        request = connector.simulated_webhook(info, args.sender, args.text)
    base = running_hub_url(settings)
    url = base + (request.path or f"/webhooks/{channel.type}/{channel.id}")
    async with httpx.AsyncClient(timeout=30) as http:
        try:
            response = await http.post(url, content=request.body, headers=request.headers)
        except httpx.TransportError as exc:
            raise CliError(
                f"no hub answered at {base} ({exc}); is `parley serve` running?"
            ) from None
    if response.status_code >= 300:
        raise CliError(f"the hub answered {response.status_code}: {response.text[:200]}")
    return {"status": response.status_code, "url": url}


MARKER = "hub.json"


def _published(settings: Settings) -> dict[str, Any]:
    """What the local ``parley serve`` published in the data directory ({} when none runs)."""
    try:
        found = json.loads((settings.data_dir / MARKER).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return found if isinstance(found, dict) and _alive(found.get("pid")) else {}


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_hub_url(settings: Settings) -> str:
    """Where the local ``parley serve`` listens (published in the data directory)."""
    return str(_published(settings).get("url") or settings.public_url)


def as_running(settings: Settings) -> Settings:
    """``settings`` with the running hub's public URL and SMTP address, so what a command
    prints (a channel's webhook URL, the mail address to send to) is what that hub serves."""
    found = _published(settings)
    changes: dict[str, Any] = {}
    if found.get("public_url") and "PARLEY_PUBLIC_URL" not in os.environ:
        changes["public_url"] = str(found["public_url"])
    if isinstance(found.get("smtp_port"), int):
        changes["smtp_port"] = found["smtp_port"]
        changes["smtp_host"] = str(found.get("smtp_host") or settings.smtp_host)
    return dataclasses.replace(settings, **changes) if changes else settings


def _publish(settings: Settings, url: str) -> bool:
    """Publish this ``serve`` unless another live one on the data directory already has."""
    if _published(settings):
        return False
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / MARKER).write_text(
        json.dumps(
            {
                "url": url,
                "pid": os.getpid(),
                "public_url": settings.public_url,
                "smtp_host": settings.smtp_host,
                "smtp_port": settings.smtp_port,
            }
        )
    )
    return True


def _unpublish(settings: Settings) -> None:
    """Remove the marker only if it is this process's: a second ``serve`` stopping leaves the
    first one's address in place."""
    path = settings.data_dir / MARKER
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (FileNotFoundError, ValueError, AttributeError):
        pass


# --------------------------------------------------------------------------- serve


def _exit_on_sigterm() -> None:
    """Make SIGTERM end ``serve`` through its ``finally`` (which stops the database).

    uvicorn handles SIGTERM itself, shuts down, then restores this handler and
    raises the signal again; with the default handler the process would die
    there and leave the embedded database running.
    """

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from hub.app import create_app

    _exit_on_sigterm()
    if "PARLEY_PUBLIC_URL" not in os.environ:
        settings = dataclasses.replace(settings, public_url=f"http://{args.host}:{args.port}")
    server = None
    if not settings.mongodb_uri:
        server = embedded.start(settings.data_dir)
        settings = dataclasses.replace(settings, mongodb_uri=server.uri)
    try:
        if args.demo:
            from hub.ops.demo import ensure_demo

            print(asyncio.run(ensure_demo(settings)), flush=True)
        _publish(settings, f"http://{args.host}:{args.port}")
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    finally:
        _unpublish(settings)
        if server is not None:
            server.stop()
    return 0


# --------------------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the hub (web, SMTP listener, dispatcher)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--demo", action="store_true", help="create a demo account once")
    p.set_defaults(run=serve)

    account = sub.add_parser("account").add_subparsers(dest="action", required=True)
    p = account.add_parser("create")
    p.add_argument("--name", required=True)
    p.add_argument("--plan", required=True, type=str.upper, choices=sorted(plans.PLANS))
    p.add_argument("--seats", required=True, type=int)
    p.add_argument("--addon", action="append", default=[], choices=sorted(plans.ADDONS))
    p.set_defaults(handler=_account_create)

    user = sub.add_parser("user").add_subparsers(dest="action", required=True)
    p = user.add_parser("create")
    p.add_argument("--account", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--role", required=True, choices=["agent", "supervisor", "admin"])
    p.add_argument("--name", default="")
    p.set_defaults(handler=_user_create)

    apikey = sub.add_parser("apikey").add_subparsers(dest="action", required=True)
    p = apikey.add_parser("create")
    p.add_argument("--account", required=True)
    p.add_argument("--name", default="default")
    p.set_defaults(handler=_apikey_create)

    channel = sub.add_parser("channel").add_subparsers(dest="action", required=True)
    p = channel.add_parser("add")
    p.add_argument("--account", required=True)
    p.add_argument("--type", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--config", default="{}")
    p.set_defaults(handler=_channel_add)

    p = sub.add_parser("simulate", help="post a signed provider webhook to the running hub")
    p.add_argument("type")
    p.add_argument("--channel", required=True)
    p.add_argument("--from", dest="sender", required=True)
    p.add_argument("--text", required=True)
    p.set_defaults(handler=_simulate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if getattr(args, "run", None) is not None:
        return int(args.run(args, settings))
    try:
        result = asyncio.run(args.handler(args, settings))
    except (CliError, accounts.AdminError, plans.PlanError, embedded.EmbeddedDatabaseError) as exc:
        code = getattr(exc, "code", "error")
        print(f"parley: {code}: {getattr(exc, 'message', None) or exc}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
