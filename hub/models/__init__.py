"""The stored documents, one Beanie Document per collection."""

from hub.models.account import Account
from hub.models.activity import ActivityEvent, DailyCounter
from hub.models.apikey import ApiKey
from hub.models.apistate import IdempotencyRecord, RateCounter
from hub.models.assist import AssistUsage
from hub.models.audit import Actor, AuditEvent, UsageEvent
from hub.models.bot import Bot
from hub.models.callback import CallbackAttempt, CallbackOffer, CallbackRequest
from hub.models.canned import CannedResponse
from hub.models.channel import Channel
from hub.models.contact import Contact
from hub.models.conversation import Conversation
from hub.models.label import Label
from hub.models.lease import Lease
from hub.models.login_attempt import LoginAttempt
from hub.models.lookup import NumberLookup
from hub.models.message import EarlyStatus, Message, Sender, SendError, Translation
from hub.models.notification import Notification
from hub.models.push import PushDelivery, PushSubscription
from hub.models.routing_lock import RoutingLock
from hub.models.sla_policy import SlaPolicy
from hub.models.stream_lease import StreamLease
from hub.models.team import Team
from hub.models.user import User
from hub.models.vip import VipList
from hub.models.webhook import WebhookDelivery, WebhookSubscription

#: Every document class Beanie initializes at start-up; a new collection is added here.
DOCUMENTS: list[type] = [
    Account,
    User,
    Channel,
    Contact,
    Conversation,
    Message,
    EarlyStatus,
    ApiKey,
    AuditEvent,
    UsageEvent,
    WebhookSubscription,
    WebhookDelivery,
    Bot,
    IdempotencyRecord,
    RateCounter,
    Team,
    CannedResponse,
    Label,
    LoginAttempt,
    ActivityEvent,
    DailyCounter,
    SlaPolicy,
    Notification,
    CallbackRequest,
    CallbackOffer,
    Lease,
    StreamLease,
    VipList,
    NumberLookup,
    RoutingLock,
    AssistUsage,
    PushSubscription,
    PushDelivery,
]


__all__ = [
    "DOCUMENTS",
    "Account",
    "ActivityEvent",
    "Actor",
    "ApiKey",
    "AssistUsage",
    "AuditEvent",
    "Bot",
    "CallbackAttempt",
    "CallbackOffer",
    "CallbackRequest",
    "CannedResponse",
    "Channel",
    "Contact",
    "Conversation",
    "DailyCounter",
    "EarlyStatus",
    "IdempotencyRecord",
    "Label",
    "Lease",
    "LoginAttempt",
    "Message",
    "Notification",
    "NumberLookup",
    "PushDelivery",
    "PushSubscription",
    "RateCounter",
    "RoutingLock",
    "SendError",
    "Sender",
    "SlaPolicy",
    "StreamLease",
    "Team",
    "Translation",
    "UsageEvent",
    "User",
    "VipList",
    "WebhookDelivery",
    "WebhookSubscription",
]
