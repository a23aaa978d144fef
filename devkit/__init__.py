"""What the project's tests and benchmarks share, so that neither imports the other: local PostgreSQL and
Redis servers in temporary directories (``services``), the scoring of the cleaner on the development sets
(``extraction_score``) and researchers' reads against a live archive (``readers_load``)."""
