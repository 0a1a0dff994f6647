"""Automatic messages the centre sends on its own: the rules they all follow (``replies``)."""
