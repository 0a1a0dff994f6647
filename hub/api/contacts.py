"""Generic API routes for contacts: search, create, read, change, export and erase."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.api.context import answer, api_account, cursor_of, hub_of, json_body, limit_of
from hub.api.idempotency import idempotent
from hub.api.schemas import (
    ContactExport,
    ContactIn,
    ContactOut,
    ContactPatch,
    ConversationOut,
    ErasedOut,
    MessageOut,
    page,
)
from hub.store import contacts


async def list_contacts(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    docs, cursor = await contacts.list_contacts(
        account.id, request.query_params.get("search"), limit_of(request), cursor_of(request)
    )
    return JSONResponse(page([ContactOut.of(c) for c in docs], cursor))


@idempotent
async def create_contact(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    body = await json_body(request, ContactIn)
    contact = await contacts.create_contact(account.id, body.model_dump(exclude_none=True))
    return answer(ContactOut.of(contact), 201)


async def get_contact(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    contact = await contacts.get_contact(account.id, request.path_params["id"])
    return answer(ContactOut.of(contact))


async def patch_contact(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    body = await json_body(request, ContactPatch)
    contact = await contacts.update_contact(
        account.id, request.path_params["id"], body.model_dump(exclude_none=True)
    )
    return answer(ContactOut.of(contact))


async def delete_contact(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    erased = await contacts.erase_contact(hub_of(request), account.id, request.path_params["id"])
    out = ErasedOut(id=request.path_params["id"], erased=True, messages=erased)
    return answer(out)


async def export_contact(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    found = await contacts.export_contact(account.id, request.path_params["id"])
    out = ContactExport(
        contact=ContactOut.of(found["contact"]),
        conversations=[ConversationOut.of(c) for c in found["conversations"]],
        messages=[MessageOut.of(m) for m in found["messages"]],
    )
    return JSONResponse(
        out.model_dump(mode="json"),
        headers={"Content-Disposition": f'attachment; filename="contact-{out.contact.id}.json"'},
    )


routes = [
    Route("/contacts", list_contacts, methods=["GET"]),
    Route("/contacts", create_contact, methods=["POST"]),
    Route("/contacts/{id}", get_contact, methods=["GET"]),
    Route("/contacts/{id}", patch_contact, methods=["PATCH"]),
    Route("/contacts/{id}", delete_contact, methods=["DELETE"]),
    Route("/contacts/{id}/export", export_contact, methods=["GET"]),
]
