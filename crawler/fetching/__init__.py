"""Fetching what a page needs beside its own response: its resources (stylesheets, images, scripts, fonts)."""
