"""Finding what to fetch: canonical URLs, sitemaps and feeds, trap bounds, the run's seen sets on disk and
what the archive already holds of a site."""
