"""From an archived response to its snippet: the one path for live crawls, fetch, crash recovery and reextract.

A ``Capture`` is what a cleaner needs of an HTTP exchange that is already in a WARC file: the URL, the body as
served, its Content-Type, and the ``RecordPointer`` a snippet keeps. ``clean_capture`` decodes, cleans (with
the generic fallback where a profile misses), checks and builds the snippet, or says why there is none. It is
a plain function of picklable values so that the cleaning pool runs it in a worker as it is.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from archive.store.snippets import Snippet
from archive.warc.read import parse_response, plain_body, read_response
from crawler.cleaning import Article
from crawler.cleaning.decode import garbled
from crawler.cleaning.extraction import clean_with_fallback
from crawler.sites import SiteProfile

if TYPE_CHECKING:  # the store is the caller's: a cleaning process does without it
    from archive.store.snippet_store import SnippetStore

NOT_ARTICLE = "not_article"  # the cleaner found no article on the page
BAD_ENCODING = "bad_encoding"  # the text decoded into mojibake: the record keeps the bytes for a better cleaner
UNREADABLE = "record_unreadable"  # the WARC record could not be read back
RECORD_META = "warc_record"  # Request.meta key: the RecordPointer the WARC middleware wrote for the exchange


@dataclass(frozen=True)
class RecordPointer:
    """Where the response record of a capture lies, and what identifies it: what a snippet points at."""

    file: str  # file name under DATA/warc/
    offset: int
    length: int  # 0 when the exchange was a revisit and the pointer names the original's record
    record_id: str
    payload_digest: str
    fetched_at: str  # ISO 8601 UTC, when this capture was made

    @classmethod
    def of(cls, snippet: Snippet) -> RecordPointer:
        return cls(snippet.warc_file, snippet.warc_offset, snippet.warc_length, snippet.warc_record_id,
                   snippet.payload_digest, snippet.fetched_at)


@dataclass(frozen=True)
class Capture:
    """A response as archived: the URL it answered, the body as served, its Content-Type, its record."""

    url: str
    body: bytes
    content_type: str | None
    pointer: RecordPointer


@dataclass(frozen=True)
class Cleaned:
    """The outcome of cleaning one capture: a snippet, or the reason there is none."""

    snippet: Snippet | None
    refused: str | None = None  # NOT_ARTICLE, BAD_ENCODING or UNREADABLE when there is no snippet
    fallback: bool = False  # the generic cleaner stood in for the profile's rules (layout drift?)
    detail: str = ""  # what went wrong, for a report


def read_capture(warc_dir: Path, pointer: RecordPointer, url: str) -> Capture:
    """The capture behind ``pointer`` (raises OSError or ValueError when the record cannot be read)."""
    archived = read_response(warc_dir / pointer.file, pointer.offset)
    content_type = next((v for k, v in archived.http_headers if k.lower() == "content-type"), None)
    return Capture(url, archived.body, content_type, pointer)


def clean_member(member: bytes | Capture, pointer: RecordPointer, url: str, profile: SiteProfile,
                 run_id: str) -> Cleaned:
    """Clean the record in one gzip member (an import's copy, cleaned while its file is still being
    written); ``pointer`` is what the snippet will point at. An import that has parsed the record already
    sends its ``Capture`` instead (most pages), and this process neither inflates nor parses it again."""
    if isinstance(member, Capture):
        return clean_capture(member, profile, run_id)
    try:
        raw = gzip.decompress(member)
        plain = plain_body(raw)
        if plain is not None:  # most pages: neither content coding nor chunking to undo, and no warcio needed
            body, content_type = plain
        else:
            archived = parse_response(raw, pointer.record_id)
            body = archived.body
            content_type = next((v for k, v in archived.http_headers if k.lower() == "content-type"), None)
    except (OSError, ValueError, EOFError, zlib.error) as exc:
        return Cleaned(None, UNREADABLE, detail=str(exc))
    return clean_capture(Capture(url, body, content_type, pointer), profile, run_id)


def make_snippet(article: Article, profile: SiteProfile, capture: Capture, run_id: str) -> Snippet:
    """The snippet of a cleaned article, pointing at the record it came from."""
    p = capture.pointer
    return Snippet(
        url=capture.url, canonical_url=article.canonical_url, site=profile.site_name, title=article.title,
        published=article.published, modified=article.modified, document_date=article.document_date,
        authors=article.authors, categories=article.categories, language=article.language, text=article.text,
        fetched_at=p.fetched_at, run_id=run_id, cleaner_version=article.cleaner or profile.cleaner_version,
        declared_language=article.declared_language, flags=list(article.flags), warc_file=p.file,
        warc_offset=p.offset, warc_length=p.length, warc_record_id=p.record_id, payload_digest=p.payload_digest,
        images=[image.to_dict() for image in article.images], access=article.access,
    )


def clean_capture(capture: Capture, profile: SiteProfile, run_id: str) -> Cleaned:
    """Clean one capture with the ``profile``'s rules valid when it was fetched (falling back to the generic
    cleaner where they miss)."""
    article = clean_with_fallback(profile, capture.body, capture.url, capture.content_type,
                                  at=capture.pointer.fetched_at)
    if article is None:
        return Cleaned(None, NOT_ARTICLE)
    if garbled(article):
        return Cleaned(None, BAD_ENCODING, article.fallback)
    return Cleaned(make_snippet(article, profile, capture, run_id), None, article.fallback)


def fetched_at_of(warc_date: str) -> str:
    """A copied capture's time as snippets keep it (ISO 8601 in UTC), from its ``WARC-Date``; now, when the
    other writer's date cannot be read."""
    try:
        return datetime.fromisoformat(warc_date).astimezone(UTC).isoformat()
    except ValueError:
        return datetime.now(UTC).isoformat()


def another_rendering(snippet: Snippet, store: SnippetStore) -> bool:
    """Whether a page is an AMP, print or tracking-parameter copy of an article the archive has from the
    article's own URL: another rendering of a version, not an edit of it. An import meets such pages
    wherever the other tool's crawl followed its links; they add no version."""
    return snippet.url != snippet.canonical_url and bool(store.versions(snippet.canonical_url))


def clean_record(warc_dir: Path, pointer: RecordPointer, url: str, profile: SiteProfile, run_id: str) -> Cleaned:
    """Read one archived record and clean it (in a worker process, for reextract and recovery)."""
    try:
        capture = read_capture(warc_dir, pointer, url)
    except (OSError, ValueError) as exc:
        return Cleaned(None, UNREADABLE, detail=str(exc))
    return clean_capture(capture, profile, run_id)
