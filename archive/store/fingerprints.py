"""Syndicated copies and near-duplicates: a MinHash fingerprint of every stored version, and clusters of versions
whose texts are near-identical across different articles.

The same agency story runs on many sites with their own chrome, a site suffix in the title and small edits; the
same article can sit under two URLs of one site. Their cleaned texts share most of their three-word shingles,
and two different stories on one topic share few. Each version gets a MinHash of its shingles (128 permutations
with a fixed seed, ``signature``) and 16 LSH band keys of 8 rows, stored in ``fingerprint_bands`` with
an index; a new version looks up the versions sharing a band key (a candidate at Jaccard 0.8 is found with
probability 0.95) and joins the cluster of the most similar one whose estimated Jaccard is ``SAME_STORY`` or
more (an earlier version of the same article included: an edit stays in its cluster, and ``copies`` lists other
articles only, so the edit is version history, not a copy). Otherwise it starts a cluster of its own, named by
its snippet id.

A cluster's first is its earliest publication (then capture); ``duplicate_of`` names it for the others. Clusters
are kept as snippets arrive (``SnippetStore.add``) and rebuilt in publication order by ``newsarchive dedupe
--rebuild``.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from archive.store.database import Database, in_batches

PERMUTATIONS = 128
SEED = 1  # fixed: a fingerprint written by one process is compared with those of others
BANDS, ROWS = 16, 8  # LSH: PERMUTATIONS = BANDS * ROWS
SHINGLE_WORDS = 3
EMPTY = np.uint32(0xFFFFFFFF)  # the signature of a text without words
SAME_STORY = 0.6  # estimated Jaccard of shingles from which two versions are one story
TOKEN_RE = re.compile(r"\w+")
FIRST_ORDER = "COALESCE(s.published_utc, s.fetched_at), s.fetched_at, s.id"  # a cluster's first comes first


def shingles(text: str) -> set[bytes]:
    """The text's three-word shingles over lower-cased word tokens (a text under three words: its words)."""
    tokens = TOKEN_RE.findall(text.lower())
    if len(tokens) < SHINGLE_WORDS:
        return {" ".join(tokens).encode()} if tokens else set()
    # zip and map instead of slicing in a comprehension: the same set, in half the time on a long article (the
    # shorter tails end the zip: strict=False)
    return set(map(str.encode, map(" ".join, zip(*(tokens[i:] for i in range(SHINGLE_WORDS)), strict=False))))


def signature(text: str) -> np.ndarray:
    """The MinHash signature of a text: ``PERMUTATIONS`` unsigned 32-bit minima, one per permutation of the
    shingles' hashes (an empty text: all 2^32 - 1).

    The scheme is datasketch 2's default ("affine32"), written out here so that it is ours to keep: a shingle's
    CRC-32 (stable across processes, and quicker than SHA-1), mixed by MurmurHash3's 32-bit finalizer, then
    ``a * h + b`` modulo 2^32 for each permutation's odd ``a`` and its ``b``, drawn from NumPy's legacy
    ``RandomState(SEED)``, whose stream NumPy keeps fixed. Stored signatures are compared with new ones for as
    long as an archive lives; with the library, an upgrade could change them silently (datasketch 2.0 changed
    its default scheme, and this project allowed 1.6 to 2.x), and importing it loaded SciPy, half a second of
    every process that stores a version. tests/archive/test_syndication.py checks the values against
    datasketch's where it is installed, and against values it computed."""
    a, b = _permutations()
    found = shingles(text)
    hashes = np.fromiter(map(zlib.crc32, found), dtype=np.uint32, count=len(found))
    if not hashes.size:
        return np.full(PERMUTATIONS, EMPTY, dtype=np.uint32)
    hashes ^= hashes >> np.uint32(16)
    hashes *= np.uint32(0x85EBCA6B)
    hashes ^= hashes >> np.uint32(13)
    hashes *= np.uint32(0xC2B2AE35)
    hashes ^= hashes >> np.uint32(16)
    values: np.ndarray = (hashes[:, np.newaxis] * a + b).min(axis=0)
    return values


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The permutations' multipliers (odd) and offsets, drawn once per process from the fixed seed."""
    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 31, PERMUTATIONS, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, PERMUTATIONS, dtype=np.uint32)
    return a, b


def band_keys(sig: np.ndarray) -> list[int]:
    """One key per LSH band: the band's number in the high bits, a CRC-32 of its rows in the low 32."""
    rows = memoryview(sig.tobytes())  # one copy, sliced without copying
    width = ROWS * sig.itemsize
    return [(band << 32) | zlib.crc32(rows[band * width : (band + 1) * width]) for band in range(BANDS)]


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))


@dataclass(frozen=True)
class Copy:
    """An article's latest version in a cluster: its snippet id, URL, site, publication and capture time."""

    snippet_id: int
    canonical_url: str
    site: str
    published: str | None
    fetched_at: str


