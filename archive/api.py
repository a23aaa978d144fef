"""The researcher's entry point: ``archive.open(DATA_DIR)`` and pull text, with no Scrapy involved.

    import archive
    with archive.open("data") as a:
        for s in a.search('"fertiliser subsidies"', site="rki.news", since="2025-06-01", limit=20):
            print(s.published, s.title, s.fragment)

Read-only by default and safe while a crawl writes (SQLite WAL). Paths inside a data directory are
relative to it, so a copied or moved directory works from its new place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from archive.export import ExportFormat, write_snippets
from archive.history import version_diffs
from archive.store.fingerprints import Copy
from archive.store.location import StoreLocation
from archive.store.query import Filters, Order
from archive.store.snippet_store import ImportedRecord, PageResource, SnippetStore
from archive.store.snippets import SNIPPET_FIELDS, Match, Snippet
from archive.warc.cdx import CdxIndex, build_index
from archive.warc.read import ArchivedResponse, read_response
from archive.warc.wacz import write_wacz
from archive.warc.write import warc_paths

if TYPE_CHECKING:
    import pandas

    from crawler.runs.importing import ImportReport

REPLAY_COLLECTION = "archive"


class Archive:
    """One data directory: its snippet store and its WARC files."""

    def __init__(self, data_dir: str | Path | StoreLocation, *, readonly: bool = True,
                 store: str | None = None) -> None:
        """``store``: a postgresql:// URL when the store is not the data directory's SQLite file (or pass a
        ``StoreLocation`` as ``data_dir``). The environment is not read: the command line does that."""
        location = data_dir if isinstance(data_dir, StoreLocation) else StoreLocation.resolve(data_dir, store, {})
        self.location = location
        self.data_dir = location.data_dir
        self.store = SnippetStore(location, readonly=readonly)  # read-only: none is an error

    @property
    def warc_dir(self) -> Path:
        return self.data_dir / "warc"

    # -- reading snippets ---------------------------------------------------------------------------

    def search(self, query: str | None = None, *, site: str | None = None, since: str | None = None,
               until: str | None = None, language: str | None = None, category: str | None = None,
               author: str | None = None, limit: int | None = None, order: Order = "newest",
               all_versions: bool = False, access: str | None = None) -> Iterator[Match]:
        """The latest version of each matching article (every version with ``all_versions``), newest first.

        ``query`` is FTS5 syntax over title and text (``"a phrase"``, ``a AND b``, ``a OR b``, ``NOT a``,
        ``pref*``); ``order="relevance"`` ranks by bm25. Each result is a Snippet with ``fragment`` and
        ``score`` set when there was a query.
        """
        filters = Filters(query, site, since, until, language, category, author, all_versions, access)
        return self.store.select(filters, order=order, limit=limit)

    def count(self, query: str | None = None, *, site: str | None = None, since: str | None = None,
              until: str | None = None, language: str | None = None, category: str | None = None,
              author: str | None = None, all_versions: bool = False, cap: int | None = None,
              access: str | None = None) -> int:
        """How many articles match (every version with ``all_versions``); with ``cap``, counting stops
        there, which a common word needs to stay quick."""
        return self.store.count_matching(Filters(query, site, since, until, language, category, author,
                                                 all_versions, access), cap)

    def facets(self, query: str | None = None, *, site: str | None = None, since: str | None = None,
               until: str | None = None, language: str | None = None, category: str | None = None,
               author: str | None = None, all_versions: bool = False,
               sample: int | None = None, access: str | None = None) -> dict[str, dict[str, int]]:
        """How the matches of a search spread: ``{"sites": {...}, "languages": {...}, "days": {...}}``, counts
        per site and language (most first) and per day of publication (in order; the latest thousand); with
        ``sample``, among the newest ``sample`` matches only (quick however many match)."""
        return self.store.facets(Filters(query, site, since, until, language, category, author, all_versions,
                                         access), sample)

    def get(self, snippet_id: int) -> Snippet:
        snippet = self.store.get(snippet_id)
        if snippet is None:
            raise KeyError(f"no snippet with id {snippet_id}")
        return snippet

    def resources(self, snippet: Snippet) -> list[PageResource]:
        """What the snippet's page needed to render, as the crawl found it, each with its last fetch (status
        None: not fetched, e.g. over a limit or refused by robots.txt)."""
        return self.store.page_resources(snippet.warc_record_id)

    def copies(self, snippet_id: int) -> list[Copy]:
        """The other articles whose text is near-identical to this version's (syndicated copies, one story under
        two URLs): the latest version of each, the cluster's first first; empty when the story is unique or the
        version has no fingerprint yet (``newsarchive dedupe`` makes them for an older archive)."""
        snippet = self.get(snippet_id)
        cluster = self.store.cluster_of(snippet_id)
        if cluster is None:
            return []
        return [c for c in self.store.cluster_members(cluster) if c.canonical_url != snippet.canonical_url]

    def collapsed(self, matches: Iterator[Match]) -> Iterator[tuple[Match, int]]:
        """One match per cluster of copies, the first of each cluster in the order given, with how many
        other articles the cluster holds."""
        seen: set[int] = set()
        for match in matches:
            cluster = self.store.cluster_of(match.id) if match.id is not None else None
            if cluster is None:
                yield match, 0
                continue
            if cluster in seen:
                continue
            seen.add(cluster)
            members = {c.canonical_url for c in self.store.cluster_members(cluster)}
            yield match, len(members - {match.canonical_url})

    def dedupe(self, *, rebuild: bool = False, progress: Callable[[int], None] | None = None) -> int:
        """Fingerprint every version that has no fingerprint (all of them again with ``rebuild``), in
        publication order so that each cluster's first comes first; returns how many were fingerprinted."""
        if rebuild:
            self.store.drop_fingerprints()
        done = 0
        with self.store.transaction():
            for snippet_id, canonical_url, text in self.store.unfingerprinted():
                self.store.add_fingerprint(snippet_id, canonical_url, text)
                done += 1
                if progress:
                    progress(done)
        return done

    def import_warcs(self, paths: str | Path | list[str | Path], *, site: str | None = None,
                     since: str | None = None, until: str | None = None, workers: int = 0,
                     progress: Callable[[int], None] | None = None) -> ImportReport:
        """Bring WARC and ARC files other tools wrote (or directories of them) into this archive, as
        ``newsarchive import`` does: records copied byte for byte, HTML pages cleaned into versions dated by
        their capture, a second import of the same records adds nothing. ``site`` keeps one site's records
        (a profile's name or a host), ``since``/``until`` bound the capture dates, ``workers`` processes clean
        (0: this one), ``progress`` is told the bytes read. Needs ``archive.open(..., readonly=False)``."""
        if self.store.readonly:
            raise PermissionError("import_warcs writes: open the archive with readonly=False")
        from crawler.runs.importing import import_warcs  # the cleaners: loaded only by those who import

        named = [paths] if isinstance(paths, (str, Path)) else paths
        return import_warcs(self.location, [Path(p) for p in named], site=site, since=since, until=until,
                            workers=workers, progress=progress)

    def images(self, snippet: Snippet) -> list[dict[str, Any]]:
        """The article's images (lead first: url, alt, caption, credit, lead), each with the WARC record of
        its capture (``warc_record_id``) where the crawl archived the page's resources, else None."""
        records = {r.url: r.record_id for r in self.resources(snippet) if r.archived and r.kind == "image"}
        return [{**image, "warc_record_id": records.get(image["url"])} for image in snippet.images]

    def _archived_resource_urls(self, snippet: Snippet) -> list[str]:
        return [r.url for r in self.resources(snippet) if r.archived]

    def versions(self, url: str) -> list[Snippet]:
        """Every stored version of the article at this canonical URL, oldest first."""
        return self.store.versions(url)

    def sites(self) -> list[str]:
        """The sites this archive has snippets of."""
        return self.store.sites()

    def export(self, destination: str | Path | IO[str], export_format: ExportFormat = "jsonl",
               query: str | None = None, *, progress: Callable[[int], None] | None = None,
               **filters: Any) -> int:
        """Write the matching snippets, oldest first, as JSON lines, CSV or Parquet (docs/data.md has the
        schema) to a path or an open text handle, in constant memory, or as a WACZ package of their WARC
        records and text (archive/warc/wacz.py); returns how many were written.
        ``filters`` are those of ``search``; ``progress`` is called with the running count. The export is
        one snapshot of the archive, even while a crawl writes."""
        with self.snapshot():
            snippets = self.search(query, order="oldest", **filters)
            if export_format == "wacz":  # the records themselves, with the text: archive/warc/wacz.py
                if not isinstance(destination, (str, Path)):
                    raise ValueError("a WACZ is written to a file: give a path")
                with CdxIndex(build_index(self.data_dir)) as index:
                    return write_wacz(snippets, self.warc_dir, Path(destination), index=index,
                                      resources=self._archived_resource_urls, progress=progress)
            return write_snippets(snippets, destination, export_format, progress, self.store.cluster_fields)

    def snapshot(self) -> AbstractContextManager[None]:
        """A block in which every read sees the archive as it was at its first read (crawls may go on
        writing): ``with a.snapshot(): n = a.count(); rows = list(a.search())`` agree."""
        return self.store.snapshot()

    def diff(self, url: str) -> list[dict[str, Any]]:
        """What changed between consecutive versions of an article: title and paragraph hunks per pair."""
        return version_diffs(self.versions(url))

    def stats(self) -> dict[str, Any]:
        """Articles and versions; latest versions per site, language and day; runs by status; WARC files and
        bytes."""
        stats = self.store.stats()
        warcs = warc_paths(self.warc_dir)
        stats["warc"] = {"files": len(warcs), "bytes": sum(p.stat().st_size for p in warcs)}
        return stats

    def runs(self, site: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Past crawl, fetch and reextract runs, newest first, each with its report once it finished."""
        return self.store.runs(site=site, limit=limit)

    def to_pandas(self, query: str | None = None, **filters: Any) -> pandas.DataFrame:
        """The matching snippets as a DataFrame, one row each, with the export's columns (needs pandas)."""
        try:
            import pandas
        except ImportError as exc:
            raise ImportError("to_pandas needs pandas: pip install 'newsarchive[research]'") from exc
        rows = [{name: getattr(s, name) for name in SNIPPET_FIELDS} for s in self.search(query, **filters)]
        frame = pandas.DataFrame(rows, columns=SNIPPET_FIELDS)
        for column in ("published", "modified", "document_date", "fetched_at"):
            frame[column] = pandas.to_datetime(frame[column], utc=True, format="ISO8601")
        return frame

    # -- provenance --------------------------------------------------------------------------------------

    def record(self, snippet: Snippet) -> ArchivedResponse:
        """The WARC response record a snippet was cleaned from."""
        return read_response(self.warc_dir / snippet.warc_file, snippet.warc_offset)

    def origin(self, snippet: Snippet) -> ImportedRecord | None:
        """Where an imported or backfilled version's record came from (the source file or URL, the offset and
        length of its bytes there); None for a capture this archive made itself."""
        return self.store.imported_record(snippet.warc_record_id)

    @staticmethod
    def replay_url(snippet: Snippet, base: str = "http://127.0.0.1:8080") -> str:
        """Where ``newsarchive replay`` shows the page as captured (pywb's framed view at the fetch time)."""
        stamp = datetime.fromisoformat(snippet.fetched_at).strftime("%Y%m%d%H%M%S")
        return f"{base.rstrip('/')}/{REPLAY_COLLECTION}/{stamp}/{snippet.url}"

    # -- lifetime ------------------------------------------------------------------------------------------

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def open(data_dir: str | Path | StoreLocation, *, readonly: bool = True, store: str | None = None) -> Archive:
    """Open a data directory (and its PostgreSQL ``store``, if it has one); read-only unless asked otherwise."""
    return Archive(data_dir, readonly=readonly, store=store)
