"""The reading room's web application: search, an article with its versions and provenance, and a JSON API
under ``/api/`` (documented at ``/docs``), all on the ``Archive`` library the command line uses.

Safe to expose, within its limits: it only reads. Archived text and titles go through Jinja's
autoescaping everywhere, and archived HTML is never served from this origin (the page itself is a link to
the project's pywb replay, served apart). A Content-Security-Policy allows no script but the interface's
own. With a token, every request needs it (``Authorization: Bearer TOKEN``, or ``?token=`` once, which sets
a cookie). Page sizes and query lengths are bounded, so that one request cannot take the server.
"""

from __future__ import annotations

import hmac
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.background import BackgroundTask

from archive.api import Archive
from archive.history import side_by_side
from archive.store.location import StoreLocation
from archive.store.query import QueryError
from archive.store.snippets import Snippet

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 50  # deeper than 50 pages a reader narrows the search instead
MAX_QUERY = 500  # characters of a query or filter value
COUNT_CAP = 10_000  # matches counted exactly; past it a page says "10,000+" (a common word has 150,000)
ACCESS = ("free", "paywalled", "unknown")
FACET_SAMPLE = 5_000  # the newest matches that the counts per site, language and day are drawn from
MAX_EXPORT = 100_000  # snippets in one export through the room (the command line has no limit)
EXPORT_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv", "parquet": "application/vnd.apache.parquet",
                "wacz": "application/wacz+zip"}
ORDERS = ("newest", "oldest", "relevance")
TOKEN_COOKIE = "newsarchive_token"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))  # autoescape on for .html


def highlight(fragment: str) -> Markup:
    """A search fragment with its matches (between the store's ``[`` and ``]``) marked: the archived text is
    escaped first, so only the marks are markup."""
    return Markup(str(escape(fragment)).replace("[", "<mark>").replace("]", "</mark>"))


TEMPLATES.env.filters["highlight"] = highlight


class _Counts:
    """The count and the counts per site, language and day of recent searches, kept while the archive has
    no new snippet (its largest snippet id is the same): paging through a search, or many readers asking
    for the same words, then costs the page of results alone."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.kept: OrderedDict[tuple[Any, ...], tuple[int, dict[str, dict[str, int]]]] = OrderedDict()
        self.kept_sites: dict[tuple[Any, ...], list[str]] = {}

    def sites(self, archive: Archive) -> list[str]:
        """The archive's sites (for the search form), kept likewise."""
        key = (self._generation(archive), "sites")
        with self.lock:
            if key in self.kept_sites:
                return self.kept_sites[key]
        sites = archive.sites()
        with self.lock:
            self.kept_sites = {key: sites}
        return sites

    @staticmethod
    def _generation(archive: Archive) -> Any:
        row = archive.store.db.execute("SELECT MAX(id) FROM snippets").fetchone()
        return row[0] if row else None

    def get(self, archive: Archive, query: str | None, filters: dict[str, str]
            ) -> tuple[int, dict[str, dict[str, int]]]:
        key = (self._generation(archive), query, tuple(sorted(filters.items())))
        with self.lock:
            if key in self.kept:
                self.kept.move_to_end(key)
                return self.kept[key]
        total = archive.count(query, **filters, cap=COUNT_CAP + 1)  # type: ignore[arg-type]  # str filters
        counts = archive.facets(query, **filters, sample=FACET_SAMPLE)  # type: ignore[arg-type]
        with self.lock:
            self.kept[key] = (total, counts)
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)
        return total, counts


class _Archives:
    """One read-only ``Archive`` per server thread: a SQLite connection belongs to the thread that made it."""

    def __init__(self, location: StoreLocation) -> None:
        self.location = location
        self.local = threading.local()

    def get(self) -> Archive:
        archive = getattr(self.local, "archive", None)
        if archive is None:
            archive = self.local.archive = Archive(self.location)
        return archive


def _bounded(value: str | None, name: str) -> str | None:
    if value is not None and len(value) > MAX_QUERY:
        raise HTTPException(400, f"{name}: at most {MAX_QUERY} characters")
    return value or None


def _filters(site: str | None, since: str | None, until: str | None, language: str | None, category: str | None,
             author: str | None, access: str | None = None) -> dict[str, str]:
    """The filters given, each bounded: what search, count, facets and export take as keywords."""
    if access and access not in ACCESS:
        raise HTTPException(400, f"access: one of {', '.join(ACCESS)}")
    given = {"site": site, "since": since, "until": until, "language": language, "category": category,
             "author": author, "access": access}
    return {name: value for name, value in given.items() if value and _bounded(value, name)}


