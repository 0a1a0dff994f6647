"""Contact-centre tests: providers stubbed with pytest-httpx, our own 127.0.0.1 servers real."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.models import Account
from tests.api.conftest import provider  # noqa: F401  (the stubbed provider fixture)

WEEKDAYS_9_TO_5 = {
    "timezone": "UTC",
    "days": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": [],
}


def _outside(request: httpx.Request) -> bool:
    return request.url.host != "127.0.0.1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/centre/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.httpx_mock(should_mock=_outside))


async def set_hours(account: Account, hours: dict[str, Any] | None = WEEKDAYS_9_TO_5) -> None:
    """The account's business hours, stored as the admin pages store them."""
    await Account.get_pymongo_collection().update_one(
        {"_id": account.id}, {"$set": {"business_hours": hours}}
    )


from tests.email.conftest import mail_tenant, receiver  # noqa: E402, F401  (a real SMTP server)
