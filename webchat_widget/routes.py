"""Every route of the widget, mounted by the hub through ``WebchatConnector.routes()``."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from webchat_widget import api, attributes, callback, pages, stream, transcript, visit


def all_routes() -> list[BaseRoute]:
    return [
        Route("/widget/demo", pages.demo, methods=["GET"]),
        Route("/widget/v1/frame", pages.frame, methods=["GET"]),
        Route("/widget/v1/session", visit.open_session, methods=["POST"]),
        Route("/widget/v1/contact", visit.update_contact, methods=["POST"]),
        Route("/widget/v1/ticket", visit.ticket, methods=["POST"]),
        Route("/widget/v1/attributes", attributes.set_attributes, methods=["POST"]),
        Route("/widget/v1/transcript", transcript.send_transcript, methods=["POST"]),
        Route("/widget/v1/messages", api.list_messages, methods=["GET"]),
        Route("/widget/v1/messages", api.post_message, methods=["POST"]),
        Route("/widget/v1/typing", api.visitor_typing, methods=["POST"]),
        Route("/widget/v1/events", stream.events, methods=["GET"]),
        Route("/widget/v1/media/{id}", api.media, methods=["GET"]),
        Route("/widget/v1/agent/typing", api.agent_typing, methods=["POST"]),
        Route("/widget/v1/callback", callback.offer, methods=["GET"]),
        Route("/widget/v1/callback", callback.request_callback, methods=["POST"]),
        Route("/widget/v1/{name}", pages.static_file, methods=["GET"]),
    ]
