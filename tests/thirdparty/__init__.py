"""A third-party connector, as a separate package would ship it: only its own files."""
