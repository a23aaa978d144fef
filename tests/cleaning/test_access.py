"""Free, paywalled or unknown: what the page declares, the walls of the common paywall systems, teasers that break
off; a paywalled page's text is flagged partial only when it is the teaser, not when the page carried it all."""

from __future__ import annotations

import json

import pytest

from crawler.cleaning.extraction import extract

URL = "https://paper.example/2026/05/06/harbour-strike-enters-second-week/"
WHOLE = [
    "Dock workers at the harbour stayed out for an eighth day on Monday, and the queue of container ships waiting "
    "off the breakwater grew to fourteen, the port authority said in its morning notice to shippers.",
    "The union wants the new shift rota withdrawn before it returns to talks; the operator says the rota is needed "
    "to handle the larger ships that have called at the port since the channel was dredged last year.",
    "Hauliers who serve the terminals said they had laid off drivers for the week, and two of the region's largest "
    "food wholesalers warned of gaps on shelves if the strike lasted past the weekend holiday.",
    "The regional labour office offered to mediate on Tuesday. Neither side has said whether it will attend, and "
    "the harbour master asked ships not yet under way to delay their departures by at least five days.",
]
TEASER = [WHOLE[0][:150] + " …"]


def page(paragraphs: list[str], *, json_ld: dict[str, object] | None = None, meta: str = "", extra: str = "",
         body_class: str = "article-body") -> bytes:
    described = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Harbour strike enters its "
                 "second week", "datePublished": "2026-05-06T08:00:00+02:00", **(json_ld or {})}
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="en"><head><title>Harbour strike enters its second week</title>
<script type="application/ld+json">{json.dumps(described)}</script>{meta}</head><body>
<main><article><h1>Harbour strike enters its second week</h1><time datetime="2026-05-06T08:00">6 May 2026</time>
<div class="{body_class}">{text}</div>{extra}</article></main>
<footer><div class="newsletter">Subscribe to our free newsletter for the morning's headlines.</div></footer>
</body></html>""".encode()


PIANO = '<div class="tp-container-inner"><div class="piano-offer">Subscribe to read the whole story.</div></div>'
POOOL = '<div id="poool-widget" class="poool-widget">Continue reading with a subscription</div>'
CASES = {
    # what the page declares
    "declared free": (page(WHOLE, json_ld={"isAccessibleForFree": True}), "free", False),
    "declared locked, the locked part carried whole": (
        page(WHOLE, json_ld={"isAccessibleForFree": "False", "hasPart": {
            "@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".article-body"}}),
        "paywalled", False),
    "declared locked, the locked part withheld": (
        page(TEASER, json_ld={"isAccessibleForFree": False, "hasPart": {
            "@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".paywalled-content"}}),
        "paywalled", True),
    "content tier locked": (page(TEASER, meta='<meta property="article:content_tier" content="locked">'),
                            "paywalled", True),
    "content tier free": (page(WHOLE, meta='<meta property="article:content_tier" content="free">'), "free", False),
    "an empty declaration says nothing": (page(WHOLE, json_ld={"isAccessibleForFree": ""}), "free", False),
    # the walls of paywall systems
    "Piano wall over a teaser": (page(TEASER, extra=PIANO), "paywalled", True),
    "Poool wall over a teaser": (page(TEASER, extra=POOOL), "paywalled", True),
    "a site's own paywall box over a teaser": (
        page(TEASER, extra='<div class="c-paywall">Already a subscriber? Log in</div>'), "paywalled", True),
    "wall markup beside the whole text": (page(WHOLE, extra=PIANO), "unknown", False),
    # no declaration, no wall
    "a teaser that breaks off under an offer": (
        page(TEASER, extra='<p class="offer">Subscribe now to read on.</p>'), "paywalled", True),
    "a whole article with a newsletter box": (page(WHOLE), "free", False),
    "a short whole article": (page(WHOLE[:1]), "free", False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_page_is_classified_right(case: str) -> None:
    html, access, partial = CASES[case]
    article = extract(html, URL, "text/html; charset=utf-8")
    assert article is not None
    assert article.access == access
    assert ("partial" in article.flags) == partial
