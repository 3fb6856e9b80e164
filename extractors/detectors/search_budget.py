"""search_budget: how much hyperparameter search was done (count, grid, tuning compute)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.detectors import common
from extractors.document import TextUnit
from extractors.findings import Evidence, Finding
from extractors.quantities import parse_trials
from extractors.regexgate import matches

METHOD = "rules:search_budget/v1"
PREFILTER = re.compile(
    r"grid|search|sweep|tun|trials|configurations|hyper-?param|"
    r"expected validation|selected from|chosen from|architectures|"
    r"we (?:also )?(?:tried|tested|explored|experimented|swept|varied)|"
    r"optimi[sz]ed over|(?:selected|chose|tried|tested|evaluated|considered|explored) "
    r"(?:\w+ ){0,2}values|\d sets of|combinations of",
    re.IGNORECASE,
)
_SEARCH_CONTEXT = re.compile(
    r"hyper-?param|learning rate|\blr\b|batch size|dropout|weight "
    r"decay|regulari[sz]ation|momentum|search|sweep|tun(?:e|ed|ing)|"
    r"grid|\bthe best (?:result|setting|configuration)",
    re.IGNORECASE,
)
_METHOD_WORD = re.compile(
    r"grid[- ]search|random(?:ly)? search|random(?:ly)? (?:sampled|"
    r"chose|select)|bayesian optimi[sz]ation|hyperband|\bTPE\b|"
    r"(?:search|hyper-?parameter|parameter) grid|grid (?:of|over)|sweep|search(?:ed)? over|(?:selected|chosen|picked|tuned)"
    r" (?:from|over|among|in)|\bamong\b|search space|iterated over|we (?:tried|tested|"
    r"explored|considered|swept|varied)|values? (?:explored|tried|tested)|"
    r"range of (?:hyper-?parameter|values)|"
    r"tuned (?:the )?[a-z ]{0,40}(?:over|in|from|among)|optimi[sz]ed over|"
    r"search (?:area|range)s?|(?:multiple |different |all )?combinations of|"
    r"(?:selected|chose|tried|tested|evaluated|considered|explored) (?:\w+ ){0,2}values (?:of|for)|"
    r"(?:select|choos|tun)(?:e|ed|ing) (?:the |our )?hyper-?parameters?",
    re.IGNORECASE,
)
_HAS_METHOD = matches(_METHOD_WORD)  # bool(_METHOD_WORD.search(text)), cheaper
_SET_OR_RANGE = re.compile(
    r"\{[^{}]{1,120},[^{}]{1,120}\}|\[[\d.e\-−]+\s*,\s*[\d.e\-−]+\]|"
    r"\bbetween\s+[\d.e\-−]+\s+and\s+[\d.e\-−]+|\bfrom\s+[\d.e\-−]+\s+to\s+"
    r"[\d.e\-−]+|(?:\d[\d.e\-−]*\s*,\s*){2,}(?:and|or)?\s*\d|"
    r"\brange (?:of )?\[?[\d.e\-−]+\s*(?:,|to|-|–)\s*[\d.e\-−]+|"
    r"∈\s*[\d.e\-−]+\s*,\s*(?:\.\s*){2,3},\s*[\d.e\-−]+",
    re.IGNORECASE,
)
# a hyperparameter being chosen, as opposed to a search inside a method or a proof
_HP_CONTEXT = re.compile(
    r"hyper-?param|learning rates?|\blr\b|batch sizes?|dropout|weight decay|"
    r"regulari[sz]|momentum|tun(?:e|ed|ing)\b|grid[- ]search|random search|sweep|"
    r"validat|search (?:area|space|range)|"
    r"\bwe (?:also )?(?:optimi[sz]ed|selected|chose|picked) (?:\w+ ){0,4}(?:over|from|among|in)\b|"
    # an own search over values: "we searched over k in [1, 100]", not "we search over
    # the space of hypothesis G" (the method's own search)
    r"\bwe (?:also )?search(?:ed)? (?:over|in|among)\b[^.]{0,60}?(?:[\[{]\s*[-−]?\d|\d\s*(?:,|to)\s*\d)",
    re.IGNORECASE,
)
# a set whose members are symbols, iterates or functions ("{x0, ..., xT}", "{0, 1}",
# "{k(·,·)}"), not values tried for a hyperparameter
_SET = re.compile(r"\{([^{}]{1,120},[^{}]{1,120})\}")
_SYMBOL = re.compile(r"^[A-Za-zα-ωΑ-Ω](?:[\d_ijtkn′'̃^*]|\(.*\))*$|[(·]")
# a range that is a draw, a tolerance or an analysis, not a search
_NOT_SEARCH_RANGE = re.compile(
    r"toleran|stopping (?:criterion|threshold)|precision of|accuracy of \d", re.IGNORECASE
)
_RANDOM_DRAW = re.compile(r"distribution|at random|randomly|uniformly", re.IGNORECASE)
_HP_SEARCH_NAMED = re.compile(r"random search|hyper-?param", re.IGNORECASE)
# a method naming a search, not just a choice ("chosen from", "selected from")
_REAL_METHOD = re.compile(
    r"grid|random(?:ly)? search|bayesian optimi|hyperband|\bTPE\b|sweep|search|tun(?:e|ed|ing)\b|"
    r"we (?:tried|tested|explored|considered|swept|varied)|values? (?:explored|tried|tested)|"
    r"cross[- ]validat|on the validation|validation (?:set|data|loss|accuracy|performance)|"
    r"combinations of|\b\d+ (?:\w+ )?values\b",
    re.IGNORECASE,
)


def _value_set(text: str) -> bool:
    """Whether the text lists values tried: a set of numbers or names, or a range."""
    for m in _SET.finditer(text):
        members = [x.strip() for x in m.group(1).split(",") if x.strip()]
        members = [x for x in members if x not in ("...", "…", ". . .", "..")]
        if not members or any(_SYMBOL.search(x) for x in members):
            continue
        if {x for x in members} <= {"0", "1"}:
            continue  # a binary domain, "B ∈ {0, 1}"
        return True
    rest = _SET.sub(" ", text)
    if not _SET_OR_RANGE.search(rest):
        return False
    if _VALUE_LIST.search(rest):
        return True
    # a range alone: counts with a named search, not with "chosen from" (ANNOTATION.md)
    return bool(_REAL_METHOD.search(rest))


_NOT_HP_SEARCH = re.compile(
    r"bisection|line search|binary search|beam search|tree search|MCTS|planning",
    re.IGNORECASE,
)
_REPEATS = re.compile(
    r"\d+\s+independent (?:trials|runs)|averaged? (?:over|across) \d+\s+(?:\w+\s+)?"
    r"(?:trials|runs)",
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


_HP_CAPTION = re.compile(
    r"hyper-?param[a-z]*\s+(?:search|ranges?|grid|space)|"
    r"values (?:that )?(?:(?:have been|were) )?(?:explored|tried|tested|searched)",
    re.IGNORECASE,
)
# D2: a paper whose contribution is a search (HPO, NAS, AutoML) or a study of HPO runs
_STUDIES_SEARCH = re.compile(
    r"hyper-?parameter (?:optimi[sz]ation|search|tuning)|neural architecture search|"
    r"\bNAS\b|\bAutoML\b|automated machine learning|bayesian optimi[sz]ation|"
    r"algorithm (?:selection|configuration)",
    re.IGNORECASE,
)
# architectures a NAS paper did not train for its search: the size of the searched space, or
# ones looked up in a tabular benchmark (NAS-Bench)
_SPACE_SIZE = re.compile(
    r"\b(?:contains?|containing|consists? of|consisting of|compris\w*|includ\w*)\b|"
    r"space (?:of|with)\b|NAS[- ]?Bench",
    re.IGNORECASE,
)
_OWN_TUNING = re.compile(
    r"\bbaselines\b|baselines'|(?:each|every|all) (?:the )?baselines?|competing (?:methods|models)|"
    r"compared (?:methods|models)",
    re.IGNORECASE,
)


def _hit(unit: TextUnit) -> tuple[float, Evidence, str] | None:
    """The unit's evidence, its weight and its kind: "evp", "count" (a number of trials),
    "space" (values or a grid tried), "budget" (tuning compute) or "caption"."""
    text = unit.text
    if common.is_related_work(text):
        return None
    if evp := _EVP.search(text):
        return 2.5, common.evidence_from(unit, evp.start()), "evp"
    tried = _WE_TRIED.search(text)
    if tried and _VALUE_LIST.search(text):
        return 1.2, common.evidence_from(unit, tried.start()), "space"
    searching = bool(_SEARCH_CONTEXT.search(text))
    method = _HAS_METHOD(text)
    if not searching and not method and not _ARCH_SEARCH.search(text):
        return None
    for q in parse_trials(text):
        arch = q.text.endswith("architectures")
        if arch and (q.value < 10 or not _ARCH_SEARCH.search(text)):
            continue
        if not arch and not (searching or method):
            continue  # "3 different configurations of the noise, sampled from ..."
        if any(q.text in r.group(0) for r in _REPEATS.finditer(text)):
            continue  # "averages over 100 independent trials"
        if q.unit == "trials" and q.text.startswith("grid of"):
            if method:
                return 2.0, common.evidence_from(unit, 0, q.value, q.unit), "space"
            continue
        if re.search(r"runs|evaluations|settings", q.text, re.IGNORECASE) and not re.search(
            r"hyper-?param|search|tun|configur|sweep", text, re.IGNORECASE
        ):
            continue
        if re.search(r"seeds?\b", text, re.IGNORECASE) and not re.search(
            r"search|tun|configur", text, re.IGNORECASE
        ):
            continue
        kind = "arch" if arch and re.search(r"controller|search", text, re.I) else "count"
        return 2.0, common.evidence_from(unit, text.find(q.text), q.value, q.unit), kind
    if not (searching or method):
        return None
    if budget := _BUDGET.search(text):
        return 2.0, common.evidence_from(unit, budget.start()), "budget"
    if (
        method
        and (where := _METHOD_WORD.search(text))
        and _SET_OR_RANGE.search(text)
        and _HP_CONTEXT.search(text)
        and _value_set(text)
        and not _NOT_HP_SEARCH.search(text)
        and not _NOT_SEARCH_RANGE.search(text)
        and (searching or _HP_SEARCH_NAMED.search(text) or not _RANDOM_DRAW.search(text))
    ):
        return 1.5, common.evidence_from(unit, where.start()), "space"
    if unit.kind == "caption":
        if _HP_CAPTION.search(text):
            return 1.2, common.evidence_from(unit), "caption"
        if grid := re.search(r"grid search", text, re.IGNORECASE):
            return 1.2, common.evidence_from(unit, grid.start()), "space"
    return None


def _score(unit: TextUnit) -> tuple[float, Evidence] | None:
    hit = _hit(unit)
    return None if hit is None else hit[:2]


def _score_search_paper(unit: TextUnit) -> tuple[float, Evidence] | None:
    """For a paper that proposes or studies a search (D2): its own search's trials and
    spaces are the method; keep what tunes baselines, tuning compute and EVP."""
    hit = _hit(unit)
    if hit is None:
        return None
    if hit[2] in ("count", "space") and not _OWN_TUNING.search(unit.text):
        return None
    if hit[2] == "arch" and _SPACE_SIZE.search(unit.text) and not _OWN_TUNING.search(unit.text):
        return None
    return hit[:2]


def _studies_search(units: Sequence[TextUnit]) -> bool:
    return any(u.section in ("front", "abstract") and _STUDIES_SEARCH.search(u.text) for u in units)


def detect(units: Sequence[TextUnit]) -> Finding:
    """Whether the paper says how many configurations were tried, or the searched grid."""
    joined = common.join_continuations(units)
    score = _score_search_paper if _studies_search(joined) else _score
    return common.run("search_budget", joined, PREFILTER, score, METHOD)
