"""The Daily Lantern: a news site whose pages are built by script, for the browser side of the crawler.

Unlike the rki.news replica (WordPress, every page carries its text) and the Courier, a story page here is
an application shell: an empty ``<div id="root">``, a ``<noscript>`` asking for JavaScript and the app's
script. The script reads the story from a JSON endpoint (``/api/story/SLUG.json``) and writes the headline,
byline, date, photo and paragraphs into the page, with JSON-LD as such applications add it. Photos load
lazily (``data-src``, set when they scroll into view); the front page is an endless list that asks
``/api/stories?page=N`` for more as the reader scrolls. Stories are found through ``/sitemap.xml``, which
robots.txt names. Every file has ETag and Last-Modified (the replica server adds them).
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from html import escape
from urllib.parse import parse_qs, urlsplit

from replica.corpus import NOW, Post, english_post
from replica.server import HTML, XML, Page, SiteServer
from replica.theme import png

SITE_NAME = "The Daily Lantern"
PER_PAGE = 10
JSON = "application/json; charset=utf-8"
JS = "application/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"

APP_JS = r"""(function () {
  const root = document.getElementById('root');
  const route = window.__ROUTE__ || {};
  const el = (tag, attrs, text) => { const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v)); if (text) e.textContent = text; return e; };
  const lazy = new IntersectionObserver((entries) => entries.forEach((entry) => {
    if (entry.isIntersecting) { entry.target.src = entry.target.dataset.src; lazy.unobserve(entry.target); } }));
  const chrome = () => { const nav = el('nav', {class: 'site-nav'});
    ['World', 'Business', 'Climate', 'Opinion'].forEach((s) => nav.appendChild(el('a', {href: '/'}, s)));
    root.appendChild(nav); };
  const footer = () => root.appendChild(el('footer', {class: 'site-footer'},
    '© The Daily Lantern. Subscribe to our newsletter for the morning briefing.'));
  function story(slug) {
    fetch('/api/story/' + slug + '.json').then((r) => r.json()).then((s) => {
      document.title = s.title + ' | The Daily Lantern';
      const ld = el('script', {type: 'application/ld+json'});
      ld.textContent = JSON.stringify({'@context': 'https://schema.org', '@type': 'NewsArticle',
        headline: s.title, datePublished: s.published, dateModified: s.modified,
        author: {'@type': 'Person', name: s.author}});
      document.head.appendChild(ld);
      chrome();
      const article = el('article', {class: 'story'});
      article.appendChild(el('h1', {}, s.title));
      const meta = el('p', {class: 'byline'}, 'By ' + s.author + ' · ');
      meta.appendChild(el('time', {datetime: s.published}, s.published_text));
      article.appendChild(meta);
      const figure = el('figure');
      const img = el('img', {'data-src': s.image, alt: s.caption, width: '960', height: '540'});
      figure.appendChild(img); figure.appendChild(el('figcaption', {}, s.caption));
      article.appendChild(figure); lazy.observe(img);
      s.paragraphs.forEach((p) => article.appendChild(el('p', {}, p)));
      root.appendChild(article);
      const more = el('aside', {class: 'related'}); more.appendChild(el('h2', {}, 'More from the Lantern'));
      s.related.forEach((r) => more.appendChild(el('a', {href: r.url}, r.title)));
      root.appendChild(more); footer();
    });
  }
  function front() {
    chrome(); const list = el('ul', {class: 'stories'}); root.appendChild(list);
    const sentinel = el('div', {id: 'more'}); root.appendChild(sentinel); footer();
    let page = 1, done = false, busy = false;
    const load = () => { if (done || busy) return; busy = true;
      fetch('/api/stories?page=' + page).then((r) => r.json()).then((d) => {
        d.stories.forEach((s) => { const li = el('li'); li.appendChild(el('a', {href: s.url}, s.title)); list.appendChild(li); });
        page += 1; done = !d.more; busy = false;
        if (!done && sentinel.getBoundingClientRect().top < window.innerHeight) load(); }); };  // still in view: more
    new IntersectionObserver((e) => { if (e[0].isIntersecting) load(); }).observe(sentinel);
  }
  if (route.kind === 'story') story(route.slug); else front();
})();
"""
APP_CSS = "body { font-family: Georgia, serif; max-width: 760px; margin: auto; } img { max-width: 100%; }\n"


def build_lantern_posts(count: int, seed: int = 1907) -> list[Post]:
    rng = random.Random(seed)
    posts = [english_post(rng, 500000 + i * 7, (NOW - timedelta(minutes=rng.randint(60, 200 * 24 * 60)))
                          .replace(second=0, microsecond=0)) for i in range(count)]
    for post in posts:
        post.pull_quote = None
    posts.sort(key=lambda p: (p.published, p.post_id), reverse=True)
    return posts


def story_path(post: Post) -> str:
    return f"/story/{post.slug}"


def shell(title: str, route: dict[str, str]) -> str:
    """The page every URL of the site serves: nothing to read until the script has run."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><link rel=\"stylesheet\" href=\"/static/app.css\">"
            f"<script>window.__ROUTE__ = {json.dumps(route)};</script>"
            "<script src=\"/static/app.js\" defer></script></head>\n<body><div id=\"root\"></div>"
            "<noscript>Please enable JavaScript to read The Daily Lantern.</noscript></body></html>\n")


