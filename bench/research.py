"""Benchmark of the researchers' side on a large store: search latency, export speed and memory, reextract.

    ./run bench research [--snippets 200000] [--keep DIR] [--only-dedupe]

1. Builds a store of N synthetic snippets (default 200,000) with realistic lengths: bodies of 80 to
   1,200 words (median about 350) drawn from a Zipf-distributed vocabulary, so FTS5 sees common and rare
   words as in news text; 12 sites, 3 languages, 10 categories, 40 authors, 3 years of dates.
2. Times searches (the CLI's default limit of 10, newest first): a common word, a rarer word, a phrase,
   a prefix, and a query with site, date, language and category filters; p50 and p95 of 40 runs each.
3. Exports everything with `newsarchive export` to JSONL and to Parquet in a subprocess, and a quarter
   of it, reporting records/s and the subprocess's peak RSS (memory must not grow with the count).
4. Fingerprints every snippet (`newsarchive dedupe --rebuild`): ms a version, the size of the fingerprint
   tables, and the MinHash estimate's error against exact shingle Jaccard.
5. Crawls a 2,000-article replica and times `newsarchive reextract` over its records.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.store.location import StoreLocation  # noqa: E402 - after the path set-up above
from archive.store.query import Filters, to_utc  # noqa: E402
from archive.store.snippet_store import SnippetStore  # noqa: E402
from archive.store.snippets import Snippet, text_sha256, word_count  # noqa: E402

VOCABULARY = 30_000
SITES = [f"site{n}.example" for n in range(11)] + ["rki.news"]
CATEGORIES = ["English", "Urdu", "International", "Asia", "Pakistan", "Kashmir", "Agriculture", "Snippets",
              "Economy", "Weather"]
LANGUAGES = ["en"] * 8 + ["ur"] + ["fr"]


# named words at fixed Zipf ranks, so the queries below hit common, middling and rare terms
PLACED = {"wheat": 20, "cotton": 21, "flood": 100, "subsidies": 500, "irrigation": 3000}


def make_words(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words: set[str] = set()
    while len(words) < VOCABULARY - len(PLACED):
        word = "".join(rng.choice(letters) for _ in range(rng.randint(3, 10)))
        if word not in PLACED:
            words.add(word)
    ordered = sorted(words)
    rng.shuffle(ordered)
    for word, rank in sorted(PLACED.items(), key=lambda item: item[1]):
        ordered.insert(rank, word)
    return ordered


def build_store(data: Path, count: int, seed: int = 7) -> float:
    """Insert ``count`` snippets in batches; returns seconds taken."""
    rng = random.Random(seed)
    words = make_words(rng)
    weights = [1 / (rank + 1) for rank in range(len(words))]  # Zipf: the 10th word is a tenth as common
    store = SnippetStore(data)
    store.db.execute("PRAGMA synchronous=OFF")  # a benchmark fixture, not an archive
    started = time.perf_counter()
    cols = None
    batch = []
    for n in range(count):
        length = min(1200, max(80, int(rng.lognormvariate(5.85, 0.5))))
        body = rng.choices(words, weights=weights, k=length)
        paragraphs = [" ".join(body[i : i + 60]).capitalize() + "." for i in range(0, length, 60)]
        text = "\n\n".join(paragraphs)
        published = f"{2023 + n * 3 // count}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T" \
                    f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00+05:00"
        site = rng.choice(SITES)
        url = f"https://{site}/{published[:10].replace('-', '/')}/story-{n}/"
        snippet = Snippet(url=url, canonical_url=url, site=site, title=" ".join(rng.choices(words, k=8)).title(),
                          published=published, modified=published, document_date=None,
                          authors=[f"Author {rng.randint(1, 40)}"], categories=rng.sample(CATEGORIES, 2),
                          language=rng.choice(LANGUAGES), text=text, fetched_at="2026-01-01T00:00:00+00:00",
                          run_id="bench", cleaner_version="bench/1", warc_file="bench.warc.gz", warc_offset=n,
                          warc_length=1, warc_record_id=f"<urn:uuid:{n:036d}>", payload_digest="sha1:BENCH",
                          word_count=word_count(text), text_sha256=text_sha256(text), version=1)
        row = snippet.to_dict()
        row.pop("id")
        row["authors"] = json.dumps(snippet.authors)
        row["categories"] = json.dumps(snippet.categories)
        row["flags"] = json.dumps(snippet.flags)
        row["images"] = json.dumps(snippet.images)
        row["published_utc"] = to_utc(published)
        cols = cols or list(row)
        batch.append(row)
        if len(batch) == 5000 or n == count - 1:
            with store.db:
                store.db.executemany(f"INSERT INTO snippets ({', '.join(cols)}) VALUES "
                                     f"({', '.join(':' + c for c in cols)})", batch)
            batch.clear()
    with store.db:
        store.db.execute("INSERT OR REPLACE INTO latest SELECT canonical_url, id FROM snippets")
    store.db.execute("PRAGMA optimize")
    store.close()
    return time.perf_counter() - started


def time_queries(data: Path, store_location: str | None = None) -> list[tuple[str, float, float, int]]:
    store = SnippetStore(StoreLocation.resolve(data, store_location, {}), readonly=True)
    cases = [
        ("common word", Filters(query="wheat")),
        ("rarer word", Filters(query="irrigation")),
        ("phrase", Filters(query='"wheat cotton"')),  # adjacent by chance: a rare phrase of common words
        ("prefix", Filters(query="subsid*")),
        ("filtered", Filters(query="flood", site="rki.news", since="2024-01-01", until="2025-01-01", language="en",
                             category="Agriculture")),
        ("filters only", Filters(site="rki.news", language="ur", since="2025-06-01")),
    ]
    results = []
    for name, filters in cases:
        times = []
        for _ in range(40):
            started = time.perf_counter()
            hits = list(store.select(filters, limit=10))
            times.append((time.perf_counter() - started) * 1000)
        total = store.count_matching(filters)
        times.sort()
        results.append((name, statistics.median(times), times[int(len(times) * 0.95) - 1], total))
        assert hits or total == 0
    store.close()
    return results


def run_export(data: Path, fmt: str, out: Path, extra: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one export in a fresh process."""
    code = ("import resource, sys; from crawler.cli import main; rc = main(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code, "export", "--data", str(data), "--format", fmt, "-o",
                             str(out), *extra], capture_output=True, text=True, cwd=ROOT, check=True)
    seconds = time.perf_counter() - started
    return seconds, int(result.stderr.strip().splitlines()[-1]) / 1024


