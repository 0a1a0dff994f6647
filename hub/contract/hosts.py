"""Marking the host fields of a connector's config (account-supplied hosts the hub guards)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def outbound_host(port_field: str) -> dict[str, Any]:
    """Marks a field of a connector's ``Config`` as a host the hub connects to, with the name
    of the field that holds its port: ``smtp_host: str = Field(json_schema_extra=
    outbound_host("smtp_port"))``. The hub refuses inside addresses when the config is saved
    (``PARLEY_OUTBOUND_ALLOW`` aside); at connect time the connector asks
    ``HubServices.outbound_address`` for the address to use."""
    return {"outbound_host": port_field}


def host_fields(config: type[BaseModel]) -> dict[str, str]:
    """The host fields of ``config`` marked with ``outbound_host``, each with its port field."""
    found: dict[str, str] = {}
    for name, info in config.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and isinstance(extra.get("outbound_host"), str):
            found[name] = str(extra["outbound_host"])
    return found
