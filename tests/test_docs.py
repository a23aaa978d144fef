"""The README and docs/ stay true: tables match the code they describe, links resolve, the README's test
command is CI's, and the README stays short enough to read in five minutes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import crawler.settings
from crawler.cli import build_parser
from crawler.sites import GenericProfile, SiteProfile, profiles
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = sorted((ROOT / "docs").glob("*.md"))
INTERNAL_MARK = "# -- set for each run by"  # settings below this line in crawler/settings.py are not for users
PROJECT_SETTING_RE = re.compile(r"\b(?:NEWSARCHIVE|WARC)_[A-Z_]+\b")


def _doc(name: str) -> str:
    return (ROOT / "docs" / name).read_text(encoding="utf-8")


def test_readme_is_short() -> None:
    assert len(README.splitlines()) <= 150


def test_ci_runs_the_readme_test_command() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    (test_command,) = re.findall(r"^(\./run test)\b", quick_start, flags=re.MULTILINE)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(rf"^{re.escape(test_command)}$", ci, flags=re.MULTILINE)


@pytest.mark.parametrize("page", [ROOT / "README.md", *DOCS], ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8"))
    local = [link for link in links if "://" not in link and not link.startswith("mailto:")]
    assert [link for link in local if not (page.parent / link).exists()] == []


def test_readme_links_every_docs_page() -> None:
    assert {p.name for p in DOCS} <= set(re.findall(r"\(docs/([\w-]+\.md)\)", README))


def test_supported_sites_table_matches_the_registry() -> None:
    table = _doc("sites.md").split("## Supported sites", 1)[1].split("\n\n", 2)[1]
    rows = [line.split("|")[1:-1] for line in table.splitlines()[2:]]
    listed = {cells[1].strip().strip("`"): cells[3].strip().strip("`") for cells in rows}
    classes: list[type[SiteProfile]] = [*profiles().values(), GenericProfile]
    registered = {cls.id: cls.cleaner_version for cls in classes}
    assert listed == registered


def test_command_table_lists_every_subcommand() -> None:
    section = README.split("## Command line", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `newsarchive (\w+)", section, flags=re.MULTILINE))
    parser = build_parser()
    (subparsers,) = [a for a in parser._actions if a.dest == "command"]  # argparse keeps them there
    assert documented == set(subparsers.choices)  # type: ignore[arg-type]


def test_settings_table_lists_every_user_setting() -> None:
    source = Path(crawler.settings.__file__).read_text(encoding="utf-8")
    for_users = source.split(INTERNAL_MARK, 1)[0]
    defined = set(re.findall(r"^((?:NEWSARCHIVE|WARC)_[A-Z_]+)\b", for_users, flags=re.MULTILINE))
    table = _doc("operations.md").split("## Settings", 1)[1]
    documented = set(PROJECT_SETTING_RE.findall(table.split("\n\n", 2)[2]))
    assert INTERNAL_MARK in source
    assert documented == defined


def test_every_verifier_rule_is_explained() -> None:
    used = set()
    for module in ("verify.py", "read.py"):
        used |= set(re.findall(r'"([ABC]\d+)"', (ROOT / "archive" / "warc" / module).read_text(encoding="utf-8")))
    explained = set(re.findall(r"^\| ([ABC]\d+) \|", _doc("data.md"), flags=re.MULTILINE))
    assert used == explained