def bench_reextract(tmp: Path, rounds: int = 3, articles: int = 2000) -> list[tuple[str, int, float, float]]:
    """Crawl a replica of ``articles`` articles once, then reextract its records on one process and on every
    core, alternating, ``rounds`` times each: (label, records, median seconds of the run itself as its report
    gives them, median wall seconds with the interpreter's start)."""
    from replica import ReplicaServer

    data = tmp / "reextract"
    with ReplicaServer(article_count=articles) as server:
        subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "rki.news", "--base-url", server.base_url,
                        "--data", str(data), "-s", "WARC_FSYNC=False"], cwd=ROOT, check=True, capture_output=True)
    modes = (("in one process", "0"), (f"on {os.cpu_count()} worker processes", "-1"))
    timings: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in modes}
    records = 0
    for _ in range(rounds):
        for label, workers in modes:
            started = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "crawler.cli", "reextract", "--json", "--workers",
                                     workers, "--data", str(data)], cwd=ROOT, check=True, capture_output=True,
                                    text=True)
            report = json.loads(result.stdout)
            records = report["records"]
            timings[label].append((report["duration_s"], time.perf_counter() - started))
    return [(label, records, statistics.median(t[0] for t in runs), statistics.median(t[1] for t in runs))
            for label, runs in timings.items()]


