"""`newsarchive import`: WARC files other tools wrote (wget against the replica; warcio) and ARC files, copied
byte for byte, cleaned, with their provenance; damaged parts skipped and reported; a second import adds
nothing."""

from __future__ import annotations

import gzip
import io
import json
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean

import pytest
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import archive
from archive.api import Archive
from archive.locks import RunLock
from archive.store.query import Filters
from archive.store.snippet_store import SnippetStore
from archive.warc.foreign import SourceReport, read_source
from archive.warc.read import iter_records, starts_copies
from archive.warc.repair import salvage_file
from archive.warc.verify import verify_directory
from archive.warc.write import WarcFileWriter
from crawler.core.identity import new_run_id
from crawler.runs.importing import import_warcs
from devkit.extraction_score import token_f1
from replica import ReplicaServer
from tests.conftest import ROOT, cli_command, cli_env, run_cli
from tests.helpers import assert_one_line_error, store_for
from tests.web_archive_server import WebArchiveServer


def _import(data: Path, *args: str) -> dict[str, object]:
    result = run_cli("import", *args, "--json", data=data)
    assert result.returncode in (0, 1), result.stderr
    report: dict[str, object] = json.loads(result.stdout)
    report["exit"] = result.returncode
    return report


def test_a_wget_crawl_is_imported_cleaned_and_verifiable(replica: ReplicaServer, wget_warc: Path,
                                                         tmp_path: Path) -> None:
    data = tmp_path / "data"
    report = _import(data, str(wget_warc))
    assert report["exit"] == 0
    assert report["damaged"] == 0
    sources = list(read_source(io.BytesIO(wget_warc.read_bytes()), SourceReport()))
    assert report["records"] == len(sources)
    assert report["copied"] == len(sources)

    truth = {t["url"]: t for t in replica.site.truth()}
    dates = {r.target_uri: r.date for r in sources if r.type == "response"}
    with Archive(store_for(data)) as archive:
        stored = {s.url: s for s in archive.search(limit=None)}
        crawled = [url for url in truth if url in dates]
        assert len(crawled) >= 15  # what wget reached two links deep
        assert set(crawled) <= stored.keys()
        texts = {url: "\n\n".join(truth[url]["paragraphs"]) for url in crawled}  # type: ignore[arg-type]
        scores = [token_f1(stored[url].text, texts[url]) for url in crawled]
        assert mean(scores) >= 0.95, sorted(scores)[:3]
        assert min(scores) >= 0.9, sorted(scores)[:3]
        for url in crawled:
            snippet = stored[url]
            assert snippet.source == "import"
            assert snippet.title == truth[url]["title"]
            assert snippet.published == truth[url]["published"]
            source = next(r for r in sources if r.record_id == snippet.warc_record_id)
            assert datetime.fromisoformat(snippet.fetched_at) == datetime.fromisoformat(source.date)
            origin = archive.origin(snippet)
            assert origin is not None
            assert origin.origin == str(wget_warc.resolve())
            assert (origin.origin_offset, origin.origin_length) == (source.offset, source.length)
            # the copy is the source's gzip member, byte for byte
            with (data / "warc" / snippet.warc_file).open("rb") as f:
                f.seek(snippet.warc_offset)
                assert f.read(snippet.warc_length) == source.member
            assert archive.record(snippet).status == 200
    reports = verify_directory(data / "warc")
    assert [p for r in reports for p in r.problems] == []
    (copy_file,) = [r.path for r in reports]
    first, second, *_ = iter_records(copy_file)
    assert starts_copies(first)
    assert second.version == "WARC/1.0"

    again = _import(data, str(wget_warc))
    assert again["copied"] == 0
    assert again["pages"] == 0
    assert again["already_imported"] == len(sources) - 1
    with Archive(store_for(data)) as archive:
        assert archive.count() == len(stored)
    assert len(list((data / "warc").glob("*.warc.gz"))) == 1


