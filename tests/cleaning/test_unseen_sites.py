"""Sites nobody wrote a profile for, and profiled sites whose layout changed: the public extraction entry point,
the generic cleaner's fallback for a profile that misses, encodings that lie, and the `extract` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.store.query import Filters
from archive.store.snippet_store import SnippetStore
from crawler import extract
from crawler.cleaning.chrome import CHROME_LINE_RE
from devkit.extraction_score import HTML_UTF8, metadata_pages, shingles
from replica import ReplicaServer
from tests.conftest import run_cli
from tests.helpers import store_for

DRIFT_ARTICLES = 30
RUSSIAN = ("Москва — столица России, крупнейший по численности населения город страны. Городская дума "
           "обсудила новый план развития транспорта и утвердила бюджет на следующий год.")
FRENCH = "Le café de la Gare a rouvert ses portes après deux années de travaux et de débats municipaux à Genève."


def page(lang: str, title: str, paragraph: str, charset_meta: str = "") -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head>{charset_meta}<title>{title}</title>'
            '<meta property="og:type" content="article">'
            '<meta property="article:published_time" content="2026-03-01T09:30:00+01:00"></head><body>'
            f'<article><h1>{title}</h1><div class="entry-content"><p>{paragraph}</p><p>2. {paragraph}</p>'
            "</div></article></body></html>")


@pytest.mark.parametrize(("body", "content_type", "expected"), [
    (page("ru", "Новости Москвы", RUSSIAN).encode("cp1251"), "text/html; charset=utf-8", RUSSIAN),  # wrong label
    (page("fr", "Le café rouvre", FRENCH).encode("latin-1"), "text/html", FRENCH),  # no label anywhere
])
def test_mislabelled_encodings_are_read_by_a_guess_and_flagged(body: bytes, content_type: str, expected: str) -> None:
    article = extract(body, "https://news.example/2026/03/01/story-of-the-day/", content_type)
    assert article is not None
    assert article.text.split("\n\n")[0] == expected
    assert article.flags == ["encoding_guessed"]
    assert "\ufffd" not in article.text + article.title


def test_a_correct_label_is_not_second_guessed() -> None:
    body = page("fr", "Le café rouvre", FRENCH, '<meta charset="utf-8">').encode("utf-8")
    article = extract(body, "https://news.example/2026/03/01/story-of-the-day/")
    assert article is not None
    assert article.flags == []
    assert article.language == "fr"


def test_language_is_detected_when_the_page_declares_another() -> None:
    body = page("en", "Новости Москвы", RUSSIAN, '<meta charset="utf-8">').encode("utf-8")
    article = extract(body, "https://news.example/2026/03/01/story-of-the-day/")
    assert article is not None
    assert (article.language, article.declared_language) == ("ru", "en")


def test_extract_reads_a_real_page_of_an_unseen_publisher() -> None:
    _page_id, html, truth = next(p for p in metadata_pages() if p[0] == "KleineZeitung_2025_06_30")
    article = extract(html, truth["url"], HTML_UTF8)
    assert article is not None
    assert article.title == truth["title"]
    assert article.published == truth["published"]  # JSON-LD's instant, not the meta tag's UTC-labelled one
    assert article.authors == truth["authors"]
    assert article.cleaner == "generic/7"
    assert not article.fallback


def test_extract_command_prints_the_article_as_json(tmp_path: Path) -> None:
    _page_id, html, truth = next(p for p in metadata_pages() if p[0] == "KleineZeitung_2025_06_30")
    source = tmp_path / "page.html"
    source.write_bytes(html)
    result = run_cli("extract", str(source), "--url", truth["url"], "--content-type", HTML_UTF8, "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["title"] == truth["title"]
    assert record["cleaner"] == "generic/7"
    api = extract(html, truth["url"], HTML_UTF8)
    assert api is not None
    assert record["text"] == api.text
    got, want = shingles(record["text"]), shingles(truth["body"])
    assert 2 * sum((got & want).values()) / (sum(got.values()) + sum(want.values())) > 0.8


def test_extract_command_rejects_bad_input(tmp_path: Path) -> None:
    listing = tmp_path / "listing.html"
    listing.write_text("<html><body><ul>" + "".join(f'<li><h2><a href="/{i}">Item {i}</a></h2></li>'
                                                    for i in range(20)) + "</ul></body></html>")
    result = run_cli("extract", str(listing), "--url", "https://news.example/")
    assert result.returncode == 1
    assert "not an article page" in result.stderr
    bad_url = run_cli("extract", str(listing), "--url", "news.example")
    assert bad_url.returncode == 2
    assert bad_url.stderr.count("\n") == 1
    missing = run_cli("extract", str(tmp_path / "nothing.html"), "--url", "https://news.example/a")
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr


@pytest.mark.processes
def test_a_profile_that_misses_a_redesigned_layout_falls_back_and_says_so(tmp_path: Path) -> None:
    with ReplicaServer(article_count=DRIFT_ARTICLES, layout="redesign") as server:
        result = run_cli("crawl", "rki.news", "--base-url", server.base_url, data=tmp_path)
        truth = {server.base_url + p.path: p for p in server.site.posts}
        report_json = run_cli("runs", "--json", data=tmp_path)
    assert result.returncode == 5, result.stderr[-2000:] + result.stdout[-2000:]
    warnings = [line for line in result.stdout.splitlines() if "warning:" in line]
    assert len(warnings) == 1
    assert "did not match the rki_news/2 rules" in warnings[0]
    assert "update the profile" in warnings[0]
    run = json.loads(report_json.stdout)[0]
    assert run["report"]["layout_drift"]["misses"] == DRIFT_ARTICLES
    assert run["report"]["layout_drift"]["drifted"] is True
    store = SnippetStore(store_for(tmp_path), readonly=True)
    snippets = list(store.select(Filters(), order="oldest"))
    store.close()
    assert len(snippets) == DRIFT_ARTICLES
    for snippet in snippets:
        post = truth[snippet.url]
        assert snippet.site == "rki.news"
        assert snippet.cleaner_version == "generic/7 (fallback of rki_news/2)"
        assert snippet.title == post.title
        assert snippet.text == "\n\n".join(post.paragraphs)
        assert snippet.published == post.published.isoformat()
        assert not any(CHROME_LINE_RE.search(line) for line in snippet.text.split("\n\n"))


@pytest.mark.processes
def test_the_current_layout_needs_no_fallback(tmp_path: Path) -> None:
    with ReplicaServer(article_count=DRIFT_ARTICLES) as server:
        result = run_cli("crawl", "rki.news", "--base-url", server.base_url, "--json", data=tmp_path)
    report = json.loads(result.stdout)
    assert result.returncode == 0
    assert report["layout_drift"] is None
    assert report["counts"]["articles/profile_misses"] == 0


def test_soft_hyphens_do_not_split_words() -> None:
    """German sites hyphenate long words for the layout; the archive must find them whole."""
    word = "Ver\u00adfas\u00adsungs\u00adbe\u00adschwer\u00adde"
    body = page("de", "Beschwerde eingelegt", f"Die {word} ist beim Gericht eingegangen und wird nun geprüft, "
                "wie die Sprecherin des Gerichts am Montag in Karlsruhe bestätigte.", '<meta charset="utf-8">')
    article = extract(body.encode("utf-8"), "https://news.example/2026/03/01/beschwerde-beim-gericht-eingelegt/")
    assert article is not None
    assert "Verfassungsbeschwerde" in article.text
    assert "\u00ad" not in article.text


def test_a_date_the_site_appends_to_its_titles_is_the_publication_day() -> None:
    paragraph = ("Die Regierung hat am Freitag einen neuen Plan für die Häfen vorgestellt, der in den kommenden "
                 "Jahren umgesetzt werden soll. Die Opposition kritisierte die Kosten.")
    body = (f'<html lang="de"><head><meta charset="utf-8"><title>Neuer Plan für die Häfen | Welle | 28.04.2023'
            f'</title></head><body><h1>Neuer Plan für die Häfen</h1><div class="text"><p>{paragraph}</p>'
            + "".join(f"<p>{n}. {paragraph}</p>" for n in range(2, 9)) + "</div></body></html>")
    article = extract(body.encode("utf-8"), "https://welle.example/de/neuer-plan-fuer-die-haefen/a-65464327")
    assert article is not None
    assert article.published == "2023-04-28"
    assert article.title == "Neuer Plan für die Häfen"


def test_an_author_linked_only_from_the_byline_is_found_and_the_site_name_is_not_an_author() -> None:
    paragraph = ("Ein Palästinenser hat beim Bundesverfassungsgericht Beschwerde gegen die Genehmigung von "
                 "Rüstungsexporten eingelegt, wie sein Anwalt am Montag mitteilte.")
    body = ('<html lang="de"><head><meta charset="utf-8"><meta name="author" content="Recht Online">'
            '<meta property="og:site_name" content="Recht Online"><title>Beschwerde eingelegt</title></head><body>'
            '<header><h1>Beschwerde eingelegt</h1><p class="meta">von <a href="/autoren/name/max-kolter">Dr. Max '
            'Kolter</a>, 20.10.2025</p></header><div class="text">'
            + "".join(f"<p>{n}. {paragraph}</p>" for n in range(1, 9)) + "</div></body></html>")
    article = extract(body.encode("utf-8"), "https://recht-online.example/recht/beschwerde-gegen-exporte-eingelegt")
    assert article is not None
    assert article.authors == ["Dr. Max Kolter"]


def _news_page(head: str, body: str) -> bytes:
    paragraph = ("The city council approved the budget for the new tram line on Tuesday evening, after a debate "
                 "that lasted well into the night and ended with a narrow vote.")
    return (f'<html lang="en"><head><meta charset="utf-8"><meta property="og:type" content="article">{head}</head>'
            f'<body>{body}<div class="text">' + "".join(f"<p>{n}. {paragraph}</p>" for n in range(1, 9))
            + "</div></body></html>").encode("utf-8")


def test_a_tail_only_the_share_title_carries_is_cut_and_the_heading_typography_kept() -> None:
    headline = "Council’s ‘tram plan’ passes"
    head = ('<meta property="og:title" content="Council\'s \'tram plan\' passes | The Daily Tram | by Ann Lee">'
            f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{headline}"}}</script>'
            f"<title>Council's 'tram plan' passes | The Daily Tram | by Ann Lee</title>")
    article = extract(_news_page(head, f"<h1>{headline}</h1>"), "https://daily-tram.example/2026/03/tram-plan/")
    assert article is not None
    assert article.title == headline


def test_a_tail_the_json_ld_headline_confirms_is_part_of_the_title() -> None:
    title = "Tram plan passes - latest news"
    head = (f'<meta property="og:title" content="{title}">'
            f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{title}"}}</script>')
    article = extract(_news_page(head, "<h1>Tram plan passes</h1>"), "https://daily-tram.example/2026/03/tram-plan/")
    assert article is not None
    assert article.title == title


def test_an_organisation_credited_in_json_ld_is_the_author_when_no_person_is() -> None:
    ld = ('{"@type": "NewsArticle", "headline": "Tram plan passes", '
          '"author": {"@type": "NewsMediaOrganization", "name": "Tram Desk"}}')
    page_ = _news_page(f'<script type="application/ld+json">{ld}</script>', "<h1>Tram plan passes</h1>")
    article = extract(page_, "https://daily-tram.example/2026/03/tram-plan/")
    assert article is not None
    assert article.authors == ["Tram Desk"]
    with_person = page_.replace(b"<h1>", b'<p class="byline">By Ann Lee</p><h1>')
    article = extract(with_person, "https://daily-tram.example/2026/03/tram-plan/")
    assert article is not None
    assert article.authors == ["Ann Lee"]


def test_names_after_an_author_label_of_their_own_are_the_authors() -> None:
    aside = ('<ul class="facts"><li><strong>Date</strong> 03.03.2026</li>'
             '<li><strong>Autorin/Autor</strong> Roman Beispiel</li><li><strong>Topics</strong> Trams</li></ul>')
    article = extract(_news_page("<title>Tram plan passes</title>", "<h1>Tram plan passes</h1>" + aside),
                      "https://daily-tram.example/2026/03/tram-plan/")
    assert article is not None
    assert article.authors == ["Roman Beispiel"]


def test_a_byline_in_a_themes_own_author_class_is_read_where_it_opens_with_by() -> None:
    head = '<meta name="author" content="The Daily Tram"><meta property="og:site_name" content="The Daily Tram">'
    byline = ('<h1>Tram plan passes</h1><span class="video__author">03:07 Min.</span>'
              '<span class="article__infos"><span class="article__author">By Ann Lee</span></span>')
    article = extract(_news_page(head, byline), "https://daily-tram.example/2026/03/tram-plan/")
    assert article is not None
    assert article.authors == ["Ann Lee"]
    # the class alone is not enough: a video length or a credit in such an element is no name
    unlabelled = _news_page(head, byline.replace("By Ann Lee", "Photo credit 2026"))
    article = extract(unlabelled, "https://daily-tram.example/2026/03/tram-plan/")
    assert article is not None
    assert article.authors == ["The Daily Tram"]


SHELL_PARAGRAPHS = [f"{n}. The harbour authority said on Monday that the new quay would open in spring, after "
                    "two years of building work and a long dispute over who would pay for it." for n in range(1, 7)]


def _client_rendered(script: str) -> bytes:
    """An app shell: metadata in the head, the article only in a script, as single-page front ends send it."""
    return ('<html lang="en"><head><meta charset="utf-8"><meta property="og:type" content="article">'
            '<meta property="og:title" content="New quay opens in spring">'
            f'</head><body><div id="root"><h1>New quay opens in spring</h1></div>{script}</body></html>'
            ).encode()


def test_a_client_rendered_page_gives_the_body_its_hydration_data_carries() -> None:
    fragment = ('<figure><img src="/q.jpg"><figcaption>The quay.</figcaption></figure>$$ARTICLEAD$$'
                + "".join(f'<p class="editor-p">{p}</p>' for p in SHELL_PARAGRAPHS))
    teaser = "<p>Other story</p>" * 2  # too few paragraphs to be the article
    payload = json.dumps({"props": {"teaser": teaser, "article": {"contentHtml": fragment}}})
    script = f'<script>self.__next_f.push([1,{json.dumps(payload)}])</script>'
    article = extract(_client_rendered(script), "https://harbour.example/news/2026/03/new-quay-opens/")
    assert article is not None
    assert article.paragraphs == SHELL_PARAGRAPHS
    # the same shell without the data is no article: there is no body to archive
    assert extract(_client_rendered(""), "https://harbour.example/news/2026/03/new-quay-opens/") is None


def test_a_shell_page_with_only_a_json_ld_article_body_gives_that_text() -> None:
    ld = json.dumps({"@type": "NewsArticle", "headline": "New quay opens in spring",
                     "articleBody": "\n".join(SHELL_PARAGRAPHS)})
    article = extract(_client_rendered(f'<script type="application/ld+json">{ld}</script>'),
                      "https://harbour.example/news/2026/03/new-quay-opens/")
    assert article is not None
    assert article.paragraphs == SHELL_PARAGRAPHS


def _authors(head: str, url: str) -> list[str]:
    """The authors the generic cleaner finds on a tram-plan story with ``head`` in its <head>."""
    article = extract(_news_page(head, "<h1>Tram plan passes</h1>"), url)
    assert article is not None
    return article.authors


def test_the_site_named_beside_its_reporter_is_not_an_author_and_the_role_is_dropped() -> None:
    head = ('<meta name="author" content="항구일보"><meta name="author" content="신현주 기자">'
            '<meta property="og:site_name" content="항구일보">')
    assert _authors(head, "https://daily-tram.example/2026/03/tram-plan/") == ["신현주"]


def test_the_site_with_its_address_in_the_author_tag_is_the_site_not_two_places() -> None:
    head = ('<meta name="author" content="tramwave.example, Frankfurt, Germany">'
            '<meta property="og:site_name" content="tramwave.example">')
    url = "https://tramwave.example/2026/03/tram-plan/"
    assert _authors(head, url) == ["tramwave.example"]
    beside = head.replace("Frankfurt, Germany", "Ann Lee")  # a person beside the site is an author
    assert _authors(beside, url) == ["Ann Lee"]


def test_the_publisher_is_not_an_author_and_a_link_to_another_host_is_no_byline() -> None:
    head = ('<meta name="publisher" content="Tram Wave (www.tramwave.example)">'
            '<meta name="author" content="Tram Wave (www.tramwave.example)">')
    body = ('<nav><a href="https://corporate.tramwave.example/en/company/profile/s-30626">Company</a></nav>'
            "<h1>Tram plan passes</h1>")
    article = extract(_news_page(head, body), "https://www.tramwave.example/en/tram-plan-passes/a-65464327")
    assert article is not None
    assert article.authors == ["Tram Wave"]  # the site itself, as no one else is named
    with_byline = body + '<p class="meta"><a href="/en/profile/ann-lee">Ann Lee</a></p>'
    article = extract(_news_page(head, with_byline), "https://www.tramwave.example/en/tram-plan-passes/a-65464327")
    assert article is not None
    assert article.authors == ["Ann Lee"]
