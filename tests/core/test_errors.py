"""Typed errors carry no HTTP; the views' one table gives each kind its status."""

from __future__ import annotations

import json

import pytest

from hub import errors
from hub.contract import OutsideReplyWindow as ConnectorOutsideReplyWindow
from hub.web.answers import error_answer, status_of


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors.NotFound("6512"), 404, "not_found"),
        (errors.InvalidInput("weak_password", "too short", field="password"), 400, "weak_password"),
        (errors.Conflict("email_taken", "taken"), 409, "email_taken"),
        (errors.Refused("media_unsupported", "no media"), 422, "media_unsupported"),
        (errors.OutsideReplyWindow("send a template"), 422, "outside_reply_window"),
        (errors.UnknownSender("not ours"), 422, "unknown_sender"),
        (errors.SeatLimit("all taken"), 402, "seat_limit"),
        (errors.PlanRequired("PRO only"), 402, "plan_required"),
        (errors.AddonRequired("needs generic_api"), 403, "addon_required"),
        (errors.UnknownPlan("no such plan"), 400, "unknown_plan"),
        (errors.ContactExists(), 409, "contact_exists"),
    ],
)
def test_each_kind_has_one_status(error: errors.HubError, status: int, code: str) -> None:
    assert not hasattr(error, "status")
    assert (status_of(error), error.code) == (status, code)


def test_the_answer_names_the_field_and_hides_the_id() -> None:
    body = json.loads(bytes(error_answer(errors.InvalidInput("bad", "no", field="to")).body))
    assert body == {"error": {"code": "bad", "message": "no", "field": "to"}}
    hidden = json.loads(bytes(error_answer(errors.NotFound("6512abc")).body))
    assert "6512abc" not in hidden["error"]["message"]


def test_outside_reply_window_is_also_the_contracts() -> None:
    assert isinstance(errors.OutsideReplyWindow("x"), ConnectorOutsideReplyWindow)