def test_a_damaged_member_is_skipped_and_reported_and_the_rest_imported(wget_warc: Path, tmp_path: Path) -> None:
    raw = wget_warc.read_bytes()
    sources = list(read_source(io.BytesIO(raw), SourceReport()))
    broken = next(r for r in sources[10:] if r.type == "response")
    damaged = bytearray(raw)
    damaged[broken.offset + 40 : broken.offset + 80] = b"\x00" * 40
    bad = tmp_path / "damaged.warc.gz"
    bad.write_bytes(bytes(damaged[: sources[-3].offset + 50]))  # and cut short inside a member
    data = tmp_path / "data"
    report = _import(data, str(bad))
    assert report["exit"] == 1
    parts: list[dict[str, object]] = report["damaged_parts"]  # type: ignore[assignment]
    assert [p["offset"] for p in parts] == [broken.offset, sources[-3].offset]
    assert report["copied"] == len(sources) - 4  # the broken record and the three the cut took
    assert [p for r in verify_directory(data / "warc") for p in r.problems] == []
    result = run_cli("import", str(bad), data=data)
    assert f"skipped {bad.resolve()}@{broken.offset}: unreadable gzip member" in result.stdout


def _write(writer: WARCWriter, record: ArcWarcRecord) -> None:
    writer.write_record(record)
    record.raw_stream.close()  # warcio's spooled copy of the payload


def _http_response(body: bytes) -> tuple[StatusAndHeaders, bytes]:
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                          ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
    return headers, body


def _page(title: str, words: str) -> bytes:
    paragraphs = "".join(f"<p>{words} Paragraph {i} goes on with more words about {title.lower()}.</p>"
                         for i in range(6))
    return (f"<html lang='en'><head><title>{title}</title>"
            f"<meta property='og:type' content='article'>"
            f"<meta property='article:published_time' content='2019-03-0{len(title) % 9 + 1}T08:00:00+00:00'>"
            f"</head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>").encode()


def test_revisits_resolve_to_their_original_in_another_file(tmp_path: Path) -> None:
    """warcio writes the original response into one file and a revisit of it into another (as a
    deduplicating crawler does across its runs); the revisit becomes a capture of the same text at its own
    date. A revisit whose original is nowhere in the archive is counted."""
    url = "http://news.example.org/2019/03/a-story/"
    body = _page("A story of the river", "The river rose overnight and the town watched it.")
    sources = tmp_path / "sources"
    sources.mkdir()
    with (sources / "a-2019.warc.gz").open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        headers, payload = _http_response(body)
        original = writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=headers,
                                             warc_headers_dict={"WARC-Date": "2019-03-05T10:00:00Z"})
        _write(writer, original)
    digest = original.rec_headers.get_header("WARC-Payload-Digest")
    with (sources / "b-2019.warc.gz").open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        headers, _ = _http_response(body)
        revisit = writer.create_revisit_record(url, digest, url, "2019-03-05T10:00:00Z", http_headers=headers)
        revisit.rec_headers.replace_header("WARC-Date", "2019-04-01T10:00:00Z")
        revisit.rec_headers.add_header("WARC-Refers-To", original.rec_headers.get_header("WARC-Record-ID"))
        _write(writer, revisit)
        orphan = writer.create_revisit_record("http://news.example.org/gone/", "sha1:" + "A" * 32,
                                              "http://news.example.org/gone/", "2018-01-01T00:00:00Z",
                                              http_headers=headers)
        _write(writer, orphan)
    data = tmp_path / "data"
    report = _import(data, str(sources))
    assert report["files"] == 2
    assert report["copied"] == 3
    assert report["new"] == 1
    assert report["unchanged"] == 1
    assert report["revisits_unresolved"] == 1
    with Archive(store_for(data)) as archive:
        (snippet,) = archive.versions(url)
        assert snippet.fetched_at.startswith("2019-03-05T10:00:00")
        assert "The river rose overnight" in snippet.text
    assert [p for r in verify_directory(data / "warc") for p in r.problems] == []


def _arc_file(path: Path, records: list[tuple[str, str, bytes]]) -> None:
    """An ARC (version 1) file, gzip member per record, as the Internet Archive wrote before WARC."""
    header_body = b"1 0 newsarchive-test\nURL IP-address Archive-date Content-type Archive-length\n"
    members = [gzip.compress(f"filedesc://{path.name} 127.0.0.1 20040101000000 text/plain "
                             f"{len(header_body)}\n".encode() + header_body + b"\n")]
    for url, stamp, body in records:
        block = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
        members.append(gzip.compress(f"{url} 192.0.2.1 {stamp} text/html {len(block)}\n".encode() + block + b"\n"))
    path.write_bytes(b"".join(members))


