"""Developers' integrations: outbound event webhooks, their delivery, bots, JSON shapes."""
