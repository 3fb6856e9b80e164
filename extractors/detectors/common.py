"""What every detector shares: candidate selection, related-work filtering, evidence."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from extractors.document import TextUnit
from extractors.findings import Evidence, Finding
from extractors.regexgate import TextIndex, gated_search, matches

MAX_EVIDENCE = 3
MAX_CHARS = 300

# Citations inside a sentence: "Smith et al. (2019)", "[12]", "[3, 4]", "(Smith, 2019)".
_CITATION = re.compile(
    r"^\(?(?:19|20)\d\d[a-z]?\)|\bet al\b|\[\d+(?:[,–-]\s*\d+)*\]|\([A-Z][A-Za-z-]+(?: and [A-Z]"
    r"[A-Za-z-]+)?,? (?:19|20)\d\d[a-z]?\)"
)
_OWN_WORK = re.compile(r"\b(?:we|our|ours|us|this (?:paper|work)|here)\b", re.IGNORECASE)
_citation_search = gated_search(_CITATION)
_own_work = matches(_OWN_WORK)
# A reference-list entry that escaped section detection: "In Proceedings of", "arXiv:".
_REFERENCE_ENTRY = re.compile(
    r"\bIn (?:Proceedings|Advances in|International Conference|"
    r"Conference)\b|\barXiv(?: preprint)?[: ]\s*(?:arXiv:)?\d{4}\.|"
    r"\bpp\. \d+|\bVol\. \d+|\bdoi:",
    re.IGNORECASE,
)


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


_NUMERIC_TOKEN = re.compile(r"^[(\[~<>±+-]?\$?\d[\d.,]*[%x×KMBkmb]?[)\]*†‡,;]*$")


def is_tabular(text: str) -> bool:
    """A table row or header run into one unit: many of its tokens are numbers."""
    tokens = text.split()
    if len(tokens) < 4:
        return False
    numeric = sum(1 for t in tokens if _NUMERIC_TOKEN.match(t) or t in ("-", "–", "—"))
    return numeric / len(tokens) >= 0.3


def is_related_work(text: str) -> bool:
    """Cites other work early on (as the sentence's subject) and does not speak of the
    paper's own experiments; a citation that only names a method at the end does not count."""
    # the citation first: most units cite nothing, and both searches are gated (the same
    # answers as the regexes, extractors.regexgate), so few units pay for either
    first = _citation_search(text)
    if not first or _own_work(text):
        return False
    return "et al" in first.group(0) or first.start() < 0.6 * len(text)


_LITERATURE_CUE = re.compile(
    r"\bin the literature\b|\b(?:reported|proposed|introduced|explored|"
    r"used) (?:by|in)\b|\bunlike\b|\bprior work|\bprevious(?:ly)? "
    r"(?:work|reported|published)|\bexisting (?:work|methods|models)|"
    r"\bstate-of-the-art (?:models|methods) such as",
    re.IGNORECASE,
)
_NEAR = 60


def cited_nearby(text: str, start: int, end: int) -> bool:
    """A quantity attributed to other work: a citation within a few words of it, in a
    sentence that talks about the literature ("Unlike X (Howard et al., 2017), which needs
    569M Mult-Adds, we ...", "the largest model in the literature ... 235M parameters [3]")."""
    window = text[max(0, start - _NEAR) : end + _NEAR]
    return bool(_CITATION.search(window)) and bool(_LITERATURE_CUE.search(text))


def candidates(
    units: Sequence[TextUnit], prefilter: re.Pattern, gate: Callable[[str], bool] | None = None
) -> Iterable[TextUnit]:
    """Units outside the references that pass the category's gate (a fast substring test
    that every match of the prefilter also passes) and match its prefilter."""
    for i in candidate_indices(units, prefilter, gate):
        yield units[i]


def candidate_indices(
    units: Sequence[TextUnit], prefilter: re.Pattern, gate: Callable[[str], bool] | None = None
) -> Iterable[int]:
    """The indices in `units` of the units `candidates` yields, in order."""
    index = unit_index(units)
    among: Iterable[int] = index.outside_references
    if isinstance(gate, KeywordGate):
        among = gate.select(index, among)
    elif gate is not None:
        among = [i for i in among if gate(index.texts[i])]
    for i in index.matching(matches(prefilter), among):
        if not is_reference_like(index.texts[i]):
            yield i


def candidates_after_joins(
    units: Sequence[TextUnit], joined: Sequence[TextUnit], prefilter: re.Pattern
) -> Iterable[TextUnit]:
    """`candidates(joined, prefilter)` for `joined` = `join_continuations(units)`: the units
    it left as they are answered from `units`' shared index, only the glued ones tested."""
    kept = set(candidate_indices(units, prefilter))
    match = matches(prefilter)
    for i, unit in enumerate(joined):
        if unit is units[i]:
            if i in kept:
                yield unit
        elif unit.section != "references" and match(unit.text) and not is_reference_like(unit.text):
            yield unit


_LAST_INDEX: list = [None, None]  # (units tuple, its TextIndex): the detectors share one


def unit_index(units: Sequence[TextUnit]) -> TextIndex:
    """The TextIndex of the units' texts; built once per document when `units` is a tuple
    (immutable: the detectors all run on the same `doc.units`)."""
    if _LAST_INDEX[0] is units:
        return _LAST_INDEX[1]
    refs = [i for i, u in enumerate(units) if u.section == "references"]
    index = TextIndex([u.text for u in units], skip=refs)
    index.outside_references = [i for i, u in enumerate(units) if u.section != "references"]
    if isinstance(units, tuple):
        _LAST_INDEX[:] = [units, index]
    return index


def clip(text: str, around: int = 0) -> str:
    """At most MAX_CHARS characters of `text`, a window around offset `around` if too long."""
    if len(text) <= MAX_CHARS:
        return text
    start = max(0, min(around - MAX_CHARS // 3, len(text) - MAX_CHARS))
    return text[start : start + MAX_CHARS].strip()


def evidence_from(
    unit: TextUnit, span_start: int = 0, value: float | None = None, unit_name: str | None = None
) -> Evidence:
    """Evidence for a unit: its (clipped) text and page, with a parsed value if any."""
    return Evidence(unit.page, clip(unit.text, span_start), value, unit_name)


def result(category: str, found: list[tuple[float, Evidence]], method: str) -> Finding:
    """The strongest (highest score first, then earliest) distinct evidence, at most three."""
    seen, best = set(), []
    for _, ev in sorted(found, key=lambda x: -x[0]):
        if ev.text in seen:
            continue
        seen.add(ev.text)
        best.append(ev)
        if len(best) == MAX_EVIDENCE:
            break
    return Finding(category, bool(best), tuple(best), method)


Scorer = Callable[[TextUnit], "tuple[float, Evidence] | None"]


def join_continuations(units: Sequence[TextUnit]) -> list[TextUnit]:
    """Units with a following fragment on the same page glued on: a sentence the layout cut
    at a line of numbers ("... learning rate" + "(among 5e-5, 4e-5) on the Dev set.")."""
    out = []
    for i, unit in enumerate(units):
        nxt = units[i + 1] if i + 1 < len(units) else None
        if (
            nxt is not None
            and nxt.page == unit.page
            and unit.kind == "sentence"
            and nxt.section == unit.section
            and not unit.text.endswith((".", "!", "?"))
            and re.match(r"[(a-z\d]", nxt.text)
        ):
            unit = TextUnit(unit.page, unit.section, unit.kind, f"{unit.text} {nxt.text}")
        out.append(unit)
    return out


class KeywordGate:
    """A cheap test: any keyword in the lower-cased text (or, optionally, a small regex)."""

    def __init__(self, keywords: Sequence[str], pattern: str | None = None) -> None:
        self.keywords = tuple(keywords)
        self.extra = re.compile(pattern) if pattern else None

    def __call__(self, text: str) -> bool:
        low = text.lower()
        return any(k in low for k in self.keywords) or bool(self.extra and self.extra.search(text))

    def select(self, index: TextIndex, among: Iterable[int]) -> list[int]:
        """Those of the indices `among` (in their order) whose text passes the gate."""
        held = index.holding(self.keywords)
        extra, texts = self.extra, index.texts
        if extra is None:
            return [i for i in among if i in held]
        return [i for i in among if i in held or extra.search(texts[i])]


def keyword_gate(keywords: Sequence[str], pattern: str | None = None) -> KeywordGate:
    """A cheap test: any keyword in the lower-cased text (or, optionally, a small regex)."""
    return KeywordGate(keywords, pattern)


def run(
    category: str,
    units: Sequence[TextUnit],
    prefilter: re.Pattern,
    score: Scorer,
    method: str,
    gate: Callable[[str], bool] | None = None,
) -> Finding:
    """Score every candidate unit and keep the best evidence."""
    found = []
    for unit in candidates(units, prefilter, gate):
        hit = score(unit)
        if hit is not None:
            found.append(hit)
    return result(category, found, method)