class LanternSite:
    """Every URL of the Daily Lantern for a given origin."""

    @property
    def extra_headers(self) -> dict[str, str]:
        return {"X-Powered-By": "Lantern App 2"}

    def __init__(self, base_url: str, article_count: int = 60) -> None:
        self.base = base_url.rstrip("/")
        self.posts = build_lantern_posts(article_count)
        self.pages: dict[str, Page] = {}
        self._build()

    def truth(self) -> list[dict[str, object]]:
        return [{"url": self.base + story_path(p), "title": p.title, "published": p.published.isoformat(),
                 "authors": [p.author], "text": "\n\n".join(p.paragraphs)} for p in self.posts]

    def _story(self, i: int, post: Post) -> dict[str, object]:
        related = [self.posts[(i + k) % len(self.posts)] for k in (1, 2, 3)]
        return {"title": post.title, "author": post.author, "published": post.published.isoformat(),
                "modified": post.modified.isoformat(), "published_text": f"{post.published:%d %B %Y}",
                "image": f"/media/{post.post_id}.png", "caption": f"Photo: {post.author} for the Lantern",
                "paragraphs": post.paragraphs,
                "related": [{"url": story_path(r), "title": r.title} for r in related]}

    def _add(self, path: str, body: str | bytes, content_type: str = HTML) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path] = Page(200, content_type, data, last_modified=NOW)

    def _build(self) -> None:
        for i, post in enumerate(self.posts):
            self._add(story_path(post), shell(SITE_NAME, {"kind": "story", "slug": post.slug}))
            self._add(f"/api/story/{post.slug}.json", json.dumps(self._story(i, post)), JSON)
            self._add(f"/media/{post.post_id}.png", png(30, 17, (post.post_id >> 8 & 255, post.post_id & 255, 90)),
                      "image/png")
        self._add("/", shell(SITE_NAME, {"kind": "front"}))
        pages = -(-len(self.posts) // PER_PAGE)
        for n in range(1, pages + 1):
            chunk = self.posts[(n - 1) * PER_PAGE : n * PER_PAGE]
            self._add(f"/api/stories?page={n}", json.dumps({
                "stories": [{"url": story_path(p), "title": p.title} for p in chunk], "more": n < pages}), JSON)
        self._add("/static/app.js", APP_JS, JS)
        self._add("/static/app.css", APP_CSS, CSS)
        urls = "".join(f"<url><loc>{self.base}{story_path(p)}</loc><lastmod>{p.modified.isoformat()}</lastmod></url>"
                       for p in self.posts)
        self._add("/sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
                  f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n', XML)
        self._add("/robots.txt", f"User-agent: *\nAllow: /\nSitemap: {self.base}/sitemap.xml\n",
                  "text/plain; charset=utf-8")
        self.not_found = Page(404, HTML, b"<!DOCTYPE html><title>Not found</title><h1>Not found</h1>")

    def resolve(self, target: str) -> Page:
        parts = urlsplit(target)
        key = parts.path or "/"
        if key == "/api/stories":
            key = f"{key}?page={parse_qs(parts.query).get('page', ['1'])[0]}"
        return self.pages.get(key, self.not_found)


class LanternServer(SiteServer[LanternSite]):
    """The Daily Lantern on 127.0.0.1."""

    def __init__(self, port: int = 0, article_count: int = 60) -> None:
        super().__init__(lambda base: LanternSite(base, article_count), port)