def snippet_json(snippet: Snippet) -> dict[str, Any]:
    """A snippet as the API gives it: every field of the export schema, its id, and a fragment and score
    when it came from a search."""
    data = snippet.to_dict()
    for name in ("fragment", "score"):
        if hasattr(snippet, name):
            data[name] = getattr(snippet, name)
    return data


def create_app(location: StoreLocation, *, token: str | None = None, replay_url: str | None = None) -> FastAPI:
    """The application over the archive at ``location``; ``replay_url`` is where ``newsarchive replay``
    serves the archived pages (a link from each article)."""
    app = FastAPI(title="newsarchive reading room", version="1", docs_url="/docs", redoc_url=None)
    archives = _Archives(location)
    counted = _Counts()
    exports = threading.Semaphore(1)  # one export written at a time: each takes a core and a temporary file

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if token is not None:
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip() or \
                request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
            if not hmac.compare_digest(given.encode(), token.encode()):
                return JSONResponse({"error": "a token is needed (Authorization: Bearer TOKEN)"}, status_code=401)
        response = await call_next(request)
        if token is not None and request.query_params.get("token"):
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        frame = f" frame-src {replay_url};" if replay_url else ""
        if not request.url.path.startswith("/docs") and request.url.path != "/openapi.json":
            response.headers["Content-Security-Policy"] = (
                f"default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self';{frame} "
                "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.exception_handler(QueryError)
    async def bad_query(request: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
        return TEMPLATES.TemplateResponse(request, "error.html", {"status": exc.status_code, "message": exc.detail},
                                          status_code=exc.status_code)

    def search(q: str | None, site: str | None, since: str | None, until: str | None, language: str | None,
               category: str | None, author: str | None, order: str, page: int, per_page: int,
               access: str | None = None) -> dict[str, Any]:
        if order not in ORDERS:
            raise HTTPException(400, f"order: one of {', '.join(ORDERS)}")
        chosen = _filters(site, since, until, language, category, author, access)
        query = _bounded(q, "q")
        archive = archives.get()
        with archive.snapshot():
            total, counts = counted.get(archive, query, chosen)
            rows = list(archive.search(query, **chosen, order=order,  # type: ignore[arg-type]
                                       limit=page * per_page))[(page - 1) * per_page:]
        more = total > COUNT_CAP
        return {"total": min(total, COUNT_CAP), "total_is_lower_bound": more, "page": page, "per_page": per_page,
                "results": rows, "counts": counts, "counts_sample": FACET_SAMPLE if total > FACET_SAMPLE else None,
                "filters": {"q": query, **chosen, "order": order}}

    # -- the JSON API -----------------------------------------------------------------------------------

    @app.get("/api/search", summary="Full-text search with the filters of `newsarchive search`")
    def api_search(q: str | None = None, site: str | None = None, since: str | None = None,
                   until: str | None = None, language: str | None = None, category: str | None = None,
                   author: str | None = None, order: str = "newest", page: int = Query(1, ge=1, le=MAX_PAGE),
                   per_page: int = Query(PER_PAGE, ge=1, le=MAX_PER_PAGE), access: str | None = None
                   ) -> dict[str, Any]:
        found = search(q, site, since, until, language, category, author, order, page, per_page, access)
        return {**found, "results": [snippet_json(s) for s in found["results"]]}

    @app.get("/api/export", summary="The matches of a search as a file: jsonl, csv, parquet or wacz")
    def api_export(format: str = "jsonl", q: str | None = None, site: str | None = None,
                   since: str | None = None, until: str | None = None, language: str | None = None,
                   category: str | None = None, author: str | None = None, access: str | None = None) -> Response:
        if format not in EXPORT_TYPES:
            raise HTTPException(400, f"format: one of {', '.join(EXPORT_TYPES)}")
        filters = _filters(site, since, until, language, category, author, access)
        query = _bounded(q, "q")
        archive = archives.get()
        matches = archive.count(query, **filters, cap=MAX_EXPORT + 1)  # type: ignore[arg-type]
        if matches > MAX_EXPORT:
            raise HTTPException(400, f"over {MAX_EXPORT:,} matches: an export here takes at most that; narrow "
                                     "the search, or use `newsarchive export`")
        if not exports.acquire(blocking=False):
            raise HTTPException(503, "another export is being written; try again in a moment")
        name = ""
        try:
            handle, name = tempfile.mkstemp(prefix="newsarchive-export-", suffix="." + format)
            os.close(handle)
            archive.export(name, format, query, **filters)  # type: ignore[arg-type]
        except BaseException:
            exports.release()
            if name:
                Path(name).unlink(missing_ok=True)
            raise

        def done() -> None:
            exports.release()
            Path(name).unlink(missing_ok=True)
        return FileResponse(name, media_type=EXPORT_TYPES[format], filename=f"newsarchive-export.{format}",
                            background=BackgroundTask(done))

    @app.get("/api/snippets/{snippet_id}", summary="One snippet, its version count, where it came from, its "
                                                    "images with their WARC records and its copies")
    def api_snippet(snippet_id: int) -> dict[str, Any]:
        archive = archives.get()
        snippet = _get(archive, snippet_id)
        origin = archive.origin(snippet)
        return {**snippet_json(snippet), "versions": len(archive.versions(snippet.canonical_url)),
                "origin": asdict(origin) if origin else None, "images": archive.images(snippet),
                "copies": [asdict(c) for c in archive.copies(snippet_id)]}

    @app.get("/api/versions", summary="Every version of an article, oldest first")
    def api_versions(url: str = Query(..., max_length=2000)) -> list[dict[str, Any]]:
        return [snippet_json(s) for s in archives.get().versions(url)]

    @app.get("/api/diff", summary="What changed between consecutive versions of an article")
    def api_diff(url: str = Query(..., max_length=2000)) -> list[dict[str, Any]]:
        return archives.get().diff(url)

    @app.get("/api/stats", summary="What `newsarchive stats` prints")
    def api_stats() -> dict[str, Any]:
        return archives.get().stats()

    @app.get("/api/runs", summary="Past runs, newest first")
    def api_runs(site: str | None = None, limit: int = Query(50, ge=1, le=500)) -> list[dict[str, Any]]:
        return archives.get().runs(site=_bounded(site, "site"), limit=limit)

    # -- pages ------------------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, q: str | None = None, site: str | None = None, since: str | None = None,
                    until: str | None = None, language: str | None = None, category: str | None = None,
                    author: str | None = None, order: str = "newest",
                    page: int = Query(1, ge=1, le=MAX_PAGE), access: str | None = None) -> Response:
        try:
            found = search(q, site, since, until, language, category, author, order, page, PER_PAGE, access)
            error = ""
        except QueryError as exc:
            found = {"total": 0, "total_is_lower_bound": False, "counts_sample": None, "page": 1,
                     "per_page": PER_PAGE, "results": [],
                     "filters": {"q": q, "site": site, "since": since, "until": until, "language": language,
                                 "category": category, "author": author, "order": order, "access": access}}
            error = str(exc)
        archive = archives.get()
        filters = {k: v for k, v in found["filters"].items() if v}

        def page_link(number: int) -> str:
            return "/?" + urlencode({**filters, "page": number})

        pages = max(1, min(MAX_PAGE, -(-found["total"] // PER_PAGE)))
        unpaged = {k: v for k, v in filters.items() if k != "order"}

        def narrowed(name: str, value: str) -> str:
            return "/?" + urlencode({**filters, name: value})

        counts = found.get("counts") or {"sites": {}, "languages": {}, "days": {}}
        return TEMPLATES.TemplateResponse(request, "search.html", {
            **found, "counts": counts, "error": error, "sites": counted.sites(archive), "orders": ORDERS,
            "pages": pages,
            "page_link": page_link, "narrowed": narrowed, "chart": bars(counts["days"]),
            "api_link": "/api/search?" + urlencode(filters),
            "exports": {f: "/api/export?" + urlencode({**unpaged, "format": f}) for f in EXPORT_TYPES}},
            status_code=400 if error else 200)

    @app.get("/articles/{snippet_id}/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare_page(request: Request, snippet_id: int, other: int = Query(..., alias="with")) -> Response:
        archive = archives.get()
        old, new = sorted((_get(archive, snippet_id), _get(archive, other)), key=lambda s: s.version)
        if old.canonical_url != new.canonical_url:
            raise HTTPException(400, "the two snippets are versions of different articles")
        return TEMPLATES.TemplateResponse(request, "compare.html", {"old": old, "new": new,
                                                                    "rows": side_by_side(old, new)})

    @app.get("/sites", response_class=HTMLResponse, include_in_schema=False)
    def sites_page(request: Request) -> Response:
        archive = archives.get()
        stats = archive.stats()
        sites = []
        for name, articles in stats["sites"].items():
            runs = archive.runs(site=name, limit=10)
            days = archive.facets(site=name)["days"]
            warc_bytes = sum(int(((r["report"] or {}).get("counts") or {}).get("warc/bytes", 0))
                             for r in archive.runs(site=name))
            sites.append({"name": name, "articles": articles, "runs": [_run_row(r) for r in runs],
                          "chart": bars(days), "warc_bytes": warc_bytes})
        return TEMPLATES.TemplateResponse(request, "sites.html", {"stats": stats, "sites": sites})

    @app.get("/articles/{snippet_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, snippet_id: int) -> Response:
        archive = archives.get()
        snippet = _get(archive, snippet_id)
        return TEMPLATES.TemplateResponse(request, "article.html", {
            "s": snippet, "versions": archive.versions(snippet.canonical_url), "origin": archive.origin(snippet),
            "images": archive.images(snippet), "copies": archive.copies(snippet_id),
            "replay": Archive.replay_url(snippet, replay_url) if replay_url else None,
            "paragraphs": snippet.text.split("\n\n")})

    return app


MAX_BARS = 120  # past this many days from the first match to the last the chart counts per month


def _calendar(days: dict[str, int]) -> dict[str, int]:
    """Every day from the first to the last of ``days`` (ISO dates), or every month when that is more than
    ``MAX_BARS`` days, with 0 where nothing matched: a gap in the record shows as a gap, not as a jump."""
    dated: dict[date, int] = {}
    for key, n in days.items():
        try:
            dated[date.fromisoformat(key[:10])] = dated.get(date.fromisoformat(key[:10]), 0) + n
        except ValueError:  # no date to place it on
            continue
    if not dated:
        return {}
    first, last = min(dated), max(dated)
    if (last - first).days < MAX_BARS:
        return {(first + timedelta(d)).isoformat(): dated.get(first + timedelta(d), 0)
                for d in range((last - first).days + 1)}
    months: dict[str, int] = {}
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months[f"{year:04d}-{month:02d}"] = 0
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for day, n in dated.items():
        months[day.isoformat()[:7]] += n
    return months


def bars(days: dict[str, int], width: int = 720, height: int = 80) -> dict[str, Any]:
    """An SVG bar chart of matches per day (per month over more than ``MAX_BARS`` days), drawn on the server
    (no script): bars, the first and last day or month as labels."""
    days = _calendar(days)
    if not days:
        return {"bars": [], "width": width, "height": height, "first": "", "last": "", "most": 0, "unit": "day"}
    most = max(days.values()) or 1
    step = width / len(days)
    out = [{"x": round(i * step, 2), "w": max(round(step - 1, 2), 0.5), "h": round(height * n / most, 2),
            "y": round(height - height * n / most, 2), "day": day, "n": n} for i, (day, n) in enumerate(days.items())]
    unit = "month" if len(next(iter(days))) == 7 else "day"
    return {"bars": out, "width": width, "height": height, "first": next(iter(days)), "last": list(days)[-1],
            "most": most, "unit": unit}


def _run_row(run: dict[str, Any]) -> dict[str, Any]:
    """The figures of a run a site's page lists: what ``newsarchive runs`` shows."""
    report = run.get("report") or {}
    counts = report.get("counts") or {}
    return {"run_id": run["run_id"], "status": run["status"], "started_at": run["started_at"],
            "duration_s": report.get("duration_s"), "pages": report.get("pages_fetched", report.get("records")),
            "new": counts.get("articles/new", report.get("new")),
            "changed": counts.get("articles/changed", report.get("changed")),
            "errors": sum((report.get("errors") or {}).values()) if isinstance(report.get("errors"), dict) else 0,
            "drift": report.get("layout_drift")}


def _get(archive: Archive, snippet_id: int) -> Snippet:
    try:
        return archive.get(snippet_id)
    except KeyError:
        raise HTTPException(404, f"no snippet with id {snippet_id}") from None


