"""Benchmark: extraction on both development sets of real pages, side by side with other extractors.

    ./run bench extraction

For the product's public entry point (``crawler.extract``), trafilatura (its own metadata extraction) and
readability-lxml (body only; title from its <title> reading) it prints, per set, body precision/recall/F1
as the Article Extraction Benchmark computes them, title exact, publication day and minute, authors F1,
pages rejected and pages/s; then article detection's confusion counts on the dev pages (all articles)
and the replica's non-article pages, and the articles refused on the dev sets without their news metadata
and on the plain pages of tests/fixtures/detection/; images (lead, set and caption F1, caption lines left in
bodies) beside newspaper4k and trafilatura; access on the dev pages. tests/cleaning/test_extraction_quality.py
and test_images.py pin floors under these figures.
"""

from __future__ import annotations

import itertools
import logging
import statistics
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.cleaning import Article  # noqa: E402 - after the path set-up above
from devkit.extraction_score import (  # noqa: E402
    PLAIN_URL,
    Extractor,
    ImageExtractor,
    detection_confusion,
    dev_sets_refused,
    extraction_pages,
    generic_extractor,
    metadata_pages,
    product_images,
    score,
    score_detection,
    score_images,
    score_metadata,
)


def trafilatura_extractor(html: bytes, url: str) -> Article | None:
    import trafilatura

    doc = trafilatura.bare_extraction(html.decode("utf-8", "replace"), url=url, with_metadata=True,
                                      include_comments=False, include_tables=False)
    if doc is None or isinstance(doc, dict) or not doc.text:
        return None
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return Article(title=doc.title or "", canonical_url=url, paragraphs=doc.text.split("\n"), published=doc.date,
                   authors=authors)


def newspaper_images(html: bytes, url: str) -> tuple[list[dict[str, Any]], str] | None:
    """newspaper4k's top image and its other images (it gives no captions), and its text."""
    from newspaper import Article as NewspaperArticle

    def parse(**options: Any) -> Any:
        found = NewspaperArticle(url, fetch_images=False, **options)  # no downloads: the page's own addresses
        found.download(input_html=html.decode("utf-8", "replace"))
        found.parse()
        return found

    try:
        found = parse()
    except ImportError:  # its Korean, Japanese and Chinese tokenizers need nltk's data, not installed here
        found = parse(language="en")
    images = [{"url": found.top_image, "lead": True}] if found.top_image else []
    images += [{"url": u, "lead": False} for u in found.images if u != found.top_image]
    return images, found.text or ""


def trafilatura_images(html: bytes, url: str) -> tuple[list[dict[str, Any]], str] | None:
    """trafilatura's image (from the page's metadata) as the lead, then the <graphic> elements of its XML output
    with include_images (their title attribute as the caption), and its text."""
    import trafilatura
    from lxml import etree

    page = html.decode("utf-8", "replace")
    doc = trafilatura.bare_extraction(page, url=url, with_metadata=True, include_images=True)
    xml = trafilatura.extract(page, url=url, output_format="xml", include_images=True)
    if isinstance(doc, dict):  # only with as_dict=True
        doc = None
    lead = doc.image if doc is not None else None
    images = [{"url": lead, "lead": True}] if lead else []
    if xml:
        for graphic in etree.fromstring(xml.encode()).iter("graphic"):
            if graphic.get("src") and graphic.get("src") != lead:
                images.append({"url": graphic.get("src"), "caption": graphic.get("title") or "",
                               "alt": graphic.get("alt") or "", "lead": False})
    return images, (doc.text if doc is not None else "") or ""


IMAGE_EXTRACTORS: dict[str, ImageExtractor] = {
    "newsarchive (crawler.extract)": product_images,
    "newspaper4k": newspaper_images,
    "trafilatura": trafilatura_images,
}


def print_images() -> None:
    """Images on metadata-dev's pages with ``images``: lead found, set F1, caption F1 and caption lines in
    bodies, "the same image" by crawler.cleaning.images.image_key."""
    print("\nimages on metadata-dev (119 pages; the same image: image_key's rule, host, query, extension and size "
          "tokens removed)")
    print(f"  {'extractor':32} {'lead':>6} {'set F1':>7} {'caption F1':>10} {'captions':>8} "
          f"{'caption lines in body':>22}")
    for name, extractor in IMAGE_EXTRACTORS.items():
        s = score_images(extractor)
        print(f"  {name:32} {s.lead_found:6.3f} {s.set_f1:7.3f} {s.caption_f1:10.3f} {s.captions_scored:8d} "
              f"{len(s.leaks):22d}")


def print_access() -> None:
    """What the product says of access on the 221 dev pages (whole texts by construction)."""
    counts: Counter[str] = Counter()
    for _, html, item in [*extraction_pages(), *metadata_pages()]:
        article = generic_extractor(html, item["url"])
        if article is not None:
            counts[article.access + (" (partial)" if "partial" in article.flags else "")] += 1
    print("\naccess on both dev sets (221 pages): " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))


