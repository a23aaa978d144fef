"""The README stays true: its supported-sites table matches the registry, its test command is CI's."""

from __future__ import annotations

import re

from crawler.sites import PROFILES, GenericProfile, SiteProfile
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_supported_sites_table_matches_the_registry() -> None:
    table = README.split("## Supported sites", 1)[1].split("\n\n", 2)[1]
    rows = [line.split("|")[1:-1] for line in table.splitlines()[2:]]
    listed = {cells[1].strip().strip("`"): cells[3].strip().strip("`") for cells in rows}
    classes: list[type[SiteProfile]] = [*PROFILES.values(), GenericProfile]
    registered = {cls.id: cls.cleaner_version for cls in classes}
    assert listed == registered


def test_ci_runs_the_readme_test_command() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    (test_command,) = re.findall(r"^(\./run test)\b", quick_start, flags=re.MULTILINE)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(rf"^{re.escape(test_command)}$", ci, flags=re.MULTILINE)
