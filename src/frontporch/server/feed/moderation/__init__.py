"""Reports and moderation: readers report posts; operators hide, restore or dismiss."""
