"""Item pipelines of the news archive."""
