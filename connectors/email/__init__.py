"""The email channel: embedded SMTP in, SMTP out, threads by Message-ID, safe HTML."""

from .connector import EmailConfig, EmailConnector

__all__ = ["EmailConfig", "EmailConnector"]
