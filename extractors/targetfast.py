"""The target classifier's prediction without scikit-learn or SciPy (same numbers).

extractors.target predicts with scikit-learn's TfidfVectorizer and SciPy sparse algebra,
which take seconds to import: most of a cold `greenlens check`. This module computes
the same thing from the same model file with the standard library, step by step as
scikit-learn 1.x does it (lower-case, accents stripped, `(?u)\\b\\w\\w+\\b` tokens, uni-
and bigrams, counts, log(tf) + 1 as NumPy computes it (`_log`), times idf, l2 norm summed
in column order, then the sparse dot product in column order), so the label scores are
the same floats; tests/test_targetfast.py compares them bit for bit with extractors.target
on thousands of texts. It only answers for the model format it knows (`SUPPORTED_METHOD`
and the vectorizer settings); for anything else `predict_fast` returns None and the
caller uses extractors.target.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from extractors import warmcache

SUPPORTED_METHOD = "tfidf+lexicon-mlogreg:target/v5"  # one 4-way head, per-label biases
_WORDS_ARGS = {
    "ngram_range": (1, 2),
    "min_df": 2,
    "sublinear_tf": True,
    "lowercase": True,
    "strip_accents": "unicode",
    "max_features": 30000,
}
_TITLE_ARGS = {"ngram_range": (1, 1), "min_df": 2, "sublinear_tf": True, "lowercase": True}
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def _strip_accents(s: str) -> str:
    try:
        s.encode("ASCII", errors="strict")
        return s
    except UnicodeEncodeError:
        normalized = unicodedata.normalize("NFKD", s)
        return "".join([c for c in normalized if not unicodedata.combining(c)])


# NumPy's log (scikit-learn's sublinear tf) and math.log agree bit for bit on every count
# below this one (checked on 1..200,000 with NumPy's AVX-512 loops: the first difference
# is at 9,170); a larger count, never seen in an abstract, is computed by NumPy.
_MATH_LOG_BELOW = 9170


def _log(count: int) -> float:
    if count < _MATH_LOG_BELOW:
        return math.log(count)
    import numpy as np

    return float(np.log(np.asarray([count], dtype=np.float64))[0])


class _Tfidf:
    """One fitted TfidfVectorizer's transform of one text, as (column, value) pairs."""

    def __init__(self, state: dict, *, bigrams: bool, accents: bool) -> None:
        self.vocabulary = {term: i for i, term in enumerate(state["vocabulary"])}
        self.idf = state["idf"]
        self.bigrams, self.accents = bigrams, accents

    def transform(self, text: str) -> list[tuple[int, float]]:
        doc = text.lower()
        if self.accents:
            doc = _strip_accents(doc)
        tokens = _TOKEN.findall(doc)
        if self.bigrams:
            tokens = tokens + [" ".join(tokens[i : i + 2]) for i in range(len(tokens) - 1)]
        counts: dict[int, int] = {}
        for term in tokens:
            j = self.vocabulary.get(term)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return []
        cols = sorted(counts)
        values = [(_log(counts[j]) + 1.0) * self.idf[j] for j in cols]
        total = 0.0
        for v in values:
            total += v * v
        if total != 0.0:
            total = math.sqrt(total)
            values = [v / total for v in values]
        return list(zip(cols, values, strict=True))


@lru_cache(maxsize=2)
def _load(path: Path):
    from extractors import target

    data = warmcache.json_file("target", Path(path))
    if (
        data.get("method") != SUPPORTED_METHOD
        or target.METHOD != SUPPORTED_METHOD
        or target._VECTORIZER_ARGS != _WORDS_ARGS
        or target._TITLE_VECTORIZER_ARGS != _TITLE_ARGS
    ):
        return None
    words = _Tfidf(data["words"], bigrams=True, accents=True)
    titles = _Tfidf(data["titles"], bigrams=False, accents=False)
    return words, titles, data["coef"], data["intercept"], tuple(data["bias"])


def scores(text: str, model_path: Path | None = None) -> tuple[float, ...] | None:
    """Each label's score (TARGETS order) for one text, or None if the model is not a known
    one."""
    from extractors import target

    model = _load(Path(model_path or target.MODEL_PATH))
    if model is None:
        return None
    words, titles, coef, intercept, _ = model
    n_words, n_titles = len(words.idf), len(titles.idf)
    row = words.transform(text)
    row += [
        (n_words + j, v * target._TITLE_WEIGHT) for j, v in titles.transform(target._title(text))
    ]
    features = target.lexicon_features(text)
    row += [
        (n_words + n_titles + j, v * target._LEXICON_WEIGHT)
        for j, v in enumerate(features)
        if v != 0.0
    ]
    z = []
    for k in range(len(coef)):
        acc, weights = 0.0, coef[k]
        for j, v in row:
            acc += v * weights[j]
        z.append(acc + intercept[k])
    return tuple(z)


def predict_fast(
    title: str | None,
    abstract: str | None,
    introduction: str | None = None,
    model_path: Path | None = None,
) -> tuple[str, str] | None:
    """extractors.target.predict_target's answer, or None where this module cannot give it."""
    from extractors import target

    text = target.target_text(title, abstract, introduction)
    if not text.strip():
        return "other", "no-text"
    z = scores(text, model_path)
    if z is None:
        return None
    model = _load(Path(model_path or target.MODEL_PATH))
    return target.decide(z, model[4]), target.METHOD
