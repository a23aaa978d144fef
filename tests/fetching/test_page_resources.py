"""What a page needs to render, read from its HTML and CSS (crawler.fetching.page_resources), and the
resource policy's settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.fetching.page_resources import Resource, css_urls, page_resources, srcset_urls
from crawler.fetching.resource_schedule import ResourcePolicy, ResourceSettingError, resource_mode
from crawler.runs.collection import CollectionError, entry_for_target, load_collection

PAGE = b"""<!DOCTYPE html><html><head>
<link rel="stylesheet" href="/theme/style.css?ver=2">
<link rel="alternate stylesheet" href="/theme/contrast.css" title="contrast">
<link rel="alternate" type="application/rss+xml" href="/feed/">
<link rel="icon" href="/favicon.png" sizes="32x32"><link rel="apple-touch-icon" href="/touch.png">
<link rel="preload" as="font" href="/fonts/a.woff2" crossorigin><link rel="preload" as="fetch" href="/api/x">
<style>@import url("print.css") print; .hero { background: url('hero.jpg') }
/* url(commented-out.png) */</style>
<script src="https://cdn.example.net/lib.js"></script><script>var inline = "url(not-a-resource.png)";</script>
</head><body style="background-image: url(/body.png)">
<img src="/a-1024.jpg" srcset="/a-300.jpg 300w, /a-1024.jpg 1024w, /a-2048.jpg 2048w" alt="">
<img src="data:image/gif;base64,R0lGODlhAQAB" data-src="/lazy.jpg" data-srcset="/lazy-1x.jpg 1x, /lazy-2x.jpg 2x">
<picture><source srcset="/p.avif 1x, /p@2x.avif 2x" type="image/avif"><img src="/p.jpg"></picture>
<video poster="/poster.jpg" src="/clip.mp4"><source src="/clip.webm"><track src="/captions.vtt"></video>
<audio src="/sound.mp3"></audio><input type="image" src="/go.png"><input type="text" src="/not-an-image.png">
<a href="/next-article/">a link is not a resource</a><img src="javascript:alert(1)"><img src="http://[::1">
<img src="/a-1024.jpg"></body></html>"""
BASE = "https://news.example.org/2025/07/04/story/"


def urls(resources: list[Resource]) -> list[str]:
    return [r.url.removeprefix("https://news.example.org") for r in resources]


def test_a_page_names_its_stylesheets_icons_scripts_and_images_once_in_order() -> None:
    found = page_resources(PAGE, BASE)
    assert urls(found) == [
        "/theme/style.css?ver=2", "/favicon.png", "/touch.png", "/fonts/a.woff2",
        "/2025/07/04/story/print.css", "/2025/07/04/story/hero.jpg", "https://cdn.example.net/lib.js",
        "/body.png", "/a-1024.jpg", "/a-2048.jpg", "/lazy.jpg", "/lazy-2x.jpg", "/p@2x.avif", "/p.jpg",
        "/poster.jpg", "/go.png"]
    kinds = {r.url.rsplit("/", 1)[-1]: r.kind for r in found}
    assert (kinds["style.css?ver=2"], kinds["favicon.png"], kinds["a.woff2"], kinds["lib.js"]) == \
        ("stylesheet", "icon", "font", "script")
    assert kinds["print.css"] == "stylesheet"
    assert kinds["hero.jpg"] == "image"


def test_media_comes_only_when_asked_and_srcset_may_keep_every_size() -> None:
    with_media = urls(page_resources(PAGE, BASE, media=True))
    assert {"/clip.mp4", "/clip.webm", "/sound.mp3", "/captions.vtt"} <= set(with_media)
    every = urls(page_resources(PAGE, BASE, srcset="all"))
    assert {"/a-300.jpg", "/a-1024.jpg", "/a-2048.jpg", "/lazy-1x.jpg", "/p.avif"} <= set(every)


def test_base_href_resolves_relative_resources() -> None:
    html = b'<html><head><base href="https://static.example.org/site/"><link rel=stylesheet href="s.css"></head>' \
           b'<body><img src="i.png"></body></html>'
    assert [r.url for r in page_resources(html, BASE)] == ["https://static.example.org/site/s.css",
                                                            "https://static.example.org/site/i.png"]


@pytest.mark.parametrize("body", [b"", b"\x00\x01\x02", b"<html", b"<p>unicode text only</p>"])
def test_a_page_with_nothing_to_load_names_nothing(body: bytes) -> None:
    assert page_resources(body, BASE) == []


def test_stylesheets_load_imports_fonts_and_images_but_not_their_comments() -> None:
    css = """@import "reset.css"; @import url(theme/colors.css) screen;
    /* background: url(old.png) */
    @font-face { font-family: X; src: url("../fonts/x.woff2") format("woff2"), url(../fonts/x.woff) format("woff"); }
    .a { background: #fff url( 'img/bg.png' ) no-repeat; } .b { cursor: url(data:image/png;base64,AAAA), auto }
    @media (min-width: 600px) { .c { background-image: url("img/wide.png") } }"""
    found = css_urls(css, "https://news.example.org/theme/css/main.css")
    assert [(r.url.removeprefix("https://news.example.org/theme/"), r.kind) for r in found] == [
        ("css/reset.css", "stylesheet"), ("css/theme/colors.css", "stylesheet"), ("fonts/x.woff2", "font"),
        ("fonts/x.woff", "font"), ("css/img/bg.png", "image"), ("css/img/wide.png", "image")]


def test_srcset_policy_takes_the_widest_or_the_densest_candidate() -> None:
    assert srcset_urls("a.jpg 300w, b.jpg 1200w, c.jpg 800w") == ["b.jpg"]
    assert srcset_urls("a.jpg, b.jpg 2x, c.jpg 1.5x") == ["b.jpg"]
    assert srcset_urls("a.jpg 300w, b.jpg 2x", "all") == ["a.jpg", "b.jpg"]
    assert srcset_urls("") == []


def test_resource_settings_are_checked() -> None:
    assert resource_mode(" PAGE ") == "page"
    with pytest.raises(ResourceSettingError, match="one of none, page"):
        resource_mode("all")
    assert ResourcePolicy.from_settings(Settings()).mode is None  # the profile decides
    assert ResourcePolicy.from_settings(Settings({"NEWSARCHIVE_RESOURCES": "none"})).mode == "none"
    with pytest.raises(ResourceSettingError, match="largest or all"):
        ResourcePolicy.from_settings(Settings({"NEWSARCHIVE_RESOURCES_SRCSET": "smallest"}))


def test_a_collection_site_may_turn_resources_off(tmp_path: Path) -> None:
    path = tmp_path / "sites.toml"
    path.write_text('[[site]]\nname = "rki.news"\nresources = "none"\n')
    (entry,) = load_collection(path)
    assert entry.settings["NEWSARCHIVE_RESOURCES"] == "none"
    assert "NEWSARCHIVE_RESOURCES" not in entry_for_target("rki.news").settings
    path.write_text('[[site]]\nname = "rki.news"\nresources = "everything"\n')
    with pytest.raises(CollectionError, match="resources must be one of none, page"):
        load_collection(path)
