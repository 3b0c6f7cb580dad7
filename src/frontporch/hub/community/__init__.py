"""What leaves the hub for the community server: the link, and the media it sends.

Decides how the hub pairs and talks to its server, how an event becomes a post, and how
media is re-encoded with privacy masks burned in before it leaves."""
