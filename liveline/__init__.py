"""Liveline: a live-blog platform for newsrooms."""

__version__ = "0.1.0"