def test_an_arc_file_is_converted_and_imported_once(tmp_path: Path) -> None:
    url = "http://old.example.org/news/2004/flood.html"
    arc = tmp_path / "IA-2004.arc.gz"
    _arc_file(arc, [(url, "20040312093000", _page("Flood waters recede in the valley",
                                                    "Flood waters receded slowly through the valley."))])
    data = tmp_path / "data"
    report = _import(data, str(arc))
    assert report["exit"] == 0
    assert report["new"] == 1
    with Archive(store_for(data)) as archive:
        (snippet,) = archive.versions(url)
        assert snippet.fetched_at.startswith("2004-03-12T09:30:00")
        assert snippet.source == "import"
        assert "receded slowly" in snippet.text
    assert [p for r in verify_directory(data / "warc") for p in r.problems] == []
    again = _import(data, str(arc))
    assert again["copied"] == 0
    assert again["already_imported"] == 1


def test_scope_by_site_and_capture_date(tmp_path: Path) -> None:
    pages = [("http://a.example.org/one/", "2020-01-05T00:00:00Z"), ("http://www.b.example.org/two/",
             "2020-01-06T00:00:00Z"), ("http://b.example.org/three/", "2021-06-01T00:00:00Z")]
    source = tmp_path / "mixed.warc.gz"
    with source.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for n, (url, date) in enumerate(pages):
            headers, payload = _http_response(_page(f"Story number {n} of the mixed file", "Words of a story."))
            _write(writer, writer.create_warc_record(url, "response", payload=io.BytesIO(payload),
                                                          http_headers=headers,
                                                          warc_headers_dict={"WARC-Date": date}))
    data = tmp_path / "data"
    report = _import(data, str(source), "--site", "b.example.org", "--until", "2021-01-01")
    assert report["copied"] == 1
    assert report["out_of_scope"] == 2
    with Archive(store_for(data)) as archive:
        assert [s.url for s in archive.search()] == ["http://www.b.example.org/two/"]


def test_bad_arguments_are_one_line_errors(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("import", str(tmp_path / "missing.warc.gz"), data=tmp_path / "d"),
                          "no such file or directory")
    (tmp_path / "empty").mkdir()
    assert_one_line_error(run_cli("import", str(tmp_path / "empty"), data=tmp_path / "d"), "no .warc")
    assert_one_line_error(run_cli("import", str(tmp_path), "--since", "yesterday", data=tmp_path / "d"),
                          "--since")


def test_a_file_that_is_no_archive_is_reported_not_fatal(tmp_path: Path) -> None:
    junk = tmp_path / "junk.warc"
    junk.write_bytes(b"this is not a WARC file\n" * 10)
    report = _import(tmp_path / "data", str(junk))
    assert report["exit"] == 1
    assert report["damaged"] == 1
    assert report["copied"] == 0


def test_warcinfo_of_an_import_names_its_source(tmp_path: Path) -> None:
    source = tmp_path / "one.warc.gz"
    with source.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        headers, payload = _http_response(_page("A single story here", "Some words."))
        _write(writer, writer.create_warc_record("http://c.example.org/x/", "response",
                                                      payload=io.BytesIO(payload), http_headers=headers))
    data = tmp_path / "data"
    _import(data, str(source))
    (path,) = (data / "warc").glob("import-*.warc.gz")
    info = next(iter_records(path))
    fields = dict(line.split(": ", 1) for line in info.block.decode().splitlines() if ": " in line)
    assert fields["copied-from"] == str(source.resolve())
    assert fields["copied-from-size"] == str(source.stat().st_size)
    assert datetime.fromisoformat(info.fields["WARC-Date"]) <= datetime.now(UTC)


