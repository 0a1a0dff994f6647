"""Fixtures of the contact-centre tests: an account with room for a team, a stub provider."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.models import Account
from hub.pipeline.services import Hub
from tests.centre.helpers import make_centre
from tests.conftest import Tenant
from tests.fakes import TEST_API

WEEKDAYS_9_TO_5 = {
    "timezone": "UTC",
    "days": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": [],
}


def _outside(request: httpx.Request) -> bool:
    return request.url.host != "127.0.0.1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pytest-httpx stubs providers only; directories and calendars on 127.0.0.1 are real."""
    for item in items:
        if "tests/centre/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.httpx_mock(should_mock=_outside))


@pytest.fixture(autouse=True)
def provider(httpx_mock: Any) -> Any:
    """The test connector's provider API, stubbed; our own 127.0.0.1 servers stay real."""
    counter = iter(range(1_000_000))

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"sid": f"SM{next(counter)}"})

    httpx_mock.add_callback(answer, url=f"{TEST_API}/send", is_reusable=True, is_optional=True)
    return httpx_mock


@pytest.fixture
async def centre(hub: Hub) -> Tenant:
    return await make_centre(hub)


async def set_hours(account: Account, hours: dict[str, Any] | None = WEEKDAYS_9_TO_5) -> None:
    """The account's business hours, stored as the admin pages store them."""
    await Account.get_pymongo_collection().update_one(
        {"_id": account.id}, {"$set": {"business_hours": hours}}
    )


from tests.email.conftest import mail_tenant, receiver  # noqa: E402, F401  (a real SMTP server)
