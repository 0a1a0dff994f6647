"""The ``parley`` command: run the hub and administer it.

Admin commands print one JSON object on stdout; on failure they print one line
on stderr and exit 2. They reach the database of a running ``parley serve``
through the address it publishes in the data directory, or start the embedded
server for the length of the command.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from hub.assist.settings import reseal_keys
from hub.centre.routing import calendars
from hub.errors import HubError
from hub.models.user import ROLES
from hub.ops import backups, embedded
from hub.ops.connection import open_hub
from hub.ops.marker import running_hub_url
from hub.ops.serving import serve
from hub.pipeline import channel_secrets
from hub.settings import Settings
from hub.store import search
from hub.tenants import accounts, audit, charges, plans, retention, users
from hub.tenants.shapes import account_json, key_json, user_json

#: A handler's result is printed as one JSON object, or as-is when it is text (``--csv``).
Handler = Callable[[argparse.Namespace, Settings], Awaitable[dict[str, Any] | str]]


class CliError(Exception):
    pass


async def _account_create(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    async with open_hub(settings):
        account = await accounts.create_account(
            args.name, args.plan, args.seats, args.addon, actor=audit.operator()
        )
        return {"id": str(account.id)}


async def _user_create(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    async with open_hub(settings):
        account = await accounts.get_account(args.account)
        user = await accounts.create_user(
            account, args.email, args.password, args.role, args.name, actor=audit.operator()
        )
        return {"id": str(user.id)}


async def _apikey_create(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    async with open_hub(settings):
        account = await accounts.get_account(args.account)
        key_id, key = await accounts.create_key(account, args.name, actor=audit.operator())
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
        channel, shown = await accounts.create_channel(
            hub, account, args.type, args.name, config, actor=audit.operator()
        )
        return {"id": str(channel.id), **shown}


async def _shown(account: Any) -> dict[str, Any]:
    return dict(account_json(account, await accounts.seats_used(account.id)))


async def _account_list(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    async with open_hub(settings):
        return {"data": [await _shown(a) for a in await accounts.list_accounts()]}


async def _account_show(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    async with open_hub(settings):
        return await _shown(await accounts.get_account(args.account))


async def _account_update(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    async with open_hub(settings):
        account = await accounts.get_account(args.account)
        account = await accounts.update_subscription(
            account, args.plan, args.seats, args.addon, args.remove_addon, audit.operator()
        )
        return await _shown(account)


def _bool(value: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise argparse.ArgumentTypeError("must be true or false")
    return value.lower() == "true"


async def _user_update(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in ("role", "active", "password"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    async with open_hub(settings):
        user = await users.find_user(args.user)
        account = await accounts.get_account(user.account_id)
        user = await users.update_user(account, user, changes, audit.operator())
        return dict(user_json(user))


async def _apikey_list(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    async with open_hub(settings):
        account = await accounts.get_account(args.account)
        return {"data": [key_json(k) for k in await accounts.list_keys(account.id)]}  # type: ignore[arg-type]


async def _apikey_revoke(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    async with open_hub(settings):
        account = await accounts.get_account(args.account)
        return dict(key_json(await accounts.revoke_key(account, args.key_id, audit.operator())))


async def _usage(args: argparse.Namespace, settings: Settings) -> dict[str, Any] | str:
    charges.month_bounds(args.month)  # refuse a bad month before starting anything
    async with open_hub(settings):
        account = await accounts.get_account(args.account)
        result = await charges.statement(account.id, args.month)  # type: ignore[arg-type]
        return result.as_csv() if args.csv else dict(result.as_dict())


async def _calendars_sync(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """Read every user's calendar now; how many users are absent, and whose calendar failed."""
    async with open_hub(settings) as hub:
        absent = await calendars.sync_all(hub.http)
        failing = await calendars.failing_count()
        return {"absent": absent, "failed": failing}


