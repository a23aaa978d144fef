"""The replica's URL map (the real site's URL shapes) and a threaded HTTP server for it on 127.0.0.1."""

from __future__ import annotations

import gzip
import hashlib
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Generic, Protocol, Self, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from replica import render, theme
from replica.corpus import CATEGORIES, DEFAULT_ARTICLE_COUNT, Post, build_posts, english_post

PER_PAGE = 10  # WordPress posts_per_page default
FEED_ITEMS = 10  # WordPress posts_per_rss default
SITEMAP_MAX_URLS = 200  # lower than core's 2000 so the replica has several post sitemaps
STATIC_PAGES = {
    "/privacy-policy/": ("Privacy Policy", "This page explains which data rki.news stores about visitors."),
    "/contact/": ("Contact", "Write to the desk at desk@rki.news or call during office hours."),
    "/about-us/": ("About us", "rki.news is the news service of Rahbar Kisan International."),
}
HTML = "text/html; charset=UTF-8"
XML = "application/xml; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"


@dataclass(frozen=True)
class Page:
    """A rendered resource: status, content type, body and an optional redirect target."""

    status: int
    content_type: str
    body: bytes
    location: str | None = None
    last_modified: datetime | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'

    def not_modified(self, if_none_match: str | None, if_modified_since: str | None) -> bool:
        """RFC 9110 §13.1: If-None-Match wins; If-Modified-Since only counts without it."""
        if self.status != 200:
            return False
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or self.etag in tags
        if if_modified_since and self.last_modified is not None:
            try:
                since = parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False
            return self.last_modified.replace(microsecond=0) <= since
        return False


