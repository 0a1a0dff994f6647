"""Prometheus metrics of one app instance (its own registry, so tests can run several)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages_in = Counter(
            "parley_messages_in", "Inbound messages stored", registry=self.registry
        )
        self.messages_out = Counter(
            "parley_messages_out",
            "Outbound messages accepted by a provider",
            registry=self.registry,
        )
        self.send_failures = Counter(
            "parley_send_failures",
            "Send attempts that failed",
            ["kind"],
            registry=self.registry,
        )
        self.dispatcher_lag = Gauge(
            "parley_dispatcher_lag_seconds",
            "Seconds between a message becoming due and its last claim",
            registry=self.registry,
        )
        self.sse_subscribers = Gauge(
            "parley_sse_subscribers", "Open server-sent-event streams", registry=self.registry
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
