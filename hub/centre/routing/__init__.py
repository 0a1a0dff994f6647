"""Routing: who handles a conversation, queues, assignment, presence, availability, calendars, VIP and number look-up."""
