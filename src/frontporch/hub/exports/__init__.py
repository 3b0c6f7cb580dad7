"""Exports: a recorded range of one camera remuxed into one MP4 by a background job."""
