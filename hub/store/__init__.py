"""The conversation store: tenant-scoped queries over conversations, messages and contacts."""

from __future__ import annotations
