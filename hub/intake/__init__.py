"""Where providers' requests come in: the inbound webhook routes."""
