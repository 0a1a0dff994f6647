"""Parley: an omnichannel messaging hub."""

__version__ = "0.1.0"
