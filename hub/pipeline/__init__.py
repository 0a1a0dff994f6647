"""The message pipeline: ingest, outbox, delivery states, realtime, claims, media."""