async def _simulate(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    if "PARLEY_PUBLIC_URL" not in os.environ:
        # Sign over the URL the running hub checks: `serve` defaults it to its own address.
        settings = dataclasses.replace(settings, public_url=running_hub_url(settings))
    async with open_hub(settings) as hub:
        channel = await hub.channels.resolve(args.channel)
        if channel is None:
            raise CliError(f"no active channel {args.channel}")
        if args.type not in (channel.type, *channel.connector.aliases):
            raise CliError(f"channel {args.channel} is a {channel.type} channel, not {args.type}")
        request = channel.connector.simulated_webhook(channel.info, args.sender, args.text)
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


async def _retention_run(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    at = None
    if args.as_of:
        try:
            at = dt.datetime.fromisoformat(args.as_of)
        except ValueError:
            raise CliError(f"--as-of is not an ISO time: {args.as_of!r}") from None
        at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    async with open_hub(settings) as hub:
        return dict(await retention.run(hub, at, dry_run=args.dry_run))


async def _keys_rotate(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    async with open_hub(settings) as hub:
        counts = await channel_secrets.seal_stored(hub.cipher, hub.registry)
        signing = await channel_secrets.seal_signing_secrets(hub.cipher)
        assist_keys = await reseal_keys(hub.cipher)
    counts["signing_secrets"] = signing["signing_secrets"]
    counts["assist_keys"] = assist_keys["assist_keys"]
    counts["unreadable"] += signing["unreadable"] + assist_keys["unreadable"]
    if counts["unreadable"]:
        raise CliError(
            f"{counts['unreadable']} secrets open under neither PARLEY_SECRET_KEY nor "
            f"PARLEY_SECRET_KEY_PREVIOUS ({counts['secrets']} re-sealed)"
        )
    return {"key_id": hub.cipher.current, **counts}


async def _search_reindex(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    async with open_hub(settings):  # connects the models
        return {"rewritten": await search.reindex()}


# --------------------------------------------------------------------------- parser


DESCRIPTION = "Run the Parley hub and administer it."
EPILOG = (
    "Admin commands print one JSON object on stdout; on failure they print one line on "
    "stderr and exit with status 2. They use the database of the running parley serve "
    "(found through PARLEY_DATA_DIR), or start the embedded one for the length of the "
    "command. parley COMMAND --help lists a command's options."
)


def _group(sub: Any, name: str, help: str) -> Any:
    return sub.add_parser(name, help=help, description=help).add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )


def _cmd(sub: Any, name: str, help: str, handler: Handler) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help)
    p.set_defaults(handler=handler)
    return p


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description=DESCRIPTION, epilog=EPILOG)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plan = {"type": str.upper, "choices": sorted(plans.PLANS), "help": "the plan"}
    addon = {"action": "append", "default": [], "choices": sorted(plans.ADDONS)}
    an_account = {"required": True, "help": "the account's id"}

    help = "run the hub: web, API, webhooks, SMTP listener, dispatcher"
    p = sub.add_parser("serve", help=help, description=help)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="HTTP port (8000)")
    p.add_argument("--demo", action="store_true", help="create the demo account if missing")
    p.set_defaults(run=serve)

    account = _group(sub, "account", "create, list, show and change accounts")
    p = _cmd(account, "create", "create an account", _account_create)
    p.add_argument("--name", required=True, help="the account's name")
    p.add_argument("--plan", required=True, **plan)  # type: ignore[arg-type]
    p.add_argument("--seats", required=True, type=int, help="how many agent seats")
    p.add_argument("--addon", **addon, help="an add-on (repeat for several)")  # type: ignore[arg-type]
    _cmd(account, "list", "list every account", _account_list)
    p = _cmd(account, "show", "show one account", _account_show)
    p.add_argument("--account", **an_account)  # type: ignore[arg-type]
    p = _cmd(account, "update", "change an account's plan, seats or add-ons", _account_update)
    p.add_argument("--account", **an_account)  # type: ignore[arg-type]
    p.add_argument("--plan", **plan)  # type: ignore[arg-type]
    p.add_argument("--seats", type=int, help="how many agent seats")
    p.add_argument("--addon", **addon, help="add an add-on")  # type: ignore[arg-type]
    p.add_argument("--remove-addon", **addon, help="remove an add-on")  # type: ignore[arg-type]

    user = _group(sub, "user", "create users and change them")
    p = _cmd(user, "create", "create a user in an account", _user_create)
    p.add_argument("--account", **an_account)  # type: ignore[arg-type]
    p.add_argument("--email", required=True, help="the sign-in address")
    p.add_argument("--password", required=True, help="the first password")
    p.add_argument("--role", required=True, choices=list(ROLES), help="the user's role")
    p.add_argument("--name", default="", help="the name shown to colleagues")
    p = _cmd(user, "update", "change a user's role, password, or deactivate them", _user_update)
    p.add_argument("--user", required=True, help="the user's id")
    p.add_argument("--role", choices=list(ROLES), help="the new role")
    p.add_argument("--active", type=_bool, metavar="true|false", help="sign-in allowed or not")
    p.add_argument("--password", help="a new password")

    apikey = _group(sub, "apikey", "create, list and revoke an account's API keys")
    p = _cmd(apikey, "create", "create an API key (printed once)", _apikey_create)
    p.add_argument("--account", **an_account)  # type: ignore[arg-type]
    p.add_argument("--name", default="default", help="a label for the key")
    p = _cmd(apikey, "list", "list an account's keys (not their secrets)", _apikey_list)
    p.add_argument("--account", **an_account)  # type: ignore[arg-type]
    p = _cmd(apikey, "revoke", "revoke a key", _apikey_revoke)
    p.add_argument("--account", **an_account)  # type: ignore[arg-type]
    p.add_argument("--key-id", required=True, help="the key's id, from apikey list")

    p = _cmd(sub, "usage", "a month's charges of an account, from the ledger", _usage)
    p.add_argument("--account", **an_account)  # type: ignore[arg-type]
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="the month")
    p.add_argument("--csv", action="store_true", help="the lines as CSV instead of JSON")

    channel = _group(sub, "channel", "add channels to an account")
    p = _cmd(channel, "add", "add a channel; prints its webhook URL or embed code", _channel_add)
    p.add_argument("--account", **an_account)  # type: ignore[arg-type]
    p.add_argument("--type", required=True, help="twilio_sms, email, webchat, …")
    p.add_argument("--name", required=True, help="the channel's name")
    p.add_argument("--config", default="{}", metavar="JSON", help="the channel's settings")

    cal = _group(sub, "calendars", "users' absence calendars")
    _cmd(cal, "sync", "fetch every user's calendar now; print how many are absent", _calendars_sync)

    p = _cmd(sub, "simulate", "post a signed provider webhook to the running hub", _simulate)
    p.add_argument("type", help="the channel's type, e.g. sms")
    p.add_argument("--channel", required=True, help="the channel's id")
    p.add_argument("--from", dest="sender", required=True, help="the sender's address")
    p.add_argument("--text", required=True, help="the message's text")

    keep = _group(sub, "retention", "delete what every account's retention settings expire")
    p = _cmd(keep, "run", "apply every account's retention now", _retention_run)
    p.add_argument("--as-of", dest="as_of", default=None, help="ISO time to apply it as of")
    p.add_argument("--dry-run", dest="dry_run", action="store_true", help="count, delete nothing")

    search = _group(sub, "search", "the search index of messages and contacts")
    _cmd(
        search, "reindex", "rewrite the search terms of every contact and message", _search_reindex
    )

    help = "write every collection, as of one instant, to one archive file"
    p = _cmd(sub, "backup", help, backups.run_backup)
    p.add_argument("--out", required=True, metavar="FILE", help="the archive to write (tar)")
    help = "load an archive from parley backup into an empty database"
    p = _cmd(sub, "restore", help, backups.run_restore)
    p.add_argument("--from", dest="source", required=True, metavar="FILE", help="the archive")

    keys = _group(sub, "keys", "the key that seals channel secrets")
    _cmd(keys, "rotate", "re-seal channel secrets under PARLEY_SECRET_KEY", _keys_rotate)
    return parser


def _log_migrations() -> None:
    """Schema migrations say on stderr what they bring forward (``serve`` and commands)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("parley: %(message)s"))
    logger = logging.getLogger("parley.migrations")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    _log_migrations()
    parser = _parser()
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if getattr(args, "run", None) is not None:
        return int(args.run(args, settings))
    try:
        result = asyncio.run(args.handler(args, settings))
    except (CliError, HubError, charges.BadMonth, embedded.EmbeddedDatabaseError) as exc:
        code = getattr(exc, "code", "error")
        print(f"parley: {code}: {getattr(exc, 'message', None) or exc}", file=sys.stderr)
        return 2
    print(
        result if isinstance(result, str) else json.dumps(result),
        end="" if isinstance(result, str) else "\n",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
