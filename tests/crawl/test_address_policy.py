"""No request reaches an address the user did not aim the crawler at: a site on 127.0.0.1 redirects to
another port, to 127.0.0.2 and to a name that resolves to loopback, and links to them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from archive.warc.read import iter_records
from crawler.core.addresses import is_public, origin
from crawler.middlewares.address_policy import BlockedAddress, PolicyResolver
from crawler.spiders.news import NewsSpider
from tests.conftest import crawl, run_cli
from tests.helpers import Server
from tests.misbehaving import article


@pytest.fixture
def servers() -> Iterator[tuple[Server, Server, Server]]:
    """The site on 127.0.0.1, an internal service on another port, and one on 127.0.0.2."""
    secret: dict[str, tuple[int, dict[str, str], bytes]] = {"/secret": (200, {}, article("Internal secret"))}
    service = Server("127.0.0.1", secret)
    other_ip = Server("127.0.0.2", secret)
    port = service.base_url.rsplit(":", 1)[1]
    redirects = {"/to-port": service.base_url + "/secret", "/to-ip": other_ip.base_url + "/secret",
                 "/to-name": f"http://localhost:{port}/secret"}
    routes = {path: (302, {"Location": target}, b"") for path, target in redirects.items()}
    links = "".join(f'<a href="{p}">{p}</a> ' for p in [*redirects, service.base_url + "/secret",
                                                        other_ip.base_url + "/secret", "/story"])
    routes["/"] = (200, {}, f"<html><body>{links}</body></html>".encode())
    routes["/story"] = (200, {}, article("A story on the site"))
    site = Server("127.0.0.1", routes)
    yield site, service, other_ip
    for server in (site, service, other_ip):
        server.close()


def test_fetch_refuses_redirects_to_addresses_not_given(servers: tuple[Server, Server, Server],
                                                        tmp_path: Path) -> None:
    site, service, other_ip = servers
    urls = [site.base_url + p for p in ("/to-port", "/to-ip", "/to-name")]
    result = run_cli("fetch", *urls, "--json", data=tmp_path)
    outcomes = {r["url"]: (r["outcome"], r.get("reason")) for r in json.loads(result.stdout)["results"]}
    assert outcomes == dict.fromkeys(urls, ("failed", "blocked_address"))
    assert service.hits == other_ip.hits == []  # no request left for them
    (warc,) = (tmp_path / "warc").glob("*.warc.gz")
    targets = {r.fields.get("WARC-Target-URI") for r in iter_records(warc) if r.type == "response"}
    assert targets == {*urls, site.base_url + "/robots.txt"}  # the redirects are archived, nothing behind them


def test_a_target_the_user_names_is_fetched_whatever_its_address(servers: tuple[Server, Server, Server],
                                                                 tmp_path: Path) -> None:
    _, service, _ = servers
    result = run_cli("fetch", service.base_url + "/secret", "--json", data=tmp_path)
    assert result.returncode == 0, result.stderr
    assert service.hits == ["/robots.txt", "/secret"]


def test_a_crawl_reports_blocked_redirects_and_follows_no_link_off_the_site(servers: tuple[Server, Server, Server],
                                                                            tmp_path: Path) -> None:
    site, service, other_ip = servers
    report = crawl(tmp_path, site.base_url + "/").report
    # the same host on another port passes Scrapy's offsite filter and is refused here; the redirects to
    # other hosts (127.0.0.2, localhost) are dropped as offsite before
    assert report["errors"]["blocked_address"] == {"count": 1, "examples": [service.base_url + "/secret"]}
    assert service.hits == other_ip.hits == []
    assert report["counts"]["articles/new"] == 1  # the story on the site


def test_the_policy_can_be_turned_off_for_an_intranet(servers: tuple[Server, Server, Server], tmp_path: Path) -> None:
    site, service, _ = servers
    result = run_cli("fetch", site.base_url + "/to-port", "-s", "NEWSARCHIVE_ADDRESS_POLICY=False", "--json",
                     data=tmp_path)
    assert json.loads(result.stdout)["results"][0]["outcome"] == "new"
    assert service.hits == ["/robots.txt", "/secret"]


@pytest.mark.parametrize(("address", "public"), [
    ("93.184.215.14", True), ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
    ("127.0.0.1", False), ("127.0.0.2", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("240.0.0.1", False), ("255.255.255.255", False), ("::1", False), ("::", False), ("fe80::1%eth0", False),
    ("fc00::1", False), ("ff02::1", False), ("::ffff:127.0.0.1", False), ("::ffff:169.254.169.254", False),
    ("::ffff:93.184.215.14", True), ("64:ff9b::a9fe:a9fe", False), ("2002:7f00:1::", False), ("not an ip", False),
])
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public(address) is public


def test_origins_spell_out_default_ports() -> None:
    assert origin("HTTP://Example.org/a") == origin("http://example.org:80/b") == "http://example.org:80"
    assert origin("https://[::1]/") == "https://[::1]:443"
    assert origin("http://127.0.0.1:8080/x") != origin("http://127.0.0.1:8081/x")


def test_the_resolver_refuses_a_name_that_resolves_inward_unless_it_was_named() -> None:
    """A name checked while it pointed outward and connected after it moved inward (DNS rebinding)."""
    resolver = PolicyResolver(cast(Any, SimpleNamespace()), 0, 5.0)  # only _check is called: no reactor needed
    with pytest.raises(BlockedAddress):
        resolver._check("169.254.169.254", "news.example.org")
    assert resolver._check("93.184.215.14", "news.example.org") == "93.184.215.14"
    named = NewsSpider(start_url="http://intranet.example:8080/")
    resolver.process = SimpleNamespace(crawlers=[SimpleNamespace(spider=named)])
    assert resolver._check("10.0.0.5", "intranet.example") == "10.0.0.5"
