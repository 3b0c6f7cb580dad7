"""Hubs: pairing with a one-time code, hub credentials, and the hub link (long-poll)."""