def test_show_names_where_an_imported_version_came_from(tmp_path: Path) -> None:
    source = tmp_path / "shown.warc.gz"
    url = "http://d.example.org/shown/"
    with source.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        headers, payload = _http_response(_page("A story that is shown", "Words shown to a reader."))
        _write(writer, writer.create_warc_record(url, "response", payload=io.BytesIO(payload),
                                                 http_headers=headers))
    data = tmp_path / "data"
    _import(data, str(source))
    shown = json.loads(run_cli("show", url, "--json", data=data).stdout)
    assert shown["source"] == "import"
    assert shown["origin"]["origin"] == str(source.resolve())
    assert shown["origin"]["origin_offset"] == 0
    text = run_cli("show", url, data=data).stdout
    assert f"copied from     {source.resolve()}" in text


def test_salvage_keeps_every_whole_copy_of_an_import_cut_short(wget_warc: Path, tmp_path: Path) -> None:
    """A killed import leaves an .open file whose copies are in their writer's order (wget: request, then
    response); salvage keeps each complete one, not only request-after-response pairs."""
    data = tmp_path / "data"
    _import(data, str(wget_warc))
    (done,) = (data / "warc").glob("import-*.warc.gz")
    records = list(iter_records(done))
    cut = records[-1].offset + 20
    torn = done.with_name(done.name + ".open")
    torn.write_bytes(done.read_bytes()[:cut])
    done.unlink()
    salvaged = salvage_file(torn)
    assert salvaged is not None
    assert [r.offset for r in salvaged.records] == [r.offset for r in records[:-1]]


def test_an_own_record_must_be_warc_1_1_a_copy_may_be_1_0(tmp_path: Path) -> None:
    """The verifier holds this project's records to WARC/1.1 and its own rules, and copies to the standard."""
    own = tmp_path / "own-20261207000000-00000-host-abc123.warc.gz"
    with WarcFileWriter(tmp_path, "own", {"software": "x"}) as writer:
        writer.write_copy(gzip.compress(b"WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:"
                                        b"00000000-0000-0000-0000-000000000001>\r\nWARC-Date: 2001-01-01T00:00:00Z"
                                        b"\r\nWARC-Target-URI: <http://e.example.org/>\r\nContent-Length: 0\r\n\r\n"
                                        b"\r\n\r\n"), "<urn:uuid:00000000-0000-0000-0000-000000000001>")
    (written,) = tmp_path.glob("own-*.warc.gz")
    written.rename(own)
    problems = verify_directory(tmp_path)[0].problems
    assert any(p.startswith("A1") and "WARC/1.0" in p for p in problems)
    assert any(p.startswith("A6") for p in problems)


def test_cc_news_files_are_streamed_and_only_the_hosts_asked_for_kept(wget_warc: Path, replica: ReplicaServer,
                                                                      tmp_path: Path) -> None:
    """A server lays files out as Common Crawl's news crawl does; the listing has a line without a file time
    and a file the server does not have. Only the records of the site asked for are copied."""
    month = tmp_path / "served" / "crawl-data" / "CC-NEWS" / "2024" / "01"
    month.mkdir(parents=True)
    first = "crawl-data/CC-NEWS/2024/01/CC-NEWS-20240101000000-00000.warc.gz"
    second = "crawl-data/CC-NEWS/2024/01/CC-NEWS-20240102000000-00001.warc.gz"
    (tmp_path / "served" / first).write_bytes(wget_warc.read_bytes())
    with (tmp_path / "served" / second).open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for n, host in enumerate(["a.example.org", "b.example.org", "www.b.example.org"]):
            headers, payload = _http_response(_page(f"News from {host} number {n}", "Words from the wire."))
            _write(writer, writer.create_warc_record(f"http://{host}/news/{n}/", "response",
                                                     payload=io.BytesIO(payload), http_headers=headers))
    listing = tmp_path / "warc.paths.gz"
    lines = [first, "crawl-data/CC-NEWS/index.html", second,
             "crawl-data/CC-NEWS/2024/01/CC-NEWS-20240103000000-00002.warc.gz"]
    listing.write_bytes(gzip.compress("\n".join(lines).encode()))
    with WebArchiveServer([], tmp_path / "served") as web:
        data = tmp_path / "data"
        result = run_cli("import", "--cc-news", str(listing), "--data-url", f"{web.base_url}/data", "--site",
                         "b.example.org", "--json", data=data)
        report = json.loads(result.stdout)
        assert result.returncode == 1  # a listed file was not there
        assert report["listing_skipped"] == 1
        assert report["failed"] == {"file_unavailable": 1}
        assert report["files"] == 2
        assert report["copied"] == 2
        assert report["new"] == 2
        with Archive(store_for(data)) as archive:
            assert sorted(s.url for s in archive.search()) == ["http://b.example.org/news/1/",
                                                              "http://www.b.example.org/news/2/"]
            origin = archive.origin(next(iter(archive.search())))
            assert origin is not None
            assert origin.origin == f"{web.base_url}/data/{second}"
        site = replica.base_url.split("//", 1)[1]
        result = run_cli("import", "--cc-news", str(listing), "--data-url", f"{web.base_url}/data", "--site", site,
                         "--json", data=data)
        assert json.loads(result.stdout)["new"] >= 15  # the replica's articles, from the first file
        fetched = len(web.requests)
        result = run_cli("import", "--cc-news", str(listing), "--data-url", f"{web.base_url}/data",
                         "--until", "2024-01-02", "--json", data=data)
        report = json.loads(result.stdout)
        assert report["out_of_scope_files"] == 2
        assert report["failed"] == {}
        assert len(web.requests) == fetched + 1
    assert [p for r in verify_directory(data / "warc") for p in r.problems] == []
    assert_one_line_error(run_cli("import", "--cc-news", str(listing), data=data), "--data-url")
    assert_one_line_error(run_cli("import", "--cc-news", str(tmp_path / "nope.gz"), "--data-url",
                                  "http://127.0.0.1:9/", data=data), "nope.gz")


