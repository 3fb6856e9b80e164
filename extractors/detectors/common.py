"""What every detector shares: candidate selection, related-work filtering, evidence."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from corpus.records import Evidence
from extractors.document import CategoryResult, TextUnit

MAX_EVIDENCE = 3
MAX_CHARS = 300

# Citations inside a sentence: "Smith et al. (2019)", "[12]", "[3, 4]", "(Smith, 2019)".
_CITATION = re.compile(r"^\(?(?:19|20)\d\d[a-z]?\)|\bet al\b|\[\d+(?:[,–-]\s*\d+)*\]|\([A-Z][A-Za-z-]+(?: and [A-Z]"
                       r"[A-Za-z-]+)?,? (?:19|20)\d\d[a-z]?\)")
_OWN_WORK = re.compile(r"\b(?:we|our|ours|us|this (?:paper|work)|here)\b", re.I)
# A reference-list entry that escaped section detection: "In Proceedings of", "arXiv:".
_REFERENCE_ENTRY = re.compile(r"\bIn (?:Proceedings|Advances in|International Conference|"
                              r"Conference)\b|\barXiv(?: preprint)?[: ]\s*(?:arXiv:)?\d{4}\.|"
                              r"\bpp\. \d+|\bVol\. \d+|\bdoi:", re.I)


@lru_cache(maxsize=1)
def nlp():
    """A blank English spaCy pipeline (tokenizer + sentencizer), loaded once per process."""
    import spacy

    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    return pipeline


def is_reference_like(text: str) -> bool:
    """Looks like a bibliography entry (never evidence)."""
    return bool(_REFERENCE_ENTRY.search(text))


def is_related_work(text: str) -> bool:
    """Cites other work and does not speak of the paper's own experiments."""
    return bool(_CITATION.search(text)) and not _OWN_WORK.search(text)


def candidates(units: Sequence[TextUnit], prefilter: re.Pattern) -> Iterable[TextUnit]:
    """Units outside the references that match the category's cheap prefilter."""
    for unit in units:
        if unit.section == "references" or not prefilter.search(unit.text):
            continue
        if is_reference_like(unit.text):
            continue
        yield unit


def clip(text: str, around: int = 0) -> str:
    """At most MAX_CHARS characters of `text`, a window around offset `around` if too long."""
    if len(text) <= MAX_CHARS:
        return text
    start = max(0, min(around - MAX_CHARS // 3, len(text) - MAX_CHARS))
    return text[start:start + MAX_CHARS].strip()


def evidence_from(unit: TextUnit, span_start: int = 0, value: float | None = None,
                  unit_name: str | None = None) -> Evidence:
    """Evidence for a unit: its (clipped) text and page, with a parsed value if any."""
    return Evidence(unit.page, clip(unit.text, span_start), value, unit_name)


def result(category: str, found: list[tuple[float, Evidence]], method: str) -> CategoryResult:
    """The strongest (highest score first, then earliest) distinct evidence, at most three."""
    seen, best = set(), []
    for _, ev in sorted(found, key=lambda x: -x[0]):
        if ev.text in seen:
            continue
        seen.add(ev.text)
        best.append(ev)
        if len(best) == MAX_EVIDENCE:
            break
    return CategoryResult(category, bool(best), tuple(best), method)


Scorer = Callable[[TextUnit], "tuple[float, Evidence] | None"]


def run(category: str, units: Sequence[TextUnit], prefilter: re.Pattern, score: Scorer,
        method: str) -> CategoryResult:
    """Score every candidate unit and keep the best evidence."""
    found = []
    for unit in candidates(units, prefilter):
        hit = score(unit)
        if hit is not None:
            found.append(hit)
    return result(category, found, method)
