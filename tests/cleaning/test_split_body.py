"""A body split into several containers between advertising is read whole; entries and other stories are not."""

from __future__ import annotations

import lxml.html

from crawler import extract
from crawler.cleaning.split_body import join_split_body, split_body_groups

URL = "https://news.example.org/2026/03/04/harbour-reopens"
SENTENCE = "The harbour of the old town reopened on Monday after two years of works that cost the city {} million."


def part(n: int, paragraphs: int = 3) -> str:
    body = "".join(f"<p>Part {n}, paragraph {i}: {SENTENCE.format(n * 10 + i)}</p>" for i in range(paragraphs))
    return f'<div class="wrap-{n}"><div class="inner"><div class="body articleBody">{body}</div></div></div>'


AD = '<div class="ad-slot"><p>Advertisement</p></div><aside class="teaser"><a href="/x">Other news</a></aside>'


def page(middle: str, head: str = "<h1>Harbour reopens after two years</h1>") -> bytes:
    return (f'<!DOCTYPE html><html lang="en"><head><title>Harbour reopens</title>'
            f'<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="2026-03-04T08:00:00+01:00"></head>'
            f"<body><nav><a href='/'>Home</a></nav><main><article>{head}{middle}</article></main></body></html>"
            ).encode()


def test_every_part_of_a_split_body_is_extracted_in_order() -> None:
    html = page(part(1) + AD + part(2) + AD + part(3))
    article = extract(html, URL)
    assert article is not None
    starts = [p.split(",")[0] for p in article.paragraphs if p.startswith("Part ")]
    assert starts == ["Part 1"] * 3 + ["Part 2"] * 3 + ["Part 3"] * 3
    assert "Advertisement" not in article.text


def test_the_join_works_on_a_copy_and_leaves_what_stood_between_in_place() -> None:
    tree = lxml.html.fromstring(page(part(1) + AD + part(2)))
    joined = join_split_body(tree)
    assert joined is not tree
    assert len(tree.xpath('//div[@class="body articleBody"]')) == 2  # the page as parsed is untouched
    (body,) = joined.xpath('//div[@class="body articleBody"]')
    assert len(body.findall("p")) == 6
    assert joined.xpath('//div[@class="ad-slot"]')


def test_a_body_in_one_container_is_left_alone() -> None:
    tree = lxml.html.fromstring(page(part(1, paragraphs=6)))
    assert split_body_groups(tree) == []
    assert join_split_body(tree) is tree


def test_the_next_story_after_its_own_headline_is_not_joined() -> None:
    second = "<h1>A second story appended as the reader scrolls</h1>"
    tree = lxml.html.fromstring(page(part(1) + AD + second + part(2)))
    assert split_body_groups(tree) == []


def test_stories_in_articles_of_their_own_are_not_joined() -> None:
    html = page("").replace(b"<article>", b"").replace(b"</article>", b"")
    stories = "".join(f"<article><h2>Story {n}</h2>{part(n)}</article>" for n in (1, 2))
    tree = lxml.html.fromstring(html.replace(b"</main>", stories.encode() + b"</main>"))
    assert split_body_groups(tree) == []


def test_a_live_blog_of_many_entries_is_not_joined() -> None:
    entries = "".join(part(n, paragraphs=1) + AD for n in range(1, 8))
    tree = lxml.html.fromstring(page(entries))
    assert split_body_groups(tree) == []
