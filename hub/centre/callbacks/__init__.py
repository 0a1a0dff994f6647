"""The callback list: a callback's life, the offer on phone channels, a team's callback settings."""
