"""The contacts page: search the account's contacts, edit one, merge two into one.

The contact panel beside a conversation links here; edits and merges confirm
themselves with a toast and are audited.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre import changes
from hub.contract import one_address, one_line
from hub.errors import ContactExists
from hub.models import Contact, Conversation, Sender
from hub.pipeline import outbox
from hub.store import contacts, paging
from hub.store import conversations as conversation_store
from hub.store.conversations import InvalidChange
from hub.tenants import audit
from hub.web import display, pages
from hub.web.guard import Ctx, inbox_view
from hub.web.i18n import gettext as _
from hub.web.layout import layout_context

PAGE_SIZE = 50
MAX_ATTRIBUTES = 50


async def _render(
    request: Request, ctx: Ctx, template: str, status: int = 200, **extra: Any
) -> Response:
    context = {**await layout_context(ctx), **extra}
    return pages.render(request, template, context, status)


@inbox_view()
async def index(request: Request, ctx: Ctx) -> Response:
    q = request.query_params.get("q", "").strip()
    found, cursor = await contacts.list_contacts(
        ctx.account_id, q or None, PAGE_SIZE, request.query_params.get("cursor") or None
    )
    return await _render(request, ctx, "inbox/contacts.html", q=q, found=found, next_cursor=cursor)


async def _detail(
    request: Request, ctx: Ctx, contact: Contact, error: str = "", status: int = 200
) -> Response:
    assert contact.id is not None
    conversations = await conversation_store.recent_of_contact(ctx.account_id, contact.id, 20)
    q = request.query_params.get("merge_q", "").strip()
    candidates: list[Contact] = []
    if q:
        candidates = [
            c
            for c in (await contacts.list_contacts(ctx.account_id, q, 10, None))[0]
            if c.id != contact.id
        ]
    return await _render(
        request,
        ctx,
        "inbox/contact.html",
        status,
        contact=contact,
        addresses=[display.address_label(a) for a in contact.addresses],
        conversations=conversations,
        attributes_text="\n".join(f"{k}={v}" for k, v in contact.attributes.items()),
        merge_q=q,
        candidates=candidates,
        error=error,
    )


@inbox_view()
async def show(request: Request, ctx: Ctx) -> Response:
    contact = await contacts.get_contact(ctx.account_id, request.path_params["id"])
    return await _detail(request, ctx, contact)


def _attributes(raw: str) -> dict[str, str]:
    """``key=value`` lines as attributes; a line without ``=`` is refused with its text."""
    found: dict[str, str] = {}
    for line in raw.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key or key.startswith("$") or "." in key or "\0" in key:
            raise InvalidChange(
                "invalid_attribute",
                _("Attributes: “%(line)s” is not key=value.") % {"line": line.strip()},
            )
        found[key[:64]] = value.strip()[:500]
    if len(found) > MAX_ATTRIBUTES:
        raise InvalidChange(
            "too_many_attributes", _("Attributes: at most %(count)s.") % {"count": MAX_ATTRIBUTES}
        )
    return found


def _is_one_line(value: str) -> bool:
    try:
        one_line(value)
    except ValueError:
        return False
    return True


def _is_one_address(value: str) -> bool:
    try:
        one_address(value)
    except ValueError:
        return False
    return True


def _changes(form: FormData) -> dict[str, Any]:
    """The edit form as contact changes; a malformed field is refused, naming it."""
    name = str(form.get("name", "")).strip()[:200]
    if not _is_one_line(name):
        raise InvalidChange("invalid_name", _("Name: one line, without line breaks."))
    changes: dict[str, Any] = {"name": name or None}
    email = str(form.get("email", "")).strip()
    if email:
        if "@" not in email or not _is_one_address(email):
            raise InvalidChange("invalid_email", _("Email: that is not an email address."))
        changes["email"] = email.lower()
    phone = str(form.get("phone", "")).strip().replace(" ", "").replace("-", "")
    if phone:
        if not phone.startswith("+") or not phone[1:].isdigit() or not 6 <= len(phone) <= 16:
            raise InvalidChange(
                "invalid_phone", _("Phone: use + and the country code, e.g. +4512345678.")
            )
        changes["phone"] = phone
    changes["attributes"] = _attributes(str(form.get("attributes", "")))
    return changes


@inbox_view()
async def save(request: Request, ctx: Ctx) -> Response:
    contact = await contacts.get_contact(ctx.account_id, request.path_params["id"])
    try:
        changes = _changes(await request.form())
        updated = await contacts.update_contact(ctx.account_id, str(contact.id), changes)
    except (InvalidChange, ContactExists) as exc:
        message = getattr(exc, "message", str(exc))
        return await _detail(request, ctx, contact, error=message, status=400)
    await audit.record(
        ctx.account_id, audit.of_user(ctx.user), "contact.updated", f"contact:{contact.id}",
        _ip(request),
    )  # fmt: skip
    if updated.name != contact.name:
        assert contact.id is not None
        await conversation_store.rename_contact(ctx.account_id, contact.id, updated.name)
    return pages.done(
        request, f"/inbox/contacts/{contact.id}", _("Contact saved."), "contact-changed"
    )


@inbox_view()
async def merge(request: Request, ctx: Ctx) -> Response:
    """Merge the chosen contact into this one; a note in each moved conversation says so."""
    keep = await contacts.get_contact(ctx.account_id, request.path_params["id"])
    other_id = str((await request.form()).get("other", ""))
    try:
        merged = await changes.merge_contacts(ctx.account_id, str(keep.id), other_id)
    except InvalidChange as exc:
        return await _detail(request, ctx, keep, error=exc.message, status=400)
    kept_name = merged.contact.name or merged.contact.primary_address
    note = _("Contact %(other)s was merged into %(kept)s by %(user)s.") % {
        "other": merged.other_name,
        "kept": kept_name,
        "user": ctx.user.name or ctx.user.email,
    }
    for conversation_id in merged.moved_conversations[:20]:
        conversation = await paging.model_by_id(Conversation, ctx.account_id, conversation_id)
        if conversation is not None:
            await outbox.enqueue(
                ctx.hub,
                conversation,
                text=note,
                private=True,
                sender=Sender(type="agent", id=str(ctx.user.id), name=ctx.user.name or None),
            )
    await audit.record(
        ctx.account_id, audit.of_user(ctx.user), "contact.merged", f"contact:{keep.id}",
        _ip(request), {"merged": other_id, "conversations": len(merged.moved_conversations)},
    )  # fmt: skip
    return pages.done(
        request,
        f"/inbox/contacts/{keep.id}",
        _("Merged %(other)s into %(kept)s.") % {"other": merged.other_name, "kept": kept_name},
    )


routes = [
    Route("/inbox/contacts", index, methods=["GET"]),
    Route("/inbox/contacts/{id}", show, methods=["GET"]),
    Route("/inbox/contacts/{id}", save, methods=["POST"]),
    Route("/inbox/contacts/{id}/merge", merge, methods=["POST"]),
]


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None
