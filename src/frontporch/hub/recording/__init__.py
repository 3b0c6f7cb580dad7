"""Recording: stream-copied segments on disk, their retention, and clips cut from them.

Decides how packets become fixed-length MP4 segments, which segments and events to
delete (retention's pure plans, carried out by the janitor and expiry), and how a time
window is joined into one clip."""
