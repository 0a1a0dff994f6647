"""The wallboard (/wallboard); filled by the supervisor work."""
