"""Live updates: one change-stream watcher per process, fanned out to in-process subscribers.

Every process watches the database itself, so an event written by any
``parley serve`` reaches the subscribers of all of them. Subscribers pick an
account (or all, for the dispatcher and webhook workers) and get ``Event``s on
a bounded queue; a subscriber that falls behind is told so (``lagged``) and
catches up from the database. After an error the watcher resumes from its
last resume token, so no change is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from beanie import PydanticObjectId

from hub import tasks
from hub.store import changes
from hub.store.database import Database, DatabaseError

log = logging.getLogger(__name__)

#: Collections whose changes are published, and the event name prefix of each.
WATCHED: dict[str, str] = {
    "messages": "message",
    "conversations": "conversation",
    "channels": "channel",
    "users": "user",
    "widget_typing": "typing",
    # Whispers and @mentions for one person's open inbox pages.
    "notifications": "notification",
    # Only so the webhook fan-out learns at once which accounts want events.
    "webhook_subscriptions": "webhook_subscription",
    "bots": "bot",
    # Only so the push fan-out learns at once which accounts have devices.
    "push_subscriptions": "push_subscription",
    "callback_requests": "callback",
    # Only so each process drops a changed or revoked key from its cache at once
    # (``hub.tenants.auth.KeyCache``); no view or worker forwards these events.
    "api_keys": "api_key",
}
QUEUE_SIZE = 1000
#: Only these changes are sent by the server: deletes and the like cost no delivery.
OPERATIONS = ["insert", "update", "replace"]
T = TypeVar("T")


@dataclass(frozen=True)
class Event:
    """One change: ``type`` such as ``message.created``; ``data`` the full document."""

    type: str
    account_id: PydanticObjectId | None
    data: dict[str, Any]
    #: Resume token of the change, usable as an SSE event id.
    token: str = ""
    changed: tuple[str, ...] = ()
    #: What subscribers derive from the event, made once for all of them (``once``).
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def once(self, key: str, make: Callable[[Event], T]) -> T:
        """``make(self)``, computed by the first subscriber that asks and shared by the
        rest (the SSE bytes of an inbox signal: serialized once, not per stream)."""
        if key not in self.cache:
            self.cache[key] = make(self)
        return self.cache[key]  # type: ignore[no-any-return]


@dataclass(eq=False)
class Subscription:
    account_id: PydanticObjectId | None
    accept: Callable[[Event], bool] | None = None
    queue: asyncio.Queue[Event] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    lagged: bool = False

    def offer(self, event: Event, verdicts: dict[object, bool] | None = None) -> None:
        """Queue ``event`` if this subscriber wants it. ``verdicts`` holds the answers of the
        ``accept`` functions asked so far for this event: subscribers that share a filter
        (every wallboard screen) ask it once per event, not once each."""
        if self.account_id is not None and event.account_id != self.account_id:
            return
        if self.accept is not None:
            if verdicts is None:
                verdicts = {}
            verdict = verdicts.get(self.accept)
            if verdict is None:
                verdict = verdicts[self.accept] = self.accept(event)
            if not verdict:
                return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.lagged = True

    async def get(self) -> Event:
        return await self.queue.get()


class Realtime:
    """The process's change-stream watcher and its subscribers."""

    def __init__(self, database: Database) -> None:
        self.database = database
        #: Subscribers by account (``None``: every account), so an event costs only
        #: the subscribers of its account and the all-account workers.
        self._subscribers: dict[PydanticObjectId | None, set[Subscription]] = {}
        #: Callbacks by account, called once per event of the account: a view that
        #: serves many streams (the inbox) routes an event to those that need it.
        #: (``None``: every account's events.)
        self._listeners: dict[PydanticObjectId | None, list[Callable[[Event], None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._resume_token: changes.ResumeToken | None = None
        self.ready = asyncio.Event()

    @property
    def subscriber_count(self) -> int:
        return sum(len(subs) for subs in self._subscribers.values())

    def subscribe(
        self, account_id: PydanticObjectId | None, accept: Callable[[Event], bool] | None = None
    ) -> Subscription:
        sub = Subscription(account_id, accept)
        self._subscribers.setdefault(account_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subscribers.get(sub.account_id)
        if subs is not None:
            subs.discard(sub)
            if not subs and sub.account_id is not None:
                del self._subscribers[sub.account_id]

    def listen(
        self, account_id: PydanticObjectId | None, callback: Callable[[Event], None]
    ) -> None:
        """Call ``callback(event)`` for each event of the account (``None``: of every
        account), in the watcher's task: it must not block."""
        self._listeners.setdefault(account_id, []).append(callback)

    def unlisten(
        self, account_id: PydanticObjectId | None, callback: Callable[[Event], None]
    ) -> None:
        callbacks = self._listeners.get(account_id, [])
        if callback in callbacks:
            callbacks.remove(callback)
        if not callbacks:
            self._listeners.pop(account_id, None)

    @contextlib.asynccontextmanager
    async def subscription(
        self, account_id: PydanticObjectId | None, accept: Callable[[Event], bool] | None = None
    ) -> AsyncIterator[Subscription]:
        sub = self.subscribe(account_id, accept)
        try:
            yield sub
        finally:
            self.unsubscribe(sub)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="parley-realtime")
        await asyncio.wait_for(self.ready.wait(), timeout=15)

    async def stop(self) -> None:
        await tasks.stop(self._task)
        self._task = None

    async def _run(self) -> None:
        delay = 0.1
        while True:
            try:
                async with changes.follow(
                    self.database, list(WATCHED), OPERATIONS, self._resume_token
                ) as stream:
                    self.ready.set()
                    delay = 0.1
                    async for change in stream:
                        self._resume_token = change.resume_token
                        self._publish(change)
            except asyncio.CancelledError:
                raise
            except DatabaseError as exc:
                log.warning("change stream interrupted (%s); resuming in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _publish(self, change: changes.Change) -> None:
        prefix = WATCHED.get(change.collection)
        op = change.operation
        doc = change.document
        if prefix is None or doc is None or op not in ("insert", "update", "replace"):
            return
        event = Event(
            type=f"{prefix}.{'created' if op == 'insert' else 'updated'}",
            account_id=doc.get("account_id"),
            data=doc,
            token=change.token,
            changed=change.changed,
        )
        verdicts: dict[object, bool] = {}
        accounts = (None,) if event.account_id is None else (None, event.account_id)
        for account in accounts:
            for sub in list(self._subscribers.get(account, ())):
                sub.offer(event, verdicts)
            for callback in list(self._listeners.get(account, ())):
                try:
                    callback(event)
                except Exception:  # one view's bug never stops the watcher
                    log.exception("realtime listener failed on %s", event.type)
