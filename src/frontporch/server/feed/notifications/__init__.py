"""Notifications: what a person should hear about, their inbox, and the header's badge."""
