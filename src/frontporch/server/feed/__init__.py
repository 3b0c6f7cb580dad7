"""The Neighbors feed: posts by area, media from hubs, comments, reports and moderation."""