def test_an_import_killed_before_its_commit_is_not_copied_twice(wget_warc: Path, tmp_path: Path) -> None:
    """The copies reached the WARC file but the store's commit did not happen (a SIGKILL between the two):
    the next import salvages the .open file, notes its copies and restores their snippets, and copies
    nothing again."""
    data = tmp_path / "data"
    first = _import(data, str(wget_warc))
    (done,) = (data / "warc").glob("import-*.warc.gz")
    done.rename(done.with_name(done.name + ".open"))  # as a killed writer leaves it
    with SnippetStore(store_for(data)) as store:
        before = {s.url: s.text for s in store.select(Filters())}
        store.db.execute("DELETE FROM snippets WHERE id % 2 = 0")
        store.db.execute("DELETE FROM latest WHERE snippet_id NOT IN (SELECT id FROM snippets)")
        store.db.execute("DELETE FROM imported_records WHERE record_id IN (SELECT record_id FROM imported_records "
                         "ORDER BY warc_offset LIMIT 100)")
        store.db.commit()
    again = _import(data, str(wget_warc))
    assert again["copied"] == 0
    assert again["already_imported"] == int(first["copied"]) - 1  # type: ignore[call-overload]
    assert again["recovered"]["salvaged"] == [done.name]  # type: ignore[index]
    with SnippetStore(store_for(data), readonly=True) as store:
        assert {s.url: s.text for s in store.select(Filters())} == before
        assert {s.source for s in store.select(Filters())} == {"import"}
    assert [p for r in verify_directory(data / "warc") for p in r.problems] == []


