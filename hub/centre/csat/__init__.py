"""Satisfaction surveys (CSAT): when one is due, sending it, taking the answer, and its report."""
