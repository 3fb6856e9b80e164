"""search_budget: how much hyperparameter search was done (count, grid, tuning compute)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.detectors import common
from extractors.document import TextUnit
from extractors.findings import Finding
from extractors.quantities import parse_trials

METHOD = "rules:search_budget/v1"
PREFILTER = re.compile(
    r"grid|search|sweep|tun|trials|configurations|hyper-?param|"
    r"expected validation|selected from|chosen from|architectures|"
    r"we (?:also )?(?:tried|tested|explored|experimented|swept|varied)",
    re.IGNORECASE,
)
_SEARCH_CONTEXT = re.compile(
    r"hyper-?param|learning rate|\blr\b|batch size|dropout|weight "
    r"decay|regulari[sz]ation|momentum|search|sweep|tun(?:e|ed|ing)|"
    r"grid",
    re.IGNORECASE,
)
_METHOD_WORD = re.compile(
    r"grid[- ]search|random(?:ly)? search|random(?:ly)? (?:sampled|"
    r"chose|select)|bayesian optimi[sz]ation|hyperband|\bTPE\b|"
    r"(?:search|hyper-?parameter|parameter) grid|grid (?:of|over)|sweep|search(?:ed)? over|(?:selected|chosen|picked|tuned)"
    r" (?:from|over|among|in)|\bamong\b|search space|iterated over|we (?:tried|tested|"
    r"explored|considered|swept|varied)|values? (?:explored|tried|tested)|"
    r"range of (?:hyper-?parameter|values)|"
    r"tuned (?:the )?[a-z ]{0,40}(?:over|in|from|among)",
    re.IGNORECASE,
)
_SET_OR_RANGE = re.compile(
    r"\{[^{}]{1,120},[^{}]{1,120}\}|\[[\d.e\-−]+\s*,\s*[\d.e\-−]+\]|"
    r"\bbetween\s+[\d.e\-−]+\s+and\s+[\d.e\-−]+|\bfrom\s+[\d.e\-−]+\s+to\s+"
    r"[\d.e\-−]+|(?:\d[\d.e\-−]*\s*,\s*){2,}(?:and|or)?\s*\d",
    re.IGNORECASE,
)
_ARCH_SEARCH = re.compile(r"search|controller|sampled|explored|evaluated", re.IGNORECASE)
_WE_TRIED = re.compile(
    r"\bwe (?:also )?(?:tried|tested|explored|experimented with|swept|"
    r"varied)\b",
    re.IGNORECASE,
)
_VALUE_LIST = re.compile(
    r"(?:[-−]?\d[\d.e\-−]*\s*,\s*){2,}(?:and\s+|or\s+)?[-−]?\d|"
    r"(?:[-−]?\d[\d.e\-−]*\s*,\s*)+[-−]?\d[\d.e\-−]*\s*,?\s*(?:and|or)\s+"
    r"[-−]?\d"
)
_EVP = re.compile(r"expected (?:max(?:imum)? )?validation performance", re.IGNORECASE)
_BUDGET = re.compile(
    r"(?:GPU|TPU)[- ]hours?[^.]{0,40}(?:tun|search)|(?:tun|search)[^.]{0,60}"
    r"(?:GPU|TPU)[- ]hours?",
    re.IGNORECASE,
)


def _score(unit: TextUnit):
    text = unit.text
    if common.is_related_work(text):
        return None
    if evp := _EVP.search(text):
        return 2.5, common.evidence_from(unit, evp.start())
    tried = _WE_TRIED.search(text)
    if tried and _VALUE_LIST.search(text):
        return 1.2, common.evidence_from(unit, tried.start())
    searching = bool(_SEARCH_CONTEXT.search(text))
    if not searching and not _ARCH_SEARCH.search(text):
        return None
    for q in parse_trials(text):
        if q.text.endswith("architectures") and (q.value < 10 or not _ARCH_SEARCH.search(text)):
            continue
        if q.unit == "trials" and q.text.startswith("grid of"):
            if _METHOD_WORD.search(text):
                return 2.0, common.evidence_from(unit, 0, q.value, q.unit)
            continue
        if re.search(r"runs|evaluations|settings", q.text, re.IGNORECASE) and not re.search(
            r"hyper-?param|search|tun|configur|sweep", text, re.IGNORECASE
        ):
            continue
        if re.search(r"seeds?\b", text, re.IGNORECASE) and not re.search(
            r"search|tun|configur", text, re.IGNORECASE
        ):
            continue
        return 2.0, common.evidence_from(unit, text.find(q.text), q.value, q.unit)
    if not searching:
        return None
    if budget := _BUDGET.search(text):
        return 2.0, common.evidence_from(unit, budget.start())
    method = _METHOD_WORD.search(text)
    if method and _SET_OR_RANGE.search(text):
        return 1.5, common.evidence_from(unit, method.start())
    if unit.kind == "caption" and re.search(
        r"hyper-?param[a-z]*\s+(?:search|values|ranges?|"
        r"grid|space)",
        text,
        re.IGNORECASE,
    ):
        return 1.2, common.evidence_from(unit)
    return None


def detect(units: Sequence[TextUnit]) -> Finding:
    """Whether the paper says how many configurations were tried, or the searched grid."""
    return common.run("search_budget", common.join_continuations(units), PREFILTER, _score, METHOD)
