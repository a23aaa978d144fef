"""The cleaners: detection, main text, metadata, site profiles' rules, the cleaning pool."""
