"""Crawls through the spiders and Scrapy components: WARC recording, HTTP fidelity, the address policy,
incremental runs, revisits, fetch, crashes and group commit."""
