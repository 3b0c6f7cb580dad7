"""Analysis: motion, detection, tracking and events, on decoded frames.

Decides where something moved, what it is, which detections are the same object, and
when tracked objects make an event. Pure of I/O except the offline file analysis."""
