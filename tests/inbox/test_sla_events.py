"""The live breach alert: one SSE event per recorded breach, for the assignee and supervisors."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.inbox.events import alert_for, signals
from hub.models import User
from hub.pipeline.realtime import Event


def user(role: str, uid: PydanticObjectId | None = None) -> User:
    return User.model_construct(
        id=uid or PydanticObjectId(), account_id=PydanticObjectId(), email="x@y.z", role=role
    )


def test_breach_alert_goes_to_the_assignee_and_supervisors() -> None:
    assignee = user("agent")
    conv = {
        "_id": PydanticObjectId(),
        "assignee_id": str(assignee.id),
        "contact_name": "Ada",
        "sla": {"breaches": [{"kind": "first_response"}]},
    }
    event = Event("conversation.updated", None, conv, "tok", ("sla", "sla_breached_at"))
    [alert] = [s for s in signals(event) if s[0] == "sla-breach"]
    assert alert[1]["kind"] == "first_response" and alert[1]["contact"] == "Ada"
    assert alert_for(assignee, *alert)
    assert alert_for(user("supervisor"), *alert)
    assert alert_for(user("admin"), *alert)
    assert not alert_for(user("agent"), *alert)  # another agent
    quiet = Event("conversation.updated", None, conv, "tok", ("sla",))
    assert [s for s in signals(quiet) if s[0] == "sla-breach"] == []
