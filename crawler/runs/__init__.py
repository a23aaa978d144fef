"""Running crawls: a run as a process, site runs of a collection, the Celery cluster, crash recovery, re-extraction."""
