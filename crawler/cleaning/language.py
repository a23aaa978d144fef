"""The language of an article: what the page declares, checked against what its text is written in.

``<html lang>`` is often missing, or left at the theme's default ("en-US" on a German site). py3langid
(a maintained fork of langid.py: 97 languages, a few milliseconds a page, no model download) reads the
body; its answer wins when the page declares nothing, or declares another language and the text is long
enough for a confident reading. Both values are kept on the article.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

MIN_CHARS = 200  # below this a text is too short to overrule what the page declares
MIN_CONFIDENCE = 0.9  # normalised probability of the detected language
SAMPLE_CHARS = 600  # the opening of a long text is enough: all 130 metadata-dev bodies are read right from it
SAME_LANGUAGE = {"nb": "no", "nn": "no", "iw": "he", "in": "id", "zh-cn": "zh", "zh-tw": "zh"}


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from crawler.cleaning.language_model import load_identifier  # numpy and the model load on first use
    from crawler.cleaning.language_walk import vectorised

    identifier, _ = load_identifier()
    return vectorised(identifier)


def detect(text: str) -> tuple[str | None, float]:
    """The language code py3langid reads in ``text`` and its probability; (None, 0) for too little text."""
    sample = text[:SAMPLE_CHARS]
    if len(sample.strip()) < MIN_CHARS // 4:
        return None, 0.0
    lang, probability = _identifier().classify(sample)
    return str(lang), float(probability)


def article_language(declared: str | None, text: str) -> str | None:
    """The declared language, unless the text is clearly in another one (or nothing is declared)."""
    declared = SAME_LANGUAGE.get(declared or "", declared) if declared else None
    detected, probability = detect(text)
    if detected is None:
        return declared
    if declared is None:
        return detected if probability >= MIN_CONFIDENCE / 2 else None
    if detected != declared and len(text) >= MIN_CHARS and probability >= MIN_CONFIDENCE:
        return detected
    return declared
