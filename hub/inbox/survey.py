"""The email survey's page (``/csat/{token}``): no sign-in, a one-time token from the mail.

Opening the link shows the question (a link scanner's GET changes nothing); sending the
form stores the rating and an optional comment once. A forged token, or one already
used, answers 404.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre.csat import answers as csat
from hub.models import Conversation
from hub.store import accounts
from hub.store.conversations import InvalidChange, NotFound
from hub.web import pages
from hub.web.guard import SECURITY_HEADERS

RATINGS = ((1, "Poor"), (2, "Fair"), (3, "Good"), (4, "Very good"), (5, "Excellent"))


async def _page(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    full = {"user": None, "csrf": "", "ratings": RATINGS, "error": "", "done": False, **context}
    response = pages.render(request, "survey.html", full, status)
    response.headers.update(SECURITY_HEADERS)
    return response


async def _not_found(request: Request) -> Response:
    message = "This survey link is not valid, or the survey was already answered."
    context = {"status": 404, "message": message, "user": None, "csrf": ""}
    response = pages.render(request, "inbox/error.html", context, 404)
    response.headers.update(SECURITY_HEADERS)
    return response


async def _question(conv: Conversation) -> dict[str, Any]:
    account = await accounts.survey_heading(conv.account_id)
    return {"business": account.name, "question": csat.question(account.csat)}


async def survey_form(request: Request) -> Response:
    try:
        conv = await csat.survey_by_token(request.path_params["token"])
    except NotFound:
        return await _not_found(request)
    return await _page(request, {**await _question(conv), "token": request.path_params["token"]})


async def survey_answer(request: Request) -> Response:
    token = request.path_params["token"]
    form = await request.form()
    raw = str(form.get("rating", ""))
    comment = str(form.get("comment", ""))[: csat.MAX_COMMENT]
    try:
        conv = await csat.survey_by_token(token)
        if raw not in ("1", "2", "3", "4", "5"):
            raise InvalidChange("invalid_rating", "Please choose a rating from 1 to 5.")
        await csat.answer_by_token(token, int(raw), comment)
    except NotFound:
        return await _not_found(request)
    except InvalidChange as exc:
        context = {**await _question(conv), "token": token, "error": exc.message}
        return await _page(request, context, 400)
    return await _page(request, {**await _question(conv), "token": "", "done": True})


routes = [
    Route("/csat/{token}", survey_form, methods=["GET"]),
    Route("/csat/{token}", survey_answer, methods=["POST"]),
]
