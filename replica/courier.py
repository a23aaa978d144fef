"""A second replica site built unlike WordPress: "The Harbour Courier", for testing generic mode on unseen markup.

No og:type, no JSON-LD, no ``<article>`` element: the headline is ``<h1 itemprop=headline>``, the body
``<div itemprop=articleBody>``, the date ``article:published_time`` and a visible dateline, the author
``<meta name=author>`` and a byline. Around and inside the story: a consent dialog, a breaking-news ticker,
inline figures with credits, "READ MORE" boxes, a paywall teaser, a newsletter box, share buttons and related
stories. Permalinks are ``/news/SECTION/SLUG-ID.html``; sections page with ``?page=N``; discovery is a
sitemap index at ``/sitemap_index.xml`` (robots.txt names none), a Google News sitemap and an Atom feed
named on the home page. The stories' text comes from the rki.news replica's generator.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from html import escape
from urllib.parse import parse_qs, urlsplit

from replica.corpus import NOW, Post, english_post
from replica.server import HTML, XML, Page, SiteServer

SITE_NAME = "The Harbour Courier"
SITE_TZ = timezone(timedelta(hours=1))  # the Courier prints its times in its own zone, with the offset
SECTIONS = ("harbour", "business", "world", "politics")
PER_PAGE = 12
NEWS_SITEMAP_ITEMS = 20  # a Google News sitemap lists the latest stories only
ATOM = "application/atom+xml; charset=utf-8"
CHROME_PHRASES = ("We value your privacy", "Accept all", "Breaking:", "READ MORE", "Photo:", "free articles left",
                  "Subscribe now", "Sign up for the morning briefing", "Share on", "More from the Courier")


def _e(text: str) -> str:
    return escape(text, quote=True)


def section_of(post: Post) -> str:
    return SECTIONS[post.post_id % len(SECTIONS)]


def path_of(post: Post) -> str:
    return f"/news/{section_of(post)}/{post.slug.removesuffix('-' + str(post.post_id))}-{post.post_id}.html"


def local(moment: datetime) -> datetime:
    return moment.astimezone(SITE_TZ)


def dateline(moment: datetime) -> str:
    """'Wednesday 4 March 2026, 09:15 CET' as the Courier prints it."""
    m = local(moment)
    return f"{m:%A} {m.day} {m:%B %Y}, {m:%H:%M} CET"


def build_courier_posts(count: int, seed: int = 1851) -> list[Post]:
    """English stories, newest first; a third of them edited after publication."""
    rng = random.Random(seed)
    posts = []
    for i in range(count):
        published = (NOW - timedelta(minutes=rng.randint(30, 400 * 24 * 60))).replace(second=0)
        post = english_post(rng, 310000 + i * 13, published)
        post.pull_quote = None
        if rng.random() < 0.3:
            post.modified = min(NOW, published + timedelta(minutes=rng.randint(20, 5000)))
        posts.append(post)
    posts.sort(key=lambda p: (p.published, p.post_id), reverse=True)
    return posts


CONSENT = ('<div class="cmp-overlay" role="dialog" aria-modal="true"><div class="cmp-box"><h2>We value your privacy'
           '</h2><p>We and our 143 partners store and access information on your device to show you personalised '
           'content and to measure audiences.</p><button class="cmp-accept">Accept all</button> '
           '<button class="cmp-reject">Reject</button></div></div>')
NEWSLETTER = ('<div class="newsletter-signup"><h3>Sign up for the morning briefing</h3><p>The stories that matter '
              'to the harbour, in your inbox before eight.</p><input type="email" placeholder="Your e-mail">'
              '<button>Sign up</button></div>')
PAYWALL = ('<div class="pw-teaser"><p>You have 3 free articles left this month.</p><p>Subscribe now for unlimited '
           'access from £1 a week.</p><a class="btn" href="/subscribe/">Subscribe now</a></div>')


def _head(title: str, base: str, path: str, extra: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n<title>{_e(title)}</title>\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="application-name" content="{SITE_NAME}">\n<link rel="canonical" href="{base}{path}">\n'
            f'<link rel="alternate" type="application/atom+xml" title="Latest" href="/feeds/latest.atom">\n{extra}'
            '<link rel="stylesheet" href="/static/courier.css">\n</head>\n')


def _masthead(newest: list[Post]) -> str:
    nav = "".join(f'<li><a href="/news/{s}/">{s.title()}</a></li>' for s in SECTIONS)
    ticker = "".join(f'<li><a href="{path_of(p)}">{_e(p.title)}</a></li>' for p in newest[:3])
    return (f'<header class="masthead"><a class="logo" href="/">{SITE_NAME}</a><ul class="nav">{nav}'
            '<li><a href="/about/">About us</a></li></ul><a class="login" href="/account/">Log in</a></header>\n'
            f'<div class="ticker"><span>Breaking:</span><ul>{ticker}</ul></div>\n')


FOOTER = ('<footer class="site-footer"><p>© 2026 The Harbour Courier Ltd. All rights reserved.</p><ul>'
          '<li><a href="/about/">About us</a></li><li><a href="/privacy/">Privacy</a></li></ul></footer>\n')


def article_page(post: Post, base: str, related: list[Post]) -> str:
    path = path_of(post)
    extra = (f'<meta name="author" content="{_e(post.author)}">\n'
             f'<meta property="article:published_time" content="{local(post.published).isoformat()}">\n'
             f'<meta property="article:modified_time" content="{local(post.modified).isoformat()}">\n'
             f'<meta name="description" content="{_e(post.paragraphs[0][:150])}">\n')
    body: list[str] = []
    for i, text in enumerate(post.paragraphs):
        if i in post.subheads:
            body.append(f"<h2>{_e(text)}</h2>")
        elif i == 0 and " – " in text:
            city, rest = text.split(" – ", 1)
            body.append(f"<p><strong>{_e(city)}</strong> – {_e(rest)}</p>")
        else:
            body.append(f"<p>{_e(text)}</p>")
        if i == 0:
            body.append('<figure class="inline-image"><img src="/media/harbour.jpg" alt="">'
                        '<figcaption>Cranes at the container terminal at dawn. <span class="credit">Photo: '
                        'Courier archive</span></figcaption></figure>')
        if i == 2 and related:
            body.append(f'<aside class="read-more"><h4>READ MORE</h4><ul><li><a href="{path_of(related[0])}">'
                        f'{_e(related[0].title)}</a></li></ul></aside>')
    updated = ""
    if post.modified != post.published:
        updated = f' · Updated <time datetime="{local(post.modified).isoformat()}">{dateline(post.modified)}</time>'
    related_html = "".join(f'<li><h3><a href="{path_of(p)}">{_e(p.title)}</a></h3></li>' for p in related)
    return (
        _head(f"{post.title} | {SITE_NAME}", base, path, extra) + "<body class=\"page-story\">\n" + CONSENT + "\n"
        + _masthead(related) + '<main id="content">\n<div class="story">\n'
        f'<p class="kicker"><a href="/news/{section_of(post)}/">{section_of(post).title()}</a></p>\n'
        f'<h1 itemprop="headline">{_e(post.title)}</h1>\n'
        f'<div class="byline">By <a rel="author" href="/people/{post.author_slug}/">{_e(post.author)}</a></div>\n'
        f'<div class="dateline">Published <time datetime="{local(post.published).isoformat()}">'
        f'{dateline(post.published)}</time>{updated}</div>\n'
        '<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share on X</a> <a href="#">E-mail</a>'
        '</div>\n'
        f'<div class="story-body" itemprop="articleBody">\n' + "\n".join(body) + "\n</div>\n"
        + PAYWALL + "\n" + NEWSLETTER + "\n"
        f'<div class="related"><h2>More from the Courier</h2><ul>{related_html}</ul></div>\n'
        "</div>\n</main>\n" + FOOTER + "</body></html>\n"
    )


def listing_page(title: str, posts: list[Post], base: str, path: str, page: int, last: int) -> str:
    teasers = "".join(
        f'<div class="teaser"><h3><a href="{path_of(p)}">{_e(p.title)}</a></h3><p>{_e(p.paragraphs[0][:120])}</p>'
        f'<span class="meta">{dateline(p.published)}</span></div>' for p in posts)
    pager = f'<a class="next" href="{path}?page={page + 1}">Older stories</a>' if page < last else ""
    canonical = path if page == 1 else f"{path}?page={page}"
    return (_head(f"{title} | {SITE_NAME}", base, canonical) + "<body class=\"page-list\">\n" + CONSENT
            + _masthead(posts) + f'<main id="content"><h1>{_e(title)}</h1>\n<div class="teasers">{teasers}</div>'
            f"\n{pager}</main>\n" + FOOTER + "</body></html>\n")


def static_page(title: str, text: str, base: str, path: str) -> str:
    return (_head(f"{title} | {SITE_NAME}", base, path) + "<body class=\"page-static\">\n" + _masthead([])
            + f'<main id="content"><h1>{_e(title)}</h1><p>{_e(text)}</p></main>\n' + FOOTER + "</body></html>\n")


def not_found_page(base: str) -> str:
    return (_head(f"Page not found | {SITE_NAME}", base, "/404") + "<body class=\"page-error\">\n" + _masthead([])
            + '<main id="content"><h1>We could not find that page</h1><p>It may have moved. Try the home page '
            "or one of our sections.</p></main>\n" + FOOTER + "</body></html>\n")


def atom_feed(posts: list[Post], base: str) -> str:
    entries = "".join(
        f'<entry><title>{_e(p.title)}</title><link rel="alternate" href="{base}{path_of(p)}"/>'
        f"<id>{base}{path_of(p)}</id><published>{local(p.published).isoformat()}</published>"
        f"<updated>{local(p.modified).isoformat()}</updated><author><name>{_e(p.author)}</name></author>"
        f"<summary>{_e(p.paragraphs[0])}</summary></entry>" for p in posts)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f'<title>{SITE_NAME}</title><link rel="self" href="{base}/feeds/latest.atom"/>'
            f'<link rel="alternate" href="{base}/"/><id>{base}/</id>'
            f"<updated>{local(NOW).isoformat()}</updated>{entries}</feed>\n")


def news_sitemap(posts: list[Post], base: str) -> str:
    urls = "".join(
        f"<url><loc>{base}{path_of(p)}</loc><news:news><news:publication><news:name>{SITE_NAME}</news:name>"
        f"<news:language>en</news:language></news:publication><news:publication_date>"
        f"{local(p.published).isoformat()}</news:publication_date><news:title>{_e(p.title)}</news:title>"
        "</news:news></url>" for p in posts)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>\n')


def archive_sitemap(posts: list[Post], base: str) -> str:
    urls = "".join(f"<url><loc>{base}{path_of(p)}</loc><lastmod>{local(p.modified).isoformat()}</lastmod></url>"
                   for p in posts)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'


def sitemap_index(base: str, children: list[str]) -> str:
    items = "".join(f"<sitemap><loc>{base}{c}</loc></sitemap>" for c in children)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>\n'


class CourierSite:
    """Every URL of the Courier for a given origin; ``resolve`` answers a request target."""

    @property
    def extra_headers(self) -> dict[str, str]:
        return {"X-Powered-By": "Courier CMS 4"}

    def __init__(self, base_url: str, article_count: int = 120, sitemaps: bool = True) -> None:
        self.base = base_url.rstrip("/")
        self.sitemaps = sitemaps  # False: no sitemap and no feed, links are the only way to the stories
        self.posts = build_courier_posts(article_count)
        self.pages: dict[str, Page] = {}
        self._build()

    def truth(self) -> list[dict[str, object]]:
        """What a cleaner must extract from each story, newest first."""
        return [{"url": self.base + path_of(p), "title": p.title, "published": local(p.published).isoformat(),
                 "modified": local(p.modified).isoformat(), "authors": [p.author], "text": "\n\n".join(p.paragraphs)}
                for p in self.posts]

    def edit_article(self, post_id: int, paragraph: int, text: str, modified: datetime) -> Post:
        post = next(p for p in self.posts if p.post_id == post_id)
        post.paragraphs[paragraph] = text
        post.modified = modified
        self._build()
        return post

    def _add(self, path: str, body: str, content_type: str = HTML, last_modified: datetime | None = None) -> None:
        self.pages[path] = Page(200, content_type, body.encode("utf-8"), last_modified=last_modified)

    def _listing(self, title: str, posts: list[Post], path: str) -> None:
        last = max(1, -(-len(posts) // PER_PAGE))
        for page in range(1, last + 1):
            chunk = posts[(page - 1) * PER_PAGE : page * PER_PAGE]
            key = path if page == 1 else f"{path}?page={page}"
            self._add(key, listing_page(title, chunk, self.base, path, page, last))

    def _build(self) -> None:
        self.pages = {}
        b, posts = self.base, self.posts
        for i, post in enumerate(posts):
            related = [posts[(i + k) % len(posts)] for k in (1, 2, 3)]
            self._add(path_of(post), article_page(post, b, related), last_modified=post.modified)
        self._listing("Latest news", posts, "/")
        for section in SECTIONS:
            self._listing(section.title(), [p for p in posts if section_of(p) == section], f"/news/{section}/")
        for slug in sorted({p.author_slug for p in posts}):
            members = [p for p in posts if p.author_slug == slug]
            self._listing(members[0].author, members, f"/people/{slug}/")
        self._add("/about/", static_page("About us", "The Harbour Courier has reported on the port and its "
                                                     "people since 1851.", b, "/about/"))
        self._add("/privacy/", static_page("Privacy", "How the Courier handles your data.", b, "/privacy/"))
        self._add("/robots.txt", "User-agent: *\nDisallow: /search\nDisallow: /account/\n", "text/plain; charset=utf-8")
        self.not_found = Page(404, HTML, not_found_page(b).encode("utf-8"))
        if not self.sitemaps:
            return
        years = sorted({p.published.year for p in posts})
        children = ["/sitemaps/news.xml", *(f"/sitemaps/archive-{y}.xml" for y in years)]
        for year in years:
            self._add(f"/sitemaps/archive-{year}.xml", archive_sitemap([p for p in posts if p.published.year == year],
                                                                       b), XML)
        self._add("/sitemaps/news.xml", news_sitemap(posts[:NEWS_SITEMAP_ITEMS], b), XML)
        self._add("/sitemap_index.xml", sitemap_index(b, children), XML)
        self._add("/feeds/latest.atom", atom_feed(posts[:15], b), ATOM)

    def resolve(self, target: str) -> Page:
        parts = urlsplit(target)
        key = parts.path or "/"
        page_no = parse_qs(parts.query).get("page", ["1"])[0]
        if page_no != "1":
            key = f"{key}?page={page_no}"
        return self.pages.get(key, self.not_found)


class CourierServer(SiteServer[CourierSite]):
    """The Harbour Courier on 127.0.0.1."""

    def __init__(self, port: int = 0, article_count: int = 120, sitemaps: bool = True) -> None:
        super().__init__(lambda base: CourierSite(base, article_count, sitemaps), port)
