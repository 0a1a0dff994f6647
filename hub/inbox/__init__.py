"""The agent inbox: pages, fragments and the live event stream for signed-in users."""
