"""The snippet store: where it lives, its schema (SQLite or PostgreSQL), snippets, URL states, captures,
runs, queries and copies between backends."""
