"""Settings read from the environment (``PARLEY_*``), in one frozen object."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Everything the hub reads from its environment.

    Built once by ``Settings.from_env()`` (the CLI) or directly (tests).
    """

    data_dir: Path = Path("var")
    mongodb_uri: str | None = None
    database: str = "parley"
    public_url: str = "http://127.0.0.1:8000"
    smtp_port: int = 2525
    smtp_host: str = "127.0.0.1"
    secret_key: str = field(default="", repr=False)
    #: Largest webhook body accepted, in bytes (413 past it).
    max_webhook_bytes: int = 1024 * 1024
    #: Seconds a dispatcher owns a claimed outbound message before another may take it.
    outbox_lease_seconds: float = 60.0
    outbox_max_attempts: int = 8
    outbox_base_backoff: float = 2.0
    #: Run the dispatcher and connector listeners in this process.
    run_workers: bool = True
    session_max_age: int = 12 * 3600
    #: Generic/chatbot API requests an account may make per window (429 past it).
    api_rate_limit: int = 1200
    api_rate_window_seconds: int = 60
    #: Outbound event webhooks: first retry delay (doubling), and how long to keep trying.
    webhook_base_backoff: float = 5.0
    webhook_retry_hours: float = 24.0
    #: A bot that does not answer an inbound message within this time hands over to humans.
    bot_answer_timeout_seconds: float = 120.0
    #: Attempts at a bot's webhook before its conversation goes to humans.
    bot_max_attempts: int = 3
    #: Hosts and CIDR ranges account-supplied URLs may reach besides the public internet.
    outbound_allow: tuple[str, ...] = ()
    #: The key channel secrets were encrypted under before ``PARLEY_SECRET_KEY`` changed.
    previous_secret_key: str = field(default="", repr=False)
    #: Inbound SMTP: STARTTLS certificate and key (PEM files); both unset: no STARTTLS.
    smtp_tls_cert: str | None = None
    smtp_tls_key: str | None = None
    #: Inbound SMTP: connections one client address may hold open at once.
    smtp_max_connections_per_client: int = 10
    #: The directory an email channel's ``smtp_ca_file`` must be in (``PARLEY_CA_DIR``);
    #: None: channels cannot name CA files (the system's CAs are used).
    ca_dir: Path | None = None
    #: ``/metrics`` answers only with this bearer token (``PARLEY_METRICS_TOKEN``); unset:
    #: only to requests from loopback.
    metrics_token: str = field(default="", repr=False)
    #: How often every user's calendar (ICS) is read for absences.
    calendar_poll_seconds: float = 300.0
    #: How often the contact centre's timed work runs (presence timeouts, overflow, queues).
    centre_tick_seconds: float = 10.0
    #: Tests only (no environment variable sets it): accept ``http://`` Web Push endpoints on
    #: a loopback address, where a test's push service listens. Otherwise endpoints are https.
    push_http_loopback: bool = False

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("PARLEY_DATA_DIR", "var"))
        return cls(
            data_dir=data_dir,
            mongodb_uri=env.get("PARLEY_MONGODB_URI") or None,
            database=env.get("PARLEY_DATABASE", "parley"),
            public_url=env.get("PARLEY_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            smtp_port=int(env.get("PARLEY_SMTP_PORT", "2525")),
            smtp_host=env.get("PARLEY_SMTP_HOST", "127.0.0.1"),
            secret_key=env.get("PARLEY_SECRET_KEY") or _stored_secret(data_dir),
            api_rate_limit=int(env.get("PARLEY_API_RATE_LIMIT", "1200")),
            bot_answer_timeout_seconds=float(env.get("PARLEY_BOT_ANSWER_TIMEOUT", "120")),
            outbound_allow=tuple(
                a.strip() for a in env.get("PARLEY_OUTBOUND_ALLOW", "").split(",") if a.strip()
            ),
            previous_secret_key=env.get("PARLEY_SECRET_KEY_PREVIOUS", ""),
            smtp_tls_cert=env.get("PARLEY_SMTP_TLS_CERT") or None,
            smtp_tls_key=env.get("PARLEY_SMTP_TLS_KEY") or None,
            smtp_max_connections_per_client=int(env.get("PARLEY_SMTP_MAX_CONNECTIONS", "10")),
            ca_dir=Path(env["PARLEY_CA_DIR"]) if env.get("PARLEY_CA_DIR") else None,
            metrics_token=env.get("PARLEY_METRICS_TOKEN", ""),
            calendar_poll_seconds=float(env.get("PARLEY_CALENDAR_POLL_SECONDS", "300")),
        )


def _stored_secret(data_dir: Path) -> str:
    """The secret key kept in the data directory, generated on first use."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key
