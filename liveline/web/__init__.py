"""The HTTP edge: reader pages, the JSON API and the live stream."""
