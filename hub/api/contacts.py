"""Generic API routes for contacts: search, create, read, change, export and erase."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.context import answer, api_account, cursor_of, hub_of, json_body, limit_of
from hub.api.declare import IDEMPOTENT, PAGE, Api, text
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

api = Api(tag="contacts")


@api.get(
    "/contacts",
    "list_contacts",
    "Contacts, newest first; search matches name, email, phone or address",
    response=ContactOut,
    paged=True,
    query=(text("search"), *PAGE),
)
async def list_contacts(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    docs, cursor = await contacts.list_contacts(
        account.id, request.query_params.get("search"), limit_of(request), cursor_of(request)
    )
    return JSONResponse(page([ContactOut.of(c) for c in docs], cursor))


@api.post(
    "/contacts",
    "create_contact",
    "Create a contact (an email or a phone number is needed)",
    status=201,
    response=ContactOut,
    body=ContactIn,
    errors=(409, 413),
    headers=IDEMPOTENT,
)
@idempotent
async def create_contact(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    body = await json_body(request, ContactIn)
    contact = await contacts.create_contact(account.id, body.model_dump(exclude_none=True))
    return answer(ContactOut.of(contact), 201)


@api.get("/contacts/{id}", "get_contact", "One contact", response=ContactOut, errors=(404,))
async def get_contact(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    contact = await contacts.get_contact(account.id, request.path_params["id"])
    return answer(ContactOut.of(contact))


@api.patch(
    "/contacts/{id}",
    "update_contact",
    "Change name, VIP flag or attributes; add an email or phone",
    response=ContactOut,
    body=ContactPatch,
    errors=(404, 409, 413),
)
async def patch_contact(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    body = await json_body(request, ContactPatch)
    contact = await contacts.update_contact(
        account.id, request.path_params["id"], body.model_dump(exclude_none=True)
    )
    return answer(ContactOut.of(contact))


@api.delete(
    "/contacts/{id}",
    "delete_contact",
    "Erase the contact with its conversations, messages and attachments",
    response=ErasedOut,
    errors=(404,),
)
async def delete_contact(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    erased = await contacts.erase_contact(hub_of(request), account.id, request.path_params["id"])
    out = ErasedOut(id=request.path_params["id"], erased=True, messages=erased)
    return answer(out)


@api.get(
    "/contacts/{id}/export",
    "get_contact_export",
    "Everything stored about the contact, as JSON",
    response=ContactExport,
    errors=(404,),
)
async def export_contact(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    found = await contacts.export_contact(account.id, request.path_params["id"])
    out = ContactExport(
        contact=ContactOut.of(found["contact"]),
        conversations=[ConversationOut.of(c) for c in found["conversations"]],
        messages=[MessageOut.of(m) for m in found["messages"]],
        related=found["related"],
    )
    return JSONResponse(
        out.model_dump(mode="json"),
        headers={"Content-Disposition": f'attachment; filename="contact-{out.contact.id}.json"'},
    )


routes = api.routes()
