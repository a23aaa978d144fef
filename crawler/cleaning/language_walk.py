"""py3langid's count of a text's byte n-grams, walked with NumPy over the whole text at once.

py3langid finds the n-grams of its model with an Aho-Corasick automaton, one byte at a time in a Python loop:
each step is a dependent chain of loads from a 39 MB table that the rest of a page's cleaning has pushed out of
the caches, about a tenth of the cleaner's time. The automaton's state after a byte is the longest n-gram prefix
that ends there, so it depends only on the last few bytes. Walking every position from the start state over a
window of k bytes therefore gives the true state wherever the prefix is shorter than k; one more byte of window
is one vectorised step (``state[i] = next[row[state[i - 1]] + byte[i]]``), and once a step changes no
position, no later one can: every state is then the true one. That takes as many steps as the longest n-gram
(six bytes in py3langid 0.4's model), each over all positions at once, and the table's loads no longer wait for
one another.

The scoring then widens the model's float16 rows through a lookup table instead of one value at a time. The
counts come out in the order py3langid's ``Counter`` gives them (first appearance) and widening is exact, so the
sums are py3langid's, number for number and in the same order: the probabilities are bit for bit the same.
Everything else (normalisation, labels) is py3langid's own code. ``vectorised`` wraps a loaded
identifier only where a set of probe texts, in several scripts and with bytes that are no UTF-8, reads exactly
as the identifier itself reads them; any other py3langid keeps its own loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from py3langid.langid import LanguageIdentifier

PROBES = (
    "The archive keeps every page as it came off the wire, and a text snippet of each article.",
    "Die Bundesregierung hat am Mittwoch neue Regeln für den Wohnungsbau beschlossen, teilte ein Sprecher mit.",
    "Кабинет министров утвердил новый бюджет на следующий год после долгих обсуждений в парламенте.",
    "政府は水曜日、新しい住宅政策を発表した。専門家は慎重な見方を示している。",
    "وزیر اعظم نے بدھ کے روز نئی پالیسی کا اعلان کیا جس پر ماہرین نے ملے جلے ردعمل کا اظہار کیا۔",
    "x",
)
RAW_PROBE = bytes(range(256)) * 3  # every byte value, most of it no UTF-8


class _Walk:
    """The automaton's tables as NumPy arrays (views of py3langid's own where their types allow)."""

    def __init__(self, identifier: Any) -> None:
        self.next = _as_array(identifier.tk_nextmove)  # kept in its own width: a copy in int64 would be 78 MB
        self.rowbase = np.asarray(identifier._rowbase, dtype=np.intp)
        self.output = np.asarray(identifier.tk_output, dtype=np.intp)
        self.start = int(self.rowbase[0])  # py3langid starts every text in state 0

    def features(self, data: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """The features found in ``data`` and their counts (float32), in order of first appearance, as
        py3langid's ``visit_counts`` gives them; None for none."""
        if not data:
            return None
        letters = np.frombuffer(data, dtype=np.uint8).astype(np.intp)
        states = self.next[self.start + letters]  # one byte of window: each position walked from the start
        before = np.zeros_like(letters)  # the state before each position; before the first, the start state
        for _ in range(len(letters)):
            before[1:] = states[:-1]
            wider = self.next[self.rowbase[before] + letters]
            if np.array_equal(wider, states):
                break
            states = wider
        found = self.output[states]
        found = found[found >= 0]
        if not found.size:
            return None
        features, first, counts = np.unique(found, return_index=True, return_counts=True)
        order = np.argsort(first, kind="stable")
        return features[order], counts[order].astype(np.float32)


class _Rows:
    """Rows of the model's per-feature table in float32. The table is float16, and NumPy widens float16 to
    float32 one value at a time, most of the scoring's cost; a lookup table of all 65,536 float16 values
    widens a row as one gather. Widening is exact, so the sums are the same."""

    def __init__(self, table: Any) -> None:
        self.table = np.asarray(table)
        self.bits = self.table.view(np.uint16) if self.table.dtype == np.float16 else None
        self.widened = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16).astype(np.float32)

    def __getitem__(self, features: np.ndarray) -> np.ndarray:
        if self.bits is None:
            return np.asarray(self.table[features])
        widened: np.ndarray = np.take(self.widened, self.bits[features])  # quicker than indexing
        return widened


def _as_array(values: Any) -> np.ndarray:
    itemsize = getattr(values, "itemsize", None)
    if itemsize in (2, 4, 8):  # a stdlib array: a view, no copy of the 39 MB table
        return np.frombuffer(values, dtype=f"u{itemsize}")
    return np.asarray(values)


class VectorisedIdentifier(LanguageIdentifier):  # type: ignore[misc]
    """py3langid's identifier with the walk and rows above; its normalisation and labels are py3langid's."""

    __slots__ = ("_rows", "_walk")

    def _raw_score(self, text: bytes) -> Any:
        found = self._walk.features(text)
        if found is None:
            return super()._raw_score(text)  # no features at all: py3langid's own answer for that
        features, counts = found
        return np.log1p(counts) @ self._rows[features] + self.nb_pc  # py3langid's _sparse_score

    def set_languages(self, langs: Any = None) -> None:
        super().set_languages(langs)
        self._rows = _Rows(self.nb_ptc)  # the table of the languages kept


def vectorised(identifier: Any) -> Any:
    """``identifier`` walking with NumPy, or ``identifier`` itself where the two do not read the probes alike
    (another py3langid, other tables)."""
    try:
        fast = VectorisedIdentifier.__new__(VectorisedIdentifier)
        for name in LanguageIdentifier.__slots__:
            setattr(fast, name, getattr(identifier, name))
        fast._walk = _Walk(identifier)
        fast._rows = _Rows(identifier.nb_ptc)
        texts: tuple[str | bytes, ...] = (*PROBES, RAW_PROBE)
        if all(_reading(fast, text) == _reading(identifier, text) for text in texts):
            return fast
    except Exception:  # tables of another shape or type: py3langid's loop, as before
        pass
    return identifier


def _reading(identifier: Any, text: str | bytes) -> tuple[str, float]:
    lang, probability = identifier.classify(text)
    return str(lang), float(probability)
