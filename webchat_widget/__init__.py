"""The embeddable web chat widget: its ``webchat`` connector, visitor API, stream and files."""
