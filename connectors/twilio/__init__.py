"""Twilio Messaging connectors: SMS/MMS, WhatsApp and RCS over one API."""

from connectors.twilio.channels import (
    TwilioRCSConnector,
    TwilioSMSConnector,
    TwilioWhatsAppConnector,
)

__all__ = ["TwilioRCSConnector", "TwilioSMSConnector", "TwilioWhatsAppConnector"]
