"""Discovery: canonical URLs, the run's seen sets, generic mode on the replica and the Courier."""