def bench_dedupe(data: Path, pairs: int = 2000, seed: int = 11) -> None:
    """Fingerprint every snippet of the store (``Archive.dedupe(rebuild=True)``): time per version and the size
    the fingerprint tables add; then the MinHash estimate against exact shingle Jaccard over pairs of texts
    from the store, half of them near-copies made by cutting the last paragraph and changing words."""
    import sqlite3

    from archive.api import Archive
    from archive.store.fingerprints import estimated_jaccard, shingles, signature

    def size() -> int:
        with sqlite3.connect(data / "archive.sqlite") as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = db.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'fingerprint%'").fetchone()[0]
        return int(pages or 0)

    with Archive(data, readonly=False) as archive:
        started = time.perf_counter()
        done = archive.dedupe(rebuild=True)
        seconds = time.perf_counter() - started
        clusters, members = archive.store.copy_clusters()
        texts = [row[0] for row in archive.store.db.execute("SELECT text FROM snippets ORDER BY id LIMIT 400")]
    print(f"\ndedupe --rebuild: {done:,} versions in {seconds:.0f} s ({seconds / max(done, 1) * 1000:.2f} ms a "
          f"version, store writes included); fingerprint tables {size() / 2**20:,.0f} MiB; {clusters:,} "
          f"cluster(s) of copies ({members:,} versions)")
    rng = random.Random(seed)
    errors: list[tuple[float, float]] = []
    for n in range(pairs):
        a = rng.choice(texts)
        if n % 2:
            paragraphs = a.split("\n\n")
            words = " ".join(paragraphs[:-1] if len(paragraphs) > 2 else paragraphs).split()
            for _ in range(rng.randint(0, 20)):
                words[rng.randrange(len(words))] = "edited"
            b = " ".join(words)
        else:
            b = rng.choice(texts)
        sa, sb = shingles(a), shingles(b)
        exact = len(sa & sb) / len(sa | sb)
        errors.append((exact, abs(estimated_jaccard(signature(a), signature(b)) - exact)))
    near = [e for j, e in errors if j >= 0.3]
    print(f"MinHash estimate against exact shingle Jaccard over {pairs:,} pairs: mean error "
          f"{statistics.mean(e for _, e in errors):.3f}, 95th percentile "
          f"{sorted(e for _, e in errors)[int(pairs * 0.95)]:.3f}; over the {len(near):,} near-copies "
          f"(Jaccard >= 0.3) mean {statistics.mean(near) if near else 0:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snippets", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, help="build the store here and keep it (reused when it exists)")
    parser.add_argument("--reextract-articles", type=int, default=2000, help="size of the reextract bench's archive")
    parser.add_argument("--only-reextract", action="store_true", help="skip the search and export figures")
    parser.add_argument("--only-dedupe", action="store_true", help="only fingerprint the store and time it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsarchive-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if args.only_reextract:
            print_reextract(bench_reextract(tmp, articles=args.reextract_articles))
            return 0
        data = args.keep or tmp / "store"
        if not (data / "archive.sqlite").exists():
            seconds = build_store(data, args.snippets)
            print(f"built {args.snippets:,} snippets in {seconds:.0f} s "
                  f"({(data / 'archive.sqlite').stat().st_size / 2**20:,.0f} MiB store)")
        print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, SQLite "
              f"{__import__('sqlite3').sqlite_version}\n")
        if args.only_dedupe:
            bench_dedupe(data)
            return 0
        print(f"{'search (limit 10, newest first)':34} {'p50 ms':>8} {'p95 ms':>8} {'matches':>9}")
        for name, p50, p95, total in time_queries(data):
            print(f"  {name:32} {p50:8.1f} {p95:8.1f} {total:9,}")
        print(f"\n{'export':34} {'records/s':>10} {'peak RSS MiB':>13}")
        quarter_until = "2023-10-01"
        for fmt in ("jsonl", "parquet"):
            for label, extra in (("all", []), ("a quarter", ["--until", quarter_until])):
                out = tmp / f"export.{fmt}"
                seconds, rss = run_export(data, fmt, out, extra)
                count = SnippetStore(data, readonly=True).count_matching(
                    Filters(until=quarter_until) if extra else Filters())
                print(f"  {fmt} ({label}, {count:,})".ljust(36) + f"{count / seconds:10,.0f} {rss:13.0f}")
                out.unlink()
        bench_dedupe(data)
        print_reextract(bench_reextract(tmp, articles=args.reextract_articles))
    return 0


def print_reextract(runs: list[tuple[str, int, float, float]]) -> None:
    for label, records, seconds, wall in runs:
        print(f"\nreextract {label}: {records:,} archived records cleaned again in {seconds:.1f} s "
              f"({records / seconds:,.0f} records/s; {wall:.1f} s with the interpreter's start), "
              "median of 3 alternating runs", end="")
    one, every = runs
    print(f"\nspeed-up: {one[2] / every[2]:.2f}x (with the interpreter's start {one[3] / every[3]:.2f}x)")


if __name__ == "__main__":
    raise SystemExit(main())
