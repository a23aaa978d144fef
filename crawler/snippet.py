"""One place that turns a cleaned article and its WARC pointer into a Snippet (live crawl and recovery)."""

from __future__ import annotations

from archive.snippets import Snippet
from crawler.cleaning import Article
from crawler.sites import SiteProfile


def make_snippet(article: Article, profile: SiteProfile, *, url: str, run_id: str, fetched_at: str, warc_file: str,
                 warc_offset: int, warc_length: int, warc_record_id: str, payload_digest: str) -> Snippet:
    return Snippet(
        url=url, canonical_url=article.canonical_url, site=profile.site_name, title=article.title,
        published=article.published, modified=article.modified, document_date=article.document_date,
        authors=article.authors, categories=article.categories, language=article.language, text=article.text,
        fetched_at=fetched_at, run_id=run_id, cleaner_version=article.cleaner or profile.cleaner_version,
        declared_language=article.declared_language, flags=list(article.flags), warc_file=warc_file,
        warc_offset=warc_offset, warc_length=warc_length, warc_record_id=warc_record_id,
        payload_digest=payload_digest,
    )
