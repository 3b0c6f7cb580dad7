"""Capture: reading cameras and files with PyAV, and keeping their time.

Decides how a camera is opened, when it is reconnected, which frames are sampled for
analysis, and how camera URLs are shown without their credentials."""
