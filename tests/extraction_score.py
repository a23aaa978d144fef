"""Scoring an extractor on the extraction development set (tests/fixtures/extraction-dev).

The set is 91 real article pages with their bodies written by people: half of the Article Extraction
Benchmark by Scrapinghub (MIT licence, see its LICENSE). The score is the benchmark's own: each text
becomes a multiset of 4-token shingles over ``\\w+`` tokens; per page, true positives, false positives
and false negatives are normalised to sum to 1, so long pages do not weigh more; precision, recall and F1
come from those fractions summed over the pages. A page the extractor rejects counts as empty output.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from crawler.sites.generic import GenericProfile

DEV_SET = Path(__file__).parent / "fixtures" / "extraction-dev"


@dataclass
class Score:
    precision: float
    recall: float
    f1: float
    pages: int
    rejected: list[str] = field(default_factory=list)  # pages the extractor said were not articles
    pages_per_second: float = 0.0


def shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text.lower())
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(0, len(tokens) - 3)))


def generic_extractor(html: bytes, url: str) -> str | None:
    parts = urlsplit(url)
    article = GenericProfile(f"{parts.scheme}://{parts.netloc}").clean(html, url)
    return article.text if article else None


def score(extract: Callable[[bytes, str], str | None] = generic_extractor, dev_set: Path = DEV_SET) -> Score:
    truth = json.loads((dev_set / "ground-truth.json").read_text(encoding="utf-8"))
    tp = fp = fn = 0.0
    rejected = []
    started = time.perf_counter()
    for page_id, item in truth.items():
        html = gzip.decompress((dev_set / "html" / f"{page_id}.html.gz").read_bytes())
        text = extract(html, item["url"])
        if text is None:
            rejected.append(item["url"])
        got, want = shingles(text or ""), shingles(item["articleBody"])
        common = sum((got & want).values())
        extra, missing = sum(got.values()) - common, sum(want.values()) - common
        total = common + extra + missing
        if total:
            tp, fp, fn = tp + common / total, fp + extra / total, fn + missing / total
    seconds = time.perf_counter() - started
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return Score(precision, recall, 2 * precision * recall / (precision + recall), len(truth), rejected,
                 len(truth) / seconds)
