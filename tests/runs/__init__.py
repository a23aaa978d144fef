"""Running crawls: the site collection, the Celery cluster, signals, Scrapyd."""
