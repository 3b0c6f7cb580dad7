"""Live view: a camera's H.264 packets remuxed into fragmented MP4 for the browser."""
