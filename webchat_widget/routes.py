"""Every route of the widget, mounted by the hub through ``WebchatConnector.routes()``."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from hub.widget_services import answering
from webchat_widget import api, attributes, callback, pages, stream, transcript, visit


def all_routes() -> list[BaseRoute]:
    """Each answers its ``WidgetError`` refusals in the hub's JSON error shape."""
    return [
        Route("/widget/demo", answering(pages.demo), methods=["GET"]),
        Route("/widget/v1/frame", answering(pages.frame), methods=["GET"]),
        Route("/widget/v1/session", answering(visit.open_session), methods=["POST"]),
        Route("/widget/v1/contact", answering(visit.update_contact), methods=["POST"]),
        Route("/widget/v1/ticket", answering(visit.ticket), methods=["POST"]),
        Route("/widget/v1/attributes", answering(attributes.set_attributes), methods=["POST"]),
        Route("/widget/v1/transcript", answering(transcript.send_transcript), methods=["POST"]),
        Route("/widget/v1/messages", answering(api.list_messages), methods=["GET"]),
        Route("/widget/v1/messages", answering(api.post_message), methods=["POST"]),
        Route("/widget/v1/typing", answering(api.visitor_typing), methods=["POST"]),
        Route("/widget/v1/events", answering(stream.events), methods=["GET"]),
        Route("/widget/v1/media/{id}", answering(api.media), methods=["GET"]),
        Route("/widget/v1/agent/typing", answering(api.agent_typing), methods=["POST"]),
        Route("/widget/v1/callback", answering(callback.offer), methods=["GET"]),
        Route("/widget/v1/callback", answering(callback.request_callback), methods=["POST"]),
        Route("/widget/v1/{name}", answering(pages.static_file), methods=["GET"]),
    ]
