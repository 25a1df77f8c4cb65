"""Ways in and out of Liveline: imported text, Markdown bodies, JSON archives, feeds."""
