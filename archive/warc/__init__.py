"""WARC files: writing, reading, verifying, repairing, WACZ packages and replay."""
