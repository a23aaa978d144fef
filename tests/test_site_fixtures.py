"""Every registered site profile against its recorded pages: a site without fixtures fails CI.

Fixtures live in tests/fixtures/sites/<profile id>/: NAME.html (the page as fetched) and NAME.json
(``url``, and ``expected``: the article's fields, or null for a page that is not an article).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawler.sites import PROFILES

FIXTURES = Path(__file__).parent / "fixtures" / "sites"


def cases() -> list[tuple[str, Path]]:
    return [(site_id, page) for site_id in sorted(PROFILES) for page in sorted((FIXTURES / site_id).glob("*.html"))]


@pytest.mark.parametrize("site_id", sorted(PROFILES))
def test_every_site_has_article_and_non_article_fixtures(site_id: str) -> None:
    expected = [json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))["expected"]
                for p in (FIXTURES / site_id).glob("*.html")]
    assert any(e is not None for e in expected), f"no article fixture for {site_id}"
    assert any(e is None for e in expected), f"no non-article fixture for {site_id}"


@pytest.mark.parametrize(("site_id", "page"), cases(), ids=lambda v: v if isinstance(v, str) else v.stem)
def test_site_fixture(site_id: str, page: Path) -> None:
    case: dict[str, Any] = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    article = PROFILES[site_id]().clean(page.read_bytes(), case["url"])
    if case["expected"] is None:
        assert article is None
        return
    assert article is not None
    got = {name: getattr(article, name) for name in case["expected"]}
    assert got == case["expected"]
