"""Delivery states of a message and their order (the state machine lives in ``hub.pipeline.delivery``)."""

from __future__ import annotations

from typing import Literal

DeliveryState = Literal[
    "queued", "sending", "sent", "delivered", "read", "failed", "undelivered", "received"
]

#: Delivery only moves forward along this rank. ``failed`` and ``undelivered``
#: end it: nothing moves a message out of them.
DELIVERY_RANK: dict[str, int] = {
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "read": 4,
    "failed": 9,
    "undelivered": 9,
    "received": 0,
}
