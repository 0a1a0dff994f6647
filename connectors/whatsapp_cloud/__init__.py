"""WhatsApp through Meta's Cloud API."""

from connectors.whatsapp_cloud.connector import WhatsAppCloudConnector

__all__ = ["WhatsAppCloudConnector"]
