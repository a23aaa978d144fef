"""Page resources in real crawls: the replica's theme files archived with every article page, each once per
run; the policy's limits and refusals on a server of our own; nothing leaves this machine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from archive.api import Archive
from archive.warc.verify import verify_directory
from replica import ReplicaServer
from tests.conftest import Crawl, crawl, records_by_uri, run_cli
from tests.helpers import Server, store_for

WORDS = " ".join(f"Farmers in district {n} brought in {n * 40} tonnes of wheat, {n + 2} weeks before the usual date, "
                 f"after a dry spring that the cooperative had warned of in its report number {n}." for n in range(9))
ARTICLE = f"""<!DOCTYPE html><html lang="en"><head><title>Wheat harvest comes in early</title>
<meta property="og:type" content="article"><meta property="article:published_time" content="2025-07-04T09:00:00Z">
<link rel="stylesheet" href="/static/site.css"><script src="/static/big.js"></script>
</head><body><article><h1>Wheat harvest comes in early</h1>
<img src="/img/lead.png" alt="A field"><img src="/private/hidden.png" alt="">
<img src="/img/missing.png" alt=""><img src="PEER/img/cdn.png" alt="">
<p>{WORDS}</p><p>{WORDS}</p><p>{WORDS}</p></article></body></html>"""


def resources_report(data: Path) -> dict[str, Any]:
    (path,) = [p for p in (data / "runs").glob("*.json")]
    report: dict[str, Any] = json.loads(path.read_text())
    return dict(report["resources"])


def response_types(data: Path) -> dict[str, str]:
    """Target URI -> Content-Type of every response record."""
    found = {}
    for uri, records in records_by_uri(verify_directory(data / "warc"), "response").items():
        head = records[0].http_head.decode("latin-1").lower()
        found[uri] = head.split("content-type:", 1)[1].split("\r\n", 1)[0].strip() if "content-type:" in head else ""
    return found


def test_every_replica_article_page_is_archived_with_what_it_needs_to_render(replica_crawl: Crawl,
                                                                             replica: ReplicaServer) -> None:
    base = replica.base_url
    types = response_types(replica_crawl.data)
    theme = {f"{base}/wp-content/themes/Newspaper/style.css?ver=12.6.5": "text/css",
             f"{base}/wp-content/themes/Newspaper/fonts.css": "text/css",
             f"{base}/wp-content/themes/Newspaper/fonts/roboto-regular.woff2": "font/woff2",
             f"{base}/wp-content/themes/Newspaper/images/bg-pattern.png": "image/png",
             f"{base}/wp-includes/js/jquery/jquery.min.js?ver=3.7.1": "application/javascript"}
    for url, content_type in theme.items():
        assert types.get(url, "").startswith(content_type), url
    with Archive(store_for(replica_crawl.data)) as archive:
        pages = list(archive.search())
        for snippet in pages:
            resources = archive.resources(snippet)
            kinds = {r.kind for r in resources}
            assert {"stylesheet", "script", "image", "icon"} <= kinds, snippet.url
            # what the shared stylesheet loads is each page's too, though fetched for the first page only
            assert set(theme) <= {r.url for r in resources}, snippet.url
            assert all(r.archived for r in resources), [r for r in resources if not r.archived]
            photo = [r.url for r in resources if "/photo-" in r.url]
            assert len(photo) == 1
            assert photo[0].endswith("-1024x576.png")
    counts = replica_crawl.report["resources"]
    assert counts["pages"] == len(pages) == replica_crawl.report["counts"]["articles/new"]
    assert not [k for k in counts if k.startswith(("failed_", "http_"))]
    # each theme file once, whatever the number of pages naming it
    requests = records_by_uri(verify_directory(replica_crawl.warc_dir), "request")
    assert all(len(requests[url]) == 1 for url in theme)
    # the pages name a tracker on the live web: a crawl of a local origin never asks for it
    assert counts["offsite_of_local_page"] == len(pages)
    assert not [u for u in requests if not u.startswith(base)]


def test_show_lists_a_page_s_resources(replica_crawl: Crawl) -> None:
    shown = run_cli("show", "1", "--json", data=replica_crawl.data)
    assert shown.returncode == 0, shown.stderr
    resources = json.loads(shown.stdout)["resources"]
    assert resources
    assert all(r["archived"] and r["status"] == 200 for r in resources)
    text = run_cli("show", "1", data=replica_crawl.data).stdout
    assert f"page resources: {len(resources)}, {len(resources)} archived" in text


def test_resources_none_archives_the_pages_only(replica: ReplicaServer, tmp_path: Path) -> None:
    done = crawl(tmp_path, "rki.news", "--base-url", replica.base_url, "--max-articles", "5", "--resources", "none")
    assert done.report["counts"]["articles/new"] == 5
    assert "pages" not in done.report["resources"]
    assert not [u for u, t in response_types(tmp_path).items() if not t.startswith(("text/html", "application/xml",
                                                                                      "application/rss", "text/plain"))]


def test_per_page_limits_are_kept_and_counted(replica: ReplicaServer, tmp_path: Path) -> None:
    few = crawl(tmp_path / "few", "rki.news", "--base-url", replica.base_url, "--max-articles", "3",
                "-s", "NEWSARCHIVE_RESOURCES_PER_PAGE=2")
    counts = few.report["resources"]
    assert counts["over_page_limit"] >= 3 * 4  # each page names six here and archives two
    with Archive(store_for(tmp_path / "few")) as archive:
        assert all(len(archive.resources(s)) <= 2 for s in archive.search())
    # one request at a time: a page's first resource uses its byte budget before the next is sent
    small = crawl(tmp_path / "small", "rki.news", "--base-url", replica.base_url, "--max-articles", "1",
                  "-s", "NEWSARCHIVE_RESOURCES_PAGE_BYTES=1", "-s", "CONCURRENT_REQUESTS=1")
    counts = small.report["resources"]
    assert counts["archived"] == 1
    assert counts["over_page_bytes"] == counts["requested"] - 1 >= 4


@pytest.fixture
def awkward_site() -> Any:
    """A page whose resources fail every way a policy must survive: 404, too large, disallowed by
    robots.txt, on an address nobody named; and one that works."""
    peer = Server("127.0.0.2", {"/img/cdn.png": (200, {"Content-Type": "image/png"}, b"\x89PNG cdn")})
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"),
        "/static/site.css": (200, {"Content-Type": "text/css"}, b"body { background: url(../img/bg.png) }"),
        "/img/bg.png": (200, {"Content-Type": "image/png"}, b"\x89PNG bg"),
        "/img/lead.png": (200, {"Content-Type": "image/png"}, b"\x89PNG lead"),
        "/private/hidden.png": (200, {"Content-Type": "image/png"}, b"\x89PNG hidden"),
        "/static/big.js": (200, {"Content-Type": "application/javascript"}, b"//" + b"x" * 300_000),
    }
    site = Server("127.0.0.1", routes)
    routes["/2025/07/04/wheat-harvest/"] = (200, {}, ARTICLE.replace("PEER", peer.base_url).encode())
    yield site, peer
    site.close()
    peer.close()


def test_a_resource_that_fails_costs_that_resource_only(awkward_site: Any, tmp_path: Path) -> None:
    site, peer = awkward_site
    page = f"{site.base_url}/2025/07/04/wheat-harvest/"
    result = run_cli("fetch", page, "--json", "-s", "NEWSARCHIVE_RESOURCE_MAX_BYTES=100000", data=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["outcome"] == "new"
    counts = resources_report(tmp_path)
    assert counts["archived"] == 3  # the stylesheet, what it loads, the lead image
    assert counts["http_404"] == 1
    assert counts["failed_robots_disallowed"] == 1
    assert counts["failed_body_too_large"] == 1
    assert counts["failed_blocked_address"] == 1
    assert counts["http_404/examples"] == [f"{site.base_url}/img/missing.png"]
    assert "/private/hidden.png" not in site.hits
    assert not peer.hits
    with Archive(store_for(tmp_path)) as archive:
        (snippet,) = archive.search()
        listed = {r.url.removeprefix(site.base_url): r.archived for r in archive.resources(snippet)}
    assert listed["/static/site.css"]
    assert listed["/img/bg.png"]
    assert listed["/img/lead.png"]
    assert not listed["/img/missing.png"]
    assert not listed["/private/hidden.png"]
    assert not listed["/static/big.js"]