class ReplicaSite:
    """Every URL of the replica, rendered once for a given origin (base URL)."""

    def __init__(self, base_url: str, article_count: int = DEFAULT_ARTICLE_COUNT, layout: str = "newspaper") -> None:
        self.base = base_url.rstrip("/")
        self.layout = layout  # "newspaper" (the theme the rki.news profile knows) or "redesign" (one it does not)
        self.posts = build_posts(article_count)
        self.pages: dict[str, Page] = {}
        self._build()

    @property
    def extra_headers(self) -> dict[str, str]:
        return {"Link": f'<{self.base}/wp-json/>; rel="https://api.w.org/"'}  # WordPress announces its REST API

    @property
    def by_id(self) -> dict[int, Post]:
        return {p.post_id: p for p in self.posts}

    # -- the site changes between crawls, as a news site does ------------------------------------------

    def add_articles(self, count: int, seed: int = 1) -> list[Post]:
        """Publish ``count`` new English posts, an hour apart, after the newest one."""
        rng = random.Random(seed)
        newest = max(p.published for p in self.posts)
        next_id = max(p.post_id for p in self.posts) + 7
        added = [english_post(rng, next_id + 7 * k, newest + timedelta(hours=k + 1)) for k in range(count)]
        self.posts = sorted([*self.posts, *added], key=lambda p: (p.published, p.post_id), reverse=True)
        self._build()
        return added

    def edit_article(self, post_id: int, paragraph: int, text: str, modified: datetime) -> Post:
        """Rewrite one paragraph of a post and move its modification date, as an editor would."""
        post = self.by_id[post_id]
        post.paragraphs[paragraph] = text
        post.modified = modified
        self._build()
        return post

    def delete_article(self, post_id: int) -> Post:
        """Unpublish a post: its URL and shortlink answer 404 and it leaves every listing."""
        post = self.by_id[post_id]
        self.posts = [p for p in self.posts if p.post_id != post_id]
        self._build()
        return post

    def truth(self) -> list[dict[str, object]]:
        """Ground truth for every article, newest first."""
        return [p.truth(self.base) for p in self.posts]

    def _add(self, path: str, body: str, content_type: str = HTML, status: int = 200,
             last_modified: datetime | None = None) -> None:
        self._next[unquote(path)] = Page(status, content_type, body.encode("utf-8"), last_modified=last_modified)

    def _listing(self, title: str, posts: list[Post], root: str, description: str = "",
                 featured: list[Post] | None = None) -> None:
        last = max(1, -(-len(posts) // PER_PAGE))
        for n in range(1, last + 1):
            chunk = posts[(n - 1) * PER_PAGE : n * PER_PAGE]
            path = root if n == 1 else f"{root}page/{n}/"
            self._add(path, render.listing_page(title, chunk, self.base, root, n, last,
                                                featured if n == 1 else None, description))

    def _build(self) -> None:
        """Render every page into a new map, then swap it in: the server never sees half a site."""
        self._next: dict[str, Page] = {}
        b, posts = self.base, self.posts
        for i, post in enumerate(posts):
            neighbours = [posts[(i + k) % len(posts)] for k in (1, 2, 3, 4)]
            html = render.article_page(post, b, neighbours)
            self._add(post.path, render.redesigned(html) if self.layout == "redesign" else html,
                      last_modified=post.modified)
            self._add(post.path + "amp/", render.amp_page(post, b), last_modified=post.modified)
        self._listing("rki.news", posts, "/", featured=posts[:3])
        for cat in CATEGORIES.values():
            members = [p for p in posts if cat.slug in p.group1 + p.group2]
            self._listing(cat.name, members, f"/category/{cat.slug}/", f"News filed under {cat.name}.")
            self._add(f"/category/{cat.slug}/feed/", render.rss_feed(members[:FEED_ITEMS], b,
                      f"/category/{cat.slug}/feed/", f"rki.news » {cat.name}"), RSS)
        self._listing("Asia", [p for p in posts if "asia" in p.group1], "/category/international/asia/")
        tags = sorted({t for p in posts for t in p.tags})
        for tag in tags:
            self._listing(f"Tag: {tag.title()}", [p for p in posts if tag in p.tags], f"/tag/{tag}/")
        for slug in sorted({p.author_slug for p in posts}):
            members = [p for p in posts if p.author_slug == slug]
            self._listing(f"Author: {members[0].author}", members, f"/author/{slug}/")
        for day in sorted({p.published.strftime("/%Y/%m/%d/") for p in posts}):
            self._listing(f"Archives for {day.strip('/')}", [p for p in posts if p.path.startswith(day)], day)
        for path, (title, text) in STATIC_PAGES.items():
            self._add(path, render.static_page(title, text, b, path))
        self._add("/feed/", render.rss_feed(posts[:FEED_ITEMS], b, "/feed/"), RSS)
        self._add("/comments/feed/", render.rss_feed([], b, "/comments/feed/", "Comments on rki.news"), RSS)
        post_maps = []
        for n, start in enumerate(range(0, len(posts), SITEMAP_MAX_URLS), 1):
            chunk = posts[start : start + SITEMAP_MAX_URLS]
            post_maps.append(f"/wp-sitemap-posts-post-{n}.xml")
            self._add(post_maps[-1], render.urlset(b, [(p.path, p.modified) for p in chunk]), XML)
        self._add("/wp-sitemap-posts-page-1.xml", render.urlset(b, [(p, None) for p in STATIC_PAGES]), XML)
        self._add("/wp-sitemap-taxonomies-category-1.xml",
                  render.urlset(b, [(f"/category/{c}/", None) for c in CATEGORIES]), XML)
        self._add("/wp-sitemap-users-1.xml",
                  render.urlset(b, [(f"/author/{a}/", None) for a in sorted({p.author_slug for p in posts})]), XML)
        self._add("/wp-sitemap.xml", render.sitemap_index(b, [*post_maps, "/wp-sitemap-posts-page-1.xml",
                  "/wp-sitemap-taxonomies-category-1.xml", "/wp-sitemap-users-1.xml"]), XML)
        self._add("/robots.txt", render.robots_txt(b), "text/plain; charset=utf-8")
        for path, (content_type, body, modified) in theme.files(posts).items():
            self._next[path] = Page(200, content_type, body, last_modified=modified)
        self.not_found = Page(404, HTML, render.not_found_page(b).encode("utf-8"))
        self.pages = self._next

    def resolve(self, target: str) -> Page:
        """The response for a request target (path and query), including WordPress's redirects."""
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        path = unquote(parts.path) or "/"
        if path == "/" and "p" in query:
            post = self.by_id.get(int(query["p"][0])) if query["p"][0].isdigit() else None
            return Page(301, HTML, b"", self.base + post.path) if post else self.not_found
        if path == "/" and query.get("attachment_id", [""])[0].isdigit():
            return Page(200, HTML, render.attachment_page(int(query["attachment_id"][0]), self.base).encode("utf-8"))
        if path in ("/wp-login.php",) or path.startswith("/wp-admin/"):
            return Page(403, HTML, b"<h1>Forbidden</h1>")
        if path == "/sitemap.xml":
            return Page(301, HTML, b"", self.base + "/wp-sitemap.xml")
        if path.endswith("/page/1/"):
            return Page(301, HTML, b"", self.base + parts.path[: -len("page/1/")])
        page = self.pages.get(path)
        if page is not None:
            return page
        if not path.endswith("/") and path + "/" in self.pages:
            return Page(301, HTML, b"", self.base + parts.path + "/")
        return self.not_found


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ReplicaHTTPServer

    def do_GET(self) -> None:
        page = self.server.site.resolve(self.path)
        if page.not_modified(self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")):
            self.send_response(304)
            self.send_header("ETag", page.etag)
            self.end_headers()
            return
        body = page.body
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        if page.status == 200:
            self.send_header("ETag", page.etag)
            if page.last_modified is not None:
                self.send_header("Last-Modified", format_datetime(page.last_modified.astimezone(UTC), usegmt=True))
        if page.location:
            self.send_header("Location", page.location)
        compressible = page.content_type.startswith(("text/html", "application/"))
        if body and compressible and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, mtime=0)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        for name, value in self.server.site.extra_headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


class SiteLike(Protocol):
    """What the server needs of a replica: its origin, extra response headers, and an answer per request."""

    base: str

    @property
    def extra_headers(self) -> dict[str, str]: ...

    def resolve(self, target: str) -> Page: ...


class _ReplicaHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default listen backlog of 5 refuses connections under a parallel crawl
    site: SiteLike


S = TypeVar("S", bound=SiteLike)


class SiteServer(Generic[S]):
    """Serves a replica site on 127.0.0.1 in a background thread; use as a context manager."""

    def __init__(self, make_site: Callable[[str], S], port: int = 0, host: str = "127.0.0.1") -> None:
        self._httpd = _ReplicaHTTPServer((host, port), _Handler)
        self.port = self._httpd.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        self._site = make_site(self.base_url)
        self._httpd.site = self._site
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="replica", daemon=True)

    @property
    def site(self) -> S:
        return self._site

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ReplicaServer(SiteServer[ReplicaSite]):
    """The rki.news replica on 127.0.0.1."""

    def __init__(self, port: int = 0, article_count: int = DEFAULT_ARTICLE_COUNT, layout: str = "newspaper",
                 host: str = "127.0.0.1") -> None:
        super().__init__(lambda base: ReplicaSite(base, article_count, layout), port, host)
