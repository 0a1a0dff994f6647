"""Database commands of one API reply: ``POST /api/v1/conversations/{id}/messages``.

Counted as ``test_round_trips`` counts (the app without its workers, the request's own
commands, the second, warm request). The reply is accepted (202) only once its message
is stored; what the dispatcher does afterwards is counted in ``test_send_costs``.
"""

from __future__ import annotations

import functools

from tests.conftest import Running, make_tenant
from tests.core.helpers import inbound_conversation
from tests.core.test_round_trips import (  # noqa: F401  (fixtures)
    Commands,
    commands,
    connectors,
    counted,
    quiet,
    report,
)

BASELINE_REPLY = 99


async def test_api_reply_round_trips(quiet: Running, commands: Commands) -> None:
    hub, client = quiet.hub, quiet.client
    tenant = await make_tenant(hub)
    conversation = await inbound_conversation(client, tenant)
    url = f"/api/v1/conversations/{conversation.id}/messages"
    for i in range(2):
        post = functools.partial(client.post, url, json={"text": f"r{i}"}, headers=tenant.auth)
        r = await counted(commands, hub, post)
        assert r.status_code == 202, r.text
    report("API reply", commands, BASELINE_REPLY)
    assert commands.total() <= BASELINE_REPLY, commands.counts
