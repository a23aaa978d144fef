"""The archive: WARC writing, reading and conformance, WACZ, the store on SQLite and PostgreSQL, the
researchers' API and reads during a crawl."""
