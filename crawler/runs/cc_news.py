"""Common Crawl's news crawl (CC-NEWS): the files a ``warc.paths.gz`` listing names, streamed over HTTP and
imported without being kept.

A listing line is a path under the data URL, such as ``crawl-data/CC-NEWS/2024/01/CC-NEWS-20240101012345-
00123.warc.gz``; a line without the file's time in its name is skipped and counted. A file that starts at or
after ``--until`` is not fetched at all. Each file is read as it arrives (``archive.warc.foreign`` over a
streamed HTTP body): memory stays that of one record whatever the file's size, and only the records in
scope (``--site``: the hosts asked for) are copied, into ``import-…`` files whose warcinfo names the file's
URL. A file the server does not have is counted; a connection lost midway ends that file as a file cut
short would, reported with where it stopped.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, cast

import urllib3

from archive.store.location import StoreLocation
from archive.store.query import to_utc
from archive.warc.foreign import SourceReport, read_source
from crawler.core.identity import new_run_id, user_agent
from crawler.fetching.web_archive import ArchiveUnavailable, CaptureMissing, StreamedFile
from crawler.runs.importing import Importer, ImportReport, Job, Scope, run_import
from crawler.runs.sources import ImportArgumentError

FILE_TIME = re.compile(r"(?<!\d)(\d{14})(?!\d)")  # CC-NEWS-YYYYMMDDhhmmss-NNNNN.warc.gz


def read_listing(listing: str, timeout: float = 60.0) -> list[str]:
    """The lines of a paths listing: a local file or a URL, gzip-compressed or not."""
    if listing.startswith(("http://", "https://")):
        try:
            response = urllib3.request("GET", listing, timeout=timeout, decode_content=False)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ImportArgumentError(f"{listing}: {type(exc).__name__}: {exc}") from exc
        if response.status != 200:
            raise ImportArgumentError(f"{listing}: HTTP {response.status}")
        raw = response.data
    else:
        try:
            raw = Path(listing).read_bytes()
        except OSError as exc:
            raise ImportArgumentError(f"{listing}: {exc.strerror or exc}") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ImportArgumentError(f"{listing}: not a readable gzip file ({exc})") from exc
    return [line.strip() for line in raw.decode("utf-8", "replace").splitlines() if line.strip()]


def dated_paths(lines: list[str]) -> tuple[list[tuple[str, str]], int]:
    """(path, its time as ISO 8601) of the listed files, oldest first, and how many lines had no time."""
    dated, undated = [], 0
    for line in lines:
        match = FILE_TIME.search(line.rsplit("/", 1)[-1])
        if match is None:
            undated += 1
            continue
        t = match.group(1)
        dated.append((line, f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"))
    return sorted(dated, key=lambda pair: pair[1]), undated


def import_cc_news(where: StoreLocation | Path, listing: str, data_url: str, *, site: str | None = None,
                   since: str | None = None, until: str | None = None, workers: int = 0,
                   progress: Callable[..., None] | None = None, run_id: str | None = None, operator: str = "",
                   contact: str = "", timeout: float = 60.0) -> ImportReport:
    """Import the records of ``site`` (every host when None) from the CC-NEWS files of ``listing``, each
    streamed from ``data_url``/PATH; ``progress`` gets the number of files done and of files listed."""
    files, undated = dated_paths(read_listing(listing, timeout))
    scope = Scope(site, since, until)
    report = ImportReport(run_id or new_run_id(kind="import"))
    report.listing_skipped = undated
    base = data_url.rstrip("/")
    http = urllib3.PoolManager(headers={"User-Agent": user_agent(contact)}, retries=False)

    def jobs(importer: Importer) -> Iterator[Job]:
        for done, (path, started) in enumerate(files):
            if progress is not None:
                progress(done, len(files))
            if until and started >= (to_utc(until) or ""):  # its records are all from after --until
                report.out_of_scope_files += 1
                continue
            url = f"{base}/{path.lstrip('/')}"
            try:
                stream = StreamedFile(url, timeout=timeout, http=http)
            except (CaptureMissing, ArchiveUnavailable) as exc:
                report.fail("file_unavailable", str(exc))
                continue
            report.files += 1
            source_report = SourceReport()
            with stream:
                records = read_source(cast(BinaryIO, stream), source_report)  # a raw stream: read() as a file's
                yield from importer.source_jobs(records, source_report, url,
                                                stream.size, None)
            if stream.lost:
                report.damaged.append({"file": url, "offset": stream.read_bytes, "reason": stream.lost})
            report.bytes_read += stream.read_bytes
            importer.close_writer()
        if progress is not None:
            progress(len(files), len(files))

    return run_import(StoreLocation.of(where), report, scope, site or "import", jobs, workers=workers,
                      progress=None, operator=operator)