class Fingerprints(Database):
    """The ``fingerprints`` and ``fingerprint_bands`` tables (mixed into SnippetStore)."""

    def add_fingerprint(self, snippet_id: int, canonical_url: str, text: str) -> int:
        """Fingerprint a stored version and put it in its cluster; returns the cluster id. Inside the caller's
        write (``SnippetStore.add``)."""
        sig = signature(text)
        keys = band_keys(sig)
        cluster = snippet_id
        best = SAME_STORY
        marks = ", ".join("?" * len(keys))
        rows = self.db.execute(
            f"SELECT f.snippet_id, f.canonical_url, f.cluster_id, f.signature FROM fingerprints f WHERE "
            f"f.snippet_id IN (SELECT DISTINCT snippet_id FROM fingerprint_bands WHERE band_key IN ({marks}))",
            keys).fetchall()
        for other_id, _, other_cluster, other_sig in rows:
            if other_id == snippet_id:
                continue
            # an earlier version of the same article counts too: its edit stays in its cluster (copies() lists
            # other articles only, so the edit is history, not a copy)
            similarity = estimated_jaccard(sig, np.frombuffer(bytes(other_sig), dtype=np.uint32))
            if similarity >= best:
                best, cluster = similarity, other_cluster
        self.db.execute("INSERT INTO fingerprints (snippet_id, canonical_url, cluster_id, signature) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT (snippet_id) DO NOTHING",
                        (snippet_id, canonical_url, cluster, sig.tobytes()))
        # one statement for the bands: on PostgreSQL each statement is a round trip
        self.db.execute(f"INSERT INTO fingerprint_bands (band_key, snippet_id) VALUES {', '.join(['(?, ?)'] * BANDS)}",
                        [value for key in keys for value in (key, snippet_id)])
        return cluster

    def cluster_of(self, snippet_id: int) -> int | None:
        row = self.db.execute("SELECT cluster_id FROM fingerprints WHERE snippet_id = ?", (snippet_id,)).fetchone()
        return int(row[0]) if row else None

    def clusters_of(self, snippet_ids: list[int]) -> dict[int, int]:
        """Snippet id -> cluster id, for those fingerprinted."""
        found: dict[int, int] = {}
        for part in in_batches(snippet_ids):
            rows = self.db.execute(f"SELECT snippet_id, cluster_id FROM fingerprints WHERE snippet_id IN "
                                   f"({', '.join('?' * len(part))})", part)
            found.update({int(a): int(b) for a, b in rows})
        return found

    def cluster_members(self, cluster_id: int) -> list[Copy]:
        """A cluster's latest versions, its first (earliest publication, then capture) first."""
        rows = self.db.execute(
            "SELECT s.id, s.canonical_url, s.site, s.published, s.fetched_at FROM fingerprints f "
            "JOIN snippets s ON s.id = f.snippet_id JOIN latest l ON l.snippet_id = s.id "
            f"WHERE f.cluster_id = ? ORDER BY {FIRST_ORDER}", (cluster_id,)).fetchall()
        return [Copy(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows]

    def cluster_fields(self, snippets: list[tuple[int, str]]) -> dict[int, tuple[int | None, int | None]]:
        """For (id, canonical URL) pairs: id -> (cluster id, the cluster's first when that is another article,
        else None), as exports carry them."""
        clusters = self.clusters_of([snippet_id for snippet_id, _ in snippets])
        firsts: dict[int, tuple[int, str]] = {}
        for part in in_batches(sorted(set(clusters.values()))):
            rows = self.db.execute(
                "SELECT f.cluster_id, s.id, s.canonical_url FROM fingerprints f JOIN snippets s ON s.id = f.snippet_id "
                f"JOIN latest l ON l.snippet_id = s.id WHERE f.cluster_id IN ({', '.join('?' * len(part))}) "
                f"ORDER BY f.cluster_id, {FIRST_ORDER}", part)
            for cluster, first_id, first_url in rows:
                firsts.setdefault(int(cluster), (int(first_id), first_url))
        out: dict[int, tuple[int | None, int | None]] = {}
        for snippet_id, url in snippets:
            cluster = clusters.get(snippet_id)
            first = firsts.get(cluster) if cluster is not None else None
            out[snippet_id] = (cluster, first[0] if first is not None and first[1] != url else None)
        return out

    def copy_clusters(self) -> tuple[int, int]:
        """How many clusters hold more than one article, and how many latest versions are in them."""
        row = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(n), 0) FROM (SELECT f.cluster_id, COUNT(*) AS n FROM fingerprints f "
            "JOIN latest l ON l.snippet_id = f.snippet_id GROUP BY f.cluster_id HAVING COUNT(*) > 1) c").fetchone()
        return int(row[0]), int(row[1])

    def unfingerprinted(self) -> Iterator[tuple[int, str, str]]:
        """(id, canonical URL, text) of versions without a fingerprint, in publication order; the ids are read
        first and the texts a batch at a time, so a large archive's texts are never all in memory."""
        ids = [int(r[0]) for r in self.db.execute(
            "SELECT s.id FROM snippets s LEFT JOIN fingerprints f ON f.snippet_id = s.id "
            f"WHERE f.snippet_id IS NULL ORDER BY {FIRST_ORDER}").fetchall()]
        for part in in_batches(ids):
            rows = {int(r[0]): (r[1], r[2]) for r in self.db.execute(
                f"SELECT id, canonical_url, text FROM snippets WHERE id IN ({', '.join('?' * len(part))})", part)}
            for snippet_id in part:
                yield snippet_id, *rows[snippet_id]

    def drop_fingerprints(self) -> None:
        with self._writing():
            self.db.execute("DELETE FROM fingerprint_bands")
            self.db.execute("DELETE FROM fingerprints")
