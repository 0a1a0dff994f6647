"""Accounts, users, API keys and plans: who may do what, and what it costs."""
