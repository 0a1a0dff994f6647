"""Assist through the API: drafts, a summary, labels and translations from the account's
own model endpoint (``hub.assist``; DESIGN.md "Assist").

Errors: 409 ``assist_not_configured``, 403 ``assist_feature_off``, 502
``assist_unavailable`` (the endpoint failed or timed out; its status in the message).
Nothing here sends or changes anything: the answers are suggestions for a person.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub import assist
from hub.api.context import api_account, api_actor, hub_of, json_body, no_options
from hub.api.declare import Api
from hub.models.account import AssistLanguage

api = Api(tag="assist")
ASSIST_ERRORS = (404, 409, 502)


class AssistIn(BaseModel):
    """No options yet: an empty body or ``{}`` (read by ``no_options``)."""

    model_config = ConfigDict(extra="forbid")


class SuggestionOut(BaseModel):
    text: str


class SuggestionsOut(BaseModel):
    suggestions: list[SuggestionOut] = Field(description="one to three reply drafts")


class SummaryOut(BaseModel):
    summary: str = Field(description="what the customer wants, what was done, what is open")


class LabelsOut(BaseModel):
    labels: list[str] = Field(description="among the account's labels only")


class TranslateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=8000)
    to: AssistLanguage


class TranslateOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    text: str
    from_: str | None = Field(alias="from", description="the detected language of the text")


@api.post(
    "/conversations/{id}/assist/suggestions",
    "assist_suggestions",
    "One to three reply drafts in the customer's language (nothing is sent)",
    response=SuggestionsOut,
    body=AssistIn,
    errors=ASSIST_ERRORS,
)
async def suggestions(request: Request) -> JSONResponse:
    account = await api_account(request)
    await no_options(request)
    drafts = await assist.suggest(
        hub_of(request), account, request.path_params["id"], api_actor(request)
    )
    out = SuggestionsOut(suggestions=[SuggestionOut(text=d) for d in drafts])
    return JSONResponse(out.model_dump(mode="json"))


@api.post(
    "/conversations/{id}/assist/summary",
    "assist_summary",
    "A summary of the conversation: what the customer wants, what was done, what is open",
    response=SummaryOut,
    body=AssistIn,
    errors=ASSIST_ERRORS,
)
async def summary(request: Request) -> JSONResponse:
    account = await api_account(request)
    await no_options(request)
    text = await assist.summarize(
        hub_of(request), account, request.path_params["id"], api_actor(request)
    )
    return JSONResponse(SummaryOut(summary=text).model_dump(mode="json"))


@api.post(
    "/conversations/{id}/assist/labels",
    "assist_labels",
    "Labels that fit the conversation, chosen among the account's labels only",
    response=LabelsOut,
    body=AssistIn,
    errors=ASSIST_ERRORS,
)
async def labels(request: Request) -> JSONResponse:
    account = await api_account(request)
    await no_options(request)
    names = await assist.suggest_labels(
        hub_of(request), account, request.path_params["id"], api_actor(request)
    )
    return JSONResponse(LabelsOut(labels=names).model_dump(mode="json"))


@api.post(
    "/assist/translate",
    "assist_translate",
    "Translate a text; `from` is its language, detected locally",
    response=TranslateOut,
    body=TranslateIn,
    errors=(409, 413, 502),
)
async def translate(request: Request) -> JSONResponse:
    account = await api_account(request)
    body = await json_body(request, TranslateIn)
    done = await assist.translate(hub_of(request), account, body.text, body.to, api_actor(request))
    out = TranslateOut(text=done.text, from_=done.from_language)
    return JSONResponse(out.model_dump(mode="json", by_alias=True))
