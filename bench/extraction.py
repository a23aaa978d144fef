"""Benchmark: the generic cleaner on the extraction development set (91 real pages with human bodies).

    ./run bench extraction

Prints precision, recall and F1 as the Article Extraction Benchmark computes them, the pages rejected as
not articles, and pages/s. tests/test_extraction_quality.py pins floors under these figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.extraction_score import score  # noqa: E402 - after the path set-up above


def main() -> int:
    result = score()
    print(f"generic cleaner on {result.pages} pages: precision {result.precision:.3f}, recall {result.recall:.3f}, "
          f"F1 {result.f1:.4f}; {result.pages_per_second:.1f} pages/s")
    for url in result.rejected:
        print(f"  not recognised as an article: {url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
