"""The vectorised walk of py3langid's automaton: the same counts as py3langid's own loop, in the same order, and
so the same probabilities to the last bit; py3langid's loop stays wherever the walk would read differently."""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np
import pytest
from py3langid.langid import LanguageIdentifier, visit_counts

from crawler.cleaning.language_model import load_identifier
from crawler.cleaning.language_walk import VectorisedIdentifier, vectorised
from devkit.extraction_score import DEV_SET


@pytest.fixture(scope="module")
def identifiers() -> tuple[Any, Any]:
    plain, _ = load_identifier()
    return plain, vectorised(plain)


def _counts(fast: VectorisedIdentifier, data: bytes) -> dict[int, int] | None:
    """The walk's features as py3langid's ``Counter`` holds them: {feature: count}, in order of first appearance."""
    found = fast._walk.features(data)
    return None if found is None else dict(zip(found[0].tolist(), found[1].astype(int).tolist(), strict=True))


def _texts() -> list[str | bytes]:
    texts: list[str | bytes] = ["", "a", "ab", "Tokyo 東京 Токио طوكيو", "x" * 2000]
    truth = json.loads((DEV_SET / "ground-truth.json").read_text())
    for page in truth.values():
        body = page.get("articleBody") or ""
        texts += [body[:600], body[600:2400]]
    rng = random.Random(11)  # bytes of every value, most of them no UTF-8: states the prose never reaches
    texts += [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 700))) for _ in range(150)]
    return texts


def test_counts_and_readings_are_py3langids_own(identifiers: tuple[Any, Any]) -> None:
    plain, fast = identifiers
    assert isinstance(fast, VectorisedIdentifier)
    for text in _texts():
        data = plain._encode(text)
        ours = _counts(fast, data)
        theirs = visit_counts(plain.tk_nextmove, plain._rowbase, plain.tk_output, data)
        assert (ours is None) == (theirs is None), text
        if ours is not None and theirs is not None:  # both or neither, as asserted above
            assert list(ours.items()) == list(theirs.items()), text  # the same order: the same float sums
        assert fast.classify(text) == plain.classify(text), text  # bit for bit


def test_rows_are_the_float16_table_widened_exactly(identifiers: tuple[Any, Any]) -> None:
    plain, fast = identifiers
    features = np.arange(0, plain.nb_ptc.shape[0], 97)
    assert np.array_equal(fast._rows[features], np.asarray(plain.nb_ptc[features], dtype=np.float32))


class _LaterRelease(LanguageIdentifier):  # type: ignore[misc]
    """A py3langid whose scoring has changed (counts no longer damped by log1p)."""

    __slots__ = ()

    def _sparse_score(self, visits: Any, table: Any) -> Any:
        idx = np.fromiter(visits.keys(), dtype=np.intp, count=len(visits))
        counts = np.fromiter(visits.values(), dtype=np.float32, count=len(visits))
        return counts @ table[idx] + self.nb_pc


def test_an_identifier_the_walk_does_not_read_alike_keeps_its_own_loop(identifiers: tuple[Any, Any]) -> None:
    plain, _ = identifiers
    later = _LaterRelease.__new__(_LaterRelease)
    for name in LanguageIdentifier.__slots__:
        setattr(later, name, getattr(plain, name))
    assert vectorised(later) is later
    broken = _LaterRelease.__new__(_LaterRelease)
    for name in LanguageIdentifier.__slots__:
        setattr(broken, name, getattr(plain, name))
    broken.tk_nextmove = None  # tables of a shape the walk cannot read
    assert vectorised(broken) is broken


def test_a_restriction_to_some_languages_reads_as_py3langid_does(identifiers: tuple[Any, Any]) -> None:
    plain, _ = identifiers
    fresh, _ = load_identifier()  # its own copy: the module's fixture stays unrestricted
    fast = vectorised(fresh)
    fast.set_languages(["de", "nl"])
    fresh.set_languages(["de", "nl"])
    for text in ("Der Rat hat am Dienstag beschlossen, die Bibliothek zu schließen.", "The council voted."):
        assert fast.classify(text) == fresh.classify(text)
        assert fast.classify(text)[0] in ("de", "nl")
    assert plain.classify("The council voted on Tuesday to close the library.")[0] == "en"
