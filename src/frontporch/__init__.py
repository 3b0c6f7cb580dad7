"""Frontporch: privacy-first home security cameras and neighborhood safety."""

__version__ = "0.1.0"
