"""Every cleaner version of every registered site profile against its recorded pages: a version without
fixtures fails CI, and so does a profile whose versions cannot be told apart by date.

Fixtures of a profile's current cleaner live in tests/fixtures/sites/<profile id>/, those of a retired
version in tests/fixtures/sites/<profile id>/<version, "/" as "-">/: NAME.html (the page as fetched) and
NAME.json (``url``, and ``expected``: the article's fields, or null for a page that is not an article).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pytest

from crawler.sites import profiles
from crawler.sites.base import Cleaner, SiteProfile
from crawler.sites.rki_news import RkiNewsCleaner, RkiNewsProfile
from tests.conftest import ROOT
from tests.profiles.retired_rki import RkiNewsCleaner2025, RkiNewsWithRetiredRules

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sites"


def versions() -> list[tuple[type[SiteProfile], type[Cleaner], Path]]:
    """(profile, cleaner version, its fixture directory) for every version of every registered profile."""
    out = []
    for profile in sorted(profiles().values(), key=lambda p: p.id):
        for cleaner in profile.cleaners:
            retired = cleaner is not profile.cleaners[-1]
            subdirectory = cleaner.version.replace("/", "-") if retired else ""
            out.append((profile, cleaner, FIXTURES / profile.id / subdirectory))
    return out


def cases() -> list[tuple[type[SiteProfile], type[Cleaner], Path]]:
    return [(p, c, page) for p, c, directory in versions() for page in sorted(directory.glob("*.html"))]


@pytest.mark.parametrize(("profile", "cleaner", "directory"), versions(), ids=lambda v: getattr(v, "version", ""))
def test_every_cleaner_version_has_article_and_non_article_fixtures(profile: type[SiteProfile],
                                                                     cleaner: type[Cleaner], directory: Path) -> None:
    expected = [json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))["expected"]
                for p in directory.glob("*.html")]
    assert any(e is not None for e in expected), f"no article fixture for {cleaner.version} in {directory}"
    assert any(e is None for e in expected), f"no non-article fixture for {cleaner.version} in {directory}"


@pytest.mark.parametrize(("profile", "cleaner", "page"), cases(),
                         ids=lambda v: v.stem if isinstance(v, Path) else getattr(v, "version", ""))
def test_site_fixture(profile: type[SiteProfile], cleaner: type[Cleaner], page: Path) -> None:
    case: dict[str, Any] = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    article = cleaner(profile()).clean(page.read_bytes(), case["url"])
    if case["expected"] is None:
        assert article is None
        return
    assert article is not None
    got = {name: getattr(article, name) for name in case["expected"]}
    assert got == case["expected"]


def test_the_rules_valid_at_fetch_time_clean_a_capture() -> None:
    profile = RkiNewsWithRetiredRules()
    assert type(profile.cleaner("2025-12-31T23:59:59+00:00")) is RkiNewsCleaner2025
    assert type(profile.cleaner("2026-01-01T00:00:00+00:00")) is RkiNewsCleaner
    assert type(profile.cleaner()) is RkiNewsCleaner
    assert profile.cleaner_version == RkiNewsCleaner.version


def test_rule_versions_that_cannot_be_told_apart_fail_at_definition() -> None:
    class Until2025(RkiNewsCleaner):
        version = "rki_news/a"
        valid_until: ClassVar[date | None] = date(2025, 1, 1)

    class AlsoUntil2025(RkiNewsCleaner):
        version = "rki_news/b"
        valid_until: ClassVar[date | None] = date(2025, 1, 1)

    with pytest.raises(TypeError, match="distinct valid_until"):
        type("Twice", (RkiNewsProfile,), {"cleaners": (Until2025, AlsoUntil2025, RkiNewsCleaner)})
    with pytest.raises(TypeError, match="no valid_until"):
        type("RetiredLast", (RkiNewsProfile,), {"cleaners": (RkiNewsCleaner, Until2025)})
    later = type("Until2026", (RkiNewsCleaner,), {"version": "rki_news/c", "valid_until": date(2026, 1, 1)})
    with pytest.raises(TypeError, match="oldest first"):
        type("Unordered", (RkiNewsProfile,), {"cleaners": (later, Until2025, RkiNewsCleaner)})


def test_an_installed_package_adds_a_site_through_its_entry_point(tmp_path: Path) -> None:
    package = tmp_path / "courier_sites"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from crawler.sites.rki_news import RkiNewsCleaner, RkiNewsProfile\n"
        "class CourierProfile(RkiNewsProfile):\n"
        "    id = 'courier'\n    name = 'courier.example'\n    home = 'https://courier.example'\n",
        encoding="utf-8")
    dist = tmp_path / "courier_sites-1.0.dist-info"  # what pip writes for an installed package
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: courier-sites\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[newsarchive.sites]\ncourier = courier_sites\n", encoding="utf-8")
    code = "from crawler.sites import profile_class; print(profile_class('courier.example').home)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    env.pop("NEWSARCHIVE_SITE_MODULES", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert result.stdout.strip() == "https://courier.example", result.stderr
