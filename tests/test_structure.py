"""The code's structure: imports run one way (commands -> runs -> spiders and Scrapy components -> sites,
cleaning, discovery -> core -> archive), and docs/code.md names every module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# from the top down; a module may import its own layer and every layer below it, never one above
LAYERS: tuple[tuple[str, ...], ...] = (
    ("crawler.cli", "crawler.commands"),
    ("crawler.runs",),
    ("crawler.spiders", "crawler.middlewares", "crawler.pipelines", "crawler.extensions", "crawler.settings"),
    ("crawler.sites", "crawler.cleaning", "crawler.discovery", "crawler"),
    ("crawler.core",),
    ("archive",),
)


def layer_of(module: str) -> int:
    """The index in LAYERS of the longest prefix that names ``module``'s room."""
    best, found = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), index
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> list[Path]:
    return sorted(p for package in ("crawler", "archive") for p in (ROOT / package).rglob("*.py"))


def imports_of(path: Path, roots: tuple[str, ...] = ("crawler", "archive")) -> list[tuple[int, str]]:
    """Every module under ``roots`` that ``path`` imports, at any depth of the file (lazy imports count
    too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            found += [(node.lineno, n if layer_of(n) >= 0 else node.module) for n in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, name) for line, name in found if name.split(".")[0] in roots]


# the one import that runs upward, inside the method that needs it: the research library's Archive offers
# import_warcs, which is the crawler's import (its cleaners); reading the archive still loads no crawler code
UPWARD_ALLOWED = {("archive.api", "crawler.runs.importing.import_warcs"),
                  ("archive.api", "crawler.runs.importing.ImportReport")}


def upward_imports() -> list[str]:
    out = []
    for path in project_modules():
        importer = module_name(path)
        for line, imported in imports_of(path):
            if layer_of(imported) < layer_of(importer) and (importer, imported) not in UPWARD_ALLOWED:
                out.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    return out


def module_level_graph() -> dict[str, set[str]]:
    """Project module -> the project modules it imports when it is loaded (imports inside functions, which
    run later, left out)."""
    names = {module_name(p) for p in project_modules()}
    graph: dict[str, set[str]] = {}
    for path in project_modules():
        edges = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for target in targets:
                while target and target not in names:
                    target = target.rpartition(".")[0]
                if target:
                    edges.add(target)
        graph[module_name(path)] = edges - {module_name(path)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import cycle once, as the path that closes it (depth-first search)."""
    found, state = [], dict.fromkeys(graph, 0)  # 0 unseen, 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt):], nxt])
            elif state.get(nxt) == 0:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if state[node] == 0:
            visit(node, [node])
    return found


def test_no_import_cycle() -> None:
    """A package's __init__ that imports its own submodules (archive/__init__.py: the researchers' names) is
    the package's face, not a cycle."""
    graph = {module: {t for t in targets if not t.startswith(module + ".")} for module, targets in
             module_level_graph().items()}
    assert cycles(graph) == []


def test_the_cycle_check_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_every_module_has_a_room() -> None:
    assert [module_name(p) for p in project_modules() if layer_of(module_name(p)) < 0] == []


def test_imports_run_one_way() -> None:
    assert upward_imports() == []


def test_the_layer_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The check itself: a module of core/ that imports a command is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("from crawler.commands.common import EXIT_OK\n")
    assert imports_of(bad) == [(1, "crawler.commands.common.EXIT_OK")]
    assert layer_of("crawler.commands.common.EXIT_OK") < layer_of("crawler.core.errors")


@pytest.mark.parametrize("path", project_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_code_map_names_every_module(path: Path) -> None:
    if path.name == "__init__.py" or (path.parent.name in ("crawler", "archive") and path.name in (
            "cli.py", "settings.py")):
        return
    room = path.parent.name
    doc = (ROOT / "docs" / "code.md").read_text(encoding="utf-8")
    assert re.search(rf"`{re.escape(path.name)}`", doc), f"docs/code.md does not name {room}/{path.name}"


def test_no_test_module_imports_another() -> None:
    """Shared helpers live in tests/helpers.py (and fixtures in conftest.py), not in a test module that
    another one imports: a test module's helpers change with its tests."""
    found = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        for line, imported in imports_of(path, roots=("tests",)):
            if imported.rpartition(".")[2].startswith("test_") or ".test_" in imported:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert found == []


def test_benchmarks_import_the_project_not_its_tests() -> None:
    found = [f"{path.relative_to(ROOT)}:{line} imports {imported}"
             for path in sorted((ROOT / "bench").glob("*.py")) for line, imported in imports_of(path, ("tests",))]
    assert found == []


def test_the_crawl_spider_leaves_discovery_to_its_strategies() -> None:
    """NewsSpider fetches, cleans and schedules; where it looks is crawler/discovery's. It imports no
    generic-mode rule itself and stays small enough to read in one sitting."""
    source = (ROOT / "crawler" / "spiders" / "news.py").read_text(encoding="utf-8")
    assert len(source.splitlines()) < 200
    assert "url_score" not in source
    assert "QueryPatternBound" not in source


# the edges where the environment may name the store: Scrapy's settings module (for
# `scrapy crawl`), the worker command (for its Celery pool), and the location's own resolver
STORE_ENV_READERS = {"crawler/settings.py", "crawler/commands/cluster.py", "archive/store/location.py"}
BACKEND_ASKERS = {"archive/store/location.py", "archive/store/database.py"}  # the location, and the opener


def store_choices(modules: dict[str, str]) -> list[str]:
    """Modules (path -> source) outside the edges that read the store's environment variable, or that ask
    which backend they run on instead of asking the dialect."""
    found = []
    for name, source in modules.items():
        if name not in STORE_ENV_READERS and re.search(r"environ\b.*(NEWSARCHIVE_STORE|STORE_ENV)", source):
            found.append(f"{name} reads where the store is")
        if name not in BACKEND_ASKERS and re.search(r"\bpostgres: bool\b|(?<!archive\.store)\.postgres\b", source):
            found.append(f"{name} asks which backend it runs on")
    return found


def test_the_store_is_chosen_once_at_the_edge() -> None:
    modules = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in project_modules()}
    assert store_choices(modules) == []


def test_the_store_check_sees_a_flag() -> None:
    probe = "def rows(db, postgres: bool = False):\n    return os.environ['NEWSARCHIVE_STORE']\n"
    assert len(store_choices({"archive/store/probe.py": probe})) == 2
