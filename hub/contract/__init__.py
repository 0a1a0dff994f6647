"""The connector contract: the only part of the hub a channel connector may import.

A connector translates between one provider's protocol and Parley's neutral
types. It never writes to the database and never decides conversation rules;
the hub calls it with a request and a channel and gets neutral events back
(inbound), or hands it a stored message and gets a `SendResult` back
(outbound). Everything a connector needs from the hub arrives through
`HubServices`, given to its constructor at start-up.

Connectors are found through the ``parley.connectors`` entry-point group::

    [project.entry-points."parley.connectors"]
    twilio_sms = "connectors.twilio:TwilioSMSConnector"

The package's modules, each one concept: ``connector`` (the base class and its
hooks), ``capabilities``, ``addresses`` (addresses and their kinds),
``messages`` (the neutral types), ``delivery`` (delivery states and their
order), ``errors``, ``services`` (``HubServices``) and ``clock`` (``now()``).
Import everything from ``hub.contract``. It depends on nothing else in the project.
"""

from hub.contract.addresses import (
    EMAIL,
    OTHER,
    PHONE,
    VISITOR,
    Address,
    AddressKind,
    one_address,
    one_line,
)
from hub.contract.capabilities import Capabilities
from hub.contract.clock import now, set_clock
from hub.contract.connector import (
    ChannelChange,
    Connector,
    read_limited,
    render_quick_replies_as_text,
)
from hub.contract.delivery import DELIVERY_RANK, DeliveryState
from hub.contract.errors import (
    ConnectorError,
    MalformedRequest,
    MediaTooLarge,
    OutsideReplyWindow,
    PermanentSendError,
    RetryableSendError,
    SignatureError,
)
from hub.contract.hosts import host_fields, outbound_host
from hub.contract.json import JsonObject, JsonValue
from hub.contract.messages import (
    Attachment,
    ChannelInfo,
    ChannelTemplate,
    InboundAttachment,
    InboundMessage,
    Location,
    OutboundMessage,
    QuickReply,
    SendResult,
    SimulatedRequest,
    StatusUpdate,
    WebhookResult,
)
from hub.contract.safe_json import (
    INT64,
    MAX_JSON_BYTES,
    MAX_JSON_DEPTH,
    JSONRefused,
    check_json_depth,
    read_json,
)
from hub.contract.secrets import SECRET, secret_fields
from hub.contract.services import HubServices

__all__ = [
    "DELIVERY_RANK",
    "EMAIL",
    "INT64",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "OTHER",
    "PHONE",
    "SECRET",
    "VISITOR",
    "Address",
    "AddressKind",
    "Attachment",
    "Capabilities",
    "ChannelChange",
    "ChannelInfo",
    "ChannelTemplate",
    "Connector",
    "ConnectorError",
    "DeliveryState",
    "HubServices",
    "InboundAttachment",
    "InboundMessage",
    "JSONRefused",
    "JsonObject",
    "JsonValue",
    "Location",
    "MalformedRequest",
    "MediaTooLarge",
    "OutboundMessage",
    "OutsideReplyWindow",
    "PermanentSendError",
    "QuickReply",
    "RetryableSendError",
    "SendResult",
    "SignatureError",
    "SimulatedRequest",
    "StatusUpdate",
    "WebhookResult",
    "check_json_depth",
    "host_fields",
    "now",
    "one_address",
    "one_line",
    "outbound_host",
    "read_json",
    "read_limited",
    "render_quick_replies_as_text",
    "secret_fields",
    "set_clock",
]