def readability_extractor(html: bytes, url: str) -> Article | None:
    from lxml import html as lxml_html
    from readability import Document
    from readability.readability import Unparseable

    doc = Document(html.decode("utf-8", "replace"), url=url)
    try:
        summary = doc.summary(html_partial=True)
    except Unparseable:  # control characters in a page: counted as a rejected page
        return None
    if not summary.strip():
        return None
    text = lxml_html.fromstring(summary).text_content()
    return Article(title=doc.short_title() or "", canonical_url=url, paragraphs=[text])


ROUNDS = 5
WARM_UP = 5  # pages of each set every extractor reads before the first timed pass


def speed_ratio() -> tuple[float, float, float]:
    """Pages/s of ours and of trafilatura over all 221 pages, in rounds that run one right after the other,
    and the median of the rounds' ratios: pairing the two runs of a round cancels the drifts of a shared
    machine's speed, which moved the ratio of the two medians between 1.8 and 2.2 from one bench run to the
    next."""
    pages = [(html, item["url"]) for _, html, item in [*extraction_pages(), *metadata_pages()]]

    def rate(extractor: Extractor) -> float:
        started = time.perf_counter()
        for html, url in pages:
            extractor(html, url)
        return len(pages) / (time.perf_counter() - started)

    ours, theirs = [], []
    for _ in range(ROUNDS):
        ours.append(rate(generic_extractor))
        theirs.append(rate(trafilatura_extractor))
    ratios = [o / t for o, t in zip(ours, theirs, strict=True)]
    return statistics.median(ours), statistics.median(theirs), statistics.median(ratios)


EXTRACTORS: dict[str, Extractor] = {
    "newsarchive (crawler.extract)": generic_extractor,
    "trafilatura": trafilatura_extractor,
    "readability-lxml": readability_extractor,
}


def main() -> int:
    logging.getLogger("readability").setLevel(logging.CRITICAL)  # it logs a traceback per page it cannot read
    warnings.filterwarnings("ignore", module="newspaper")  # it warns on import that nltk is missing
    warm_up = [(html, item["url"]) for _, html, item in [*itertools.islice(extraction_pages(), WARM_UP),
                                                        *itertools.islice(metadata_pages(), WARM_UP)]]
    for extractor in EXTRACTORS.values():  # one-time costs (imports, language models, stop lists) before any clock
        for html, url in warm_up:
            extractor(html, url)
    print("extraction-dev (91 pages, bodies written by people)")
    print(f"  {'extractor':32} {'P':>6} {'R':>6} {'F1':>7} {'rejected':>8} {'pages/s':>8}")
    for name, extractor in EXTRACTORS.items():
        s = score(extractor)
        print(f"  {name:32} {s.precision:6.3f} {s.recall:6.3f} {s.f1:7.4f} {len(s.rejected):8d} "
              f"{s.pages_per_second:8.1f}")
    print("\nmetadata-dev (130 pages of 90 publishers, fundus parsers' values)")
    print(f"  {'extractor':32} {'body F1':>7} {'title':>6} {'day':>6} {'minute':>6} {'authors':>7} {'rejected':>8} "
          f"{'pages/s':>8}")
    for name, extractor in EXTRACTORS.items():
        m = score_metadata(extractor)
        print(f"  {name:32} {m.body.f1:7.4f} {m.title_exact:6.3f} {m.day:6.3f} {m.minute:6.3f} {m.authors_f1:7.3f} "
              f"{len(m.body.rejected):8d} {m.body.pages_per_second:8.1f}")
    ours, theirs, ratio = speed_ratio()
    print(f"\nspeed on both sets, median of {ROUNDS} rounds: {ours:.1f} pages/s against trafilatura's {theirs:.1f}; "
          f"median ratio of a round {ratio:.2f}x")
    c = detection_confusion()
    print(f"\narticle detection: {c.true_positive} articles recognised, {c.false_negative} missed; "
          f"{c.true_negative} non-article replica pages rejected, {c.false_positive} taken for articles")
    for url in c.missed:
        print(f"  missed: {url}")
    for url in c.mistaken:
        print(f"  mistaken: {url}")
    print_detection()
    print_images()
    print_access()
    return 0


def print_detection() -> None:
    """Refused articles and accepted non-articles per set: the dev sets as published, without their news
    metadata and at a URL that says nothing; the plain pages of tests/fixtures/detection/."""
    print("\narticles refused on both dev sets (221 real article pages)")
    for label, metadata, plain in (("as published", True, False), ("without news metadata", False, False),
                                   (f"without news metadata, at {PLAIN_URL}", False, True)):
        d = dev_sets_refused(metadata=metadata, at_plain_url=plain)
        print(f"  {label:46} {len(d.refused):3d} of {d.articles}")
        for url in d.refused:
            print(f"    refused: {url[:110]}")
    s = score_detection()
    body = s.body
    print(f"\ntests/fixtures/detection: {len(s.refused)} of {s.articles} plain articles refused, {len(s.accepted)} of "
          f"{s.non_articles} non-articles taken for articles; body F1 {body.f1 if body else 0:.4f}")
    for page in s.refused:
        print(f"  refused: {page}")
    for page in s.accepted:
        print(f"  accepted: {page}")


if __name__ == "__main__":
    raise SystemExit(main())