def test_a_killed_import_is_marked_crashed_by_the_next_run_and_a_live_one_is_not(wget_warc: Path,
                                                                                  tmp_path: Path) -> None:
    """An import SIGKILLed while its row says 'running' is 'crashed' once another import or reextract starts
    (it takes the dead run's lock); a run whose process lives (here: this test holds its lock) stays
    'running'."""
    data = tmp_path / "data"
    live = new_run_id(kind="import")
    with SnippetStore(store_for(data)) as store:
        store.start_run(live, "import", datetime.now(UTC).isoformat())
    held = RunLock(store_for(data), live).acquire()
    try:
        killed = subprocess.Popen(cli_command("import", str(wget_warc), "--workers", "0", data=data), cwd=ROOT,
                                  env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with SnippetStore(store_for(data), readonly=True) as store:
                if len(store.running_run_ids()) == 2:
                    break
            time.sleep(0.05)
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(timeout=60) == -signal.SIGKILL
        statuses = {r["run_id"]: r["status"] for r in json.loads(run_cli("runs", "--json", data=data).stdout)}
        (dead,) = [run_id for run_id, status in statuses.items() if run_id != live]
        assert statuses == {live: "running", dead: "running"}  # what a kill leaves: nobody has looked yet

        again = _import(data, str(wget_warc))
        assert again["recovered"]["crashed_runs"] == [dead]  # type: ignore[index]
        statuses = {r["run_id"]: r["status"] for r in json.loads(run_cli("runs", "--json", data=data).stdout)}
        assert statuses == {live: "running", dead: "crashed", again["run_id"]: "finished"}
    finally:
        held.release()
    reextract = run_cli("reextract", "--json", data=data)
    assert reextract.returncode == 0, reextract.stderr[-2000:]
    statuses = {r["run_id"]: r["status"] for r in json.loads(run_cli("runs", "--json", data=data).stdout)}
    assert statuses[live] == "crashed"  # its lock is free now: a reextract found it dead
    assert not list((data / "locks").glob("run-*"))  # no lock file of a run is left behind


def test_a_run_id_that_names_no_kind_is_refused_before_any_row_is_written(wget_warc: Path, tmp_path: Path) -> None:
    """The next run tells a killed import from a crawl by the kind its id names: an id without one is refused."""
    data = tmp_path / "data"
    with pytest.raises(ValueError, match="names no kind"):
        import_warcs(store_for(data), [wget_warc], run_id="20240101T000000Z-abcdef")
    with SnippetStore(store_for(data), readonly=True) as store:
        assert store.running_run_ids() == []
    assert import_warcs(store_for(data), [wget_warc], run_id=new_run_id(kind="import")).copied > 0


def test_the_library_imports_as_the_command_does(wget_warc: Path, tmp_path: Path) -> None:
    """``Archive.import_warcs`` (opened for writing) stores what ``newsarchive import`` stores; a read-only
    Archive refuses to write."""
    by_cli = _import(tmp_path / "cli", str(wget_warc))
    with archive.open(store_for(tmp_path / "lib"), readonly=False) as lib:
        report = lib.import_warcs(wget_warc, workers=2)
        assert (report.copied, report.new) == (by_cli["copied"], by_cli["new"])
        assert lib.import_warcs([wget_warc]).copied == 0  # the second time adds nothing
        texts = {s.url: s.text for s in lib.search(limit=None)}
    with Archive(store_for(tmp_path / "cli")) as cli:
        assert {s.url: s.text for s in cli.search(limit=None)} == texts
        with pytest.raises(PermissionError, match="readonly=False"):
            cli.import_warcs(wget_warc)


def test_captures_imported_out_of_order_become_versions_in_time_order(tmp_path: Path) -> None:
    """Files imported newest first (their names sort that way), then an older capture after a later one: the
    article's history follows the captures' WARC-Dates, and its latest version is the newest capture's."""
    url = "http://news.example.org/story/"
    texts = {"2019-05-01T00:00:00Z": "The ministry denied the report on Tuesday.",
             "2019-03-01T00:00:00Z": "The ministry had not commented by Monday.",
             "2019-04-01T00:00:00Z": "The ministry promised a statement on Wednesday."}
    sources = tmp_path / "sources"
    sources.mkdir()
    for n, (date, words) in enumerate(texts.items()):
        with (sources / f"{n}.warc.gz").open("wb") as f:  # 0.warc.gz holds the newest capture
            writer = WARCWriter(f, gzip=True)
            headers, payload = _http_response(_page("The ministry and the report", words))
            _write(writer, writer.create_warc_record(url, "response", payload=io.BytesIO(payload),
                                                     http_headers=headers, warc_headers_dict={"WARC-Date": date}))
    data = tmp_path / "data"
    report = _import(data, str(sources / "0.warc.gz"), str(sources / "1.warc.gz"))
    assert (report["new"], report["changed"]) == (1, 1)
    report = _import(data, str(sources / "2.warc.gz"))
    assert report["changed"] == 1
    with Archive(store_for(data)) as archive:
        history = archive.versions(url)
        assert [(v.version, v.fetched_at[:10]) for v in history] == [
            (1, "2019-03-01"), (2, "2019-04-01"), (3, "2019-05-01")]
        assert ["Monday" in history[0].text, "Wednesday" in history[1].text, "Tuesday" in history[2].text] == \
            [True, True, True]
        (latest,) = archive.search()
        assert "Tuesday" in latest.text
