"""The reading room: ``newsarchive serve``, web pages and a JSON API over the archive (read-only)."""
