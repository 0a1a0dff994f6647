"""The contact centre: routing, queues, presence, SLA, callbacks and reports."""
