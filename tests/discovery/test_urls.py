"""URL canonicalisation and validation: one article, one URL."""

from __future__ import annotations

import pytest

from crawler.discovery.urls import BadUrlError, canonicalize, is_loopback, validate_url


@pytest.mark.parametrize(("raw", "canonical"), [
    ("HTTP://RKI.News:80/2025/07/04/x/", "http://rki.news/2025/07/04/x/"),
    ("https://rki.news:443/x/", "https://rki.news/x/"),
    ("https://rki.news/x/?utm_source=rss&utm_medium=rss&utm_campaign=x", "https://rki.news/x/"),
    ("https://rki.news/x/?fbclid=abc&page=2", "https://rki.news/x/?page=2"),
    ("https://rki.news/x/#respond", "https://rki.news/x/"),
    ("https://rki.news", "https://rki.news/"),
    ("https://rki.news/%d8%a7%d8%b1/", "https://rki.news/%d8%a7%d8%b1/"),  # escapes kept as the site wrote them
    ("https://rki.news/ار/", "https://rki.news/%D8%A7%D8%B1/"),
    ("https://rki.news/?p=12345", "https://rki.news/?p=12345"),
    ("http://127.0.0.1:8080/a b", "http://127.0.0.1:8080/a%20b"),
])
def test_canonicalize(raw: str, canonical: str) -> None:
    assert canonicalize(raw) == canonical


def test_canonicalize_is_idempotent() -> None:
    for url in ("https://rki.news/x/?utm_source=a#f", "https://rki.news/ار/?b=2&a=1"):
        assert canonicalize(canonicalize(url)) == canonicalize(url)


@pytest.mark.parametrize("bad", ["rki.news", "ftp://rki.news/", "javascript:alert(1)", "http://", "http:///x",
                                 "http://host:notaport/", "http://exa mple.com/", ""])
def test_validate_url_rejects(bad: str) -> None:
    with pytest.raises(BadUrlError):
        validate_url(bad)


def test_validate_url_returns_the_canonical_form() -> None:
    assert validate_url(" https://RKI.news/x/?utm_source=a ") == "https://rki.news/x/"


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.0.0.1:8000/", True), ("http://127.5.5.5/", True), ("http://[::1]:80/", True),
    ("http://localhost/", True), ("https://rki.news/", False), ("http://10.0.0.1/", False),
])
def test_is_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback
