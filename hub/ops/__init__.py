"""Operations: the CLI, the embedded database, health checks, the demo."""
