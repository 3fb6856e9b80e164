"""search_budget: how much hyperparameter search was done (count, grid, tuning compute)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.detectors import common
from extractors.document import TextUnit
from extractors.findings import Evidence, Finding
from extractors.quantities import parse_trials
from extractors.regexgate import matches

METHOD = "rules:search_budget/v3"  # v3: round 6 (spaced value counts, best among values)
PREFILTER = re.compile(
    r"grid|search|sweep|tun|trials|configurations|hyper-?param|"
    r"expected validation|selected from|chosen from|architectures|"
    r"we (?:also )?(?:tried|tested|explored|experimented|swept|varied)|"
    r"optimi[sz]ed over|(?:selected|chose|tried|tested|evaluated|considered|explored) "
    r"(?:\w+ ){0,2}values|\d sets of|combinations of|candidates|range of values|"
    r"optimized in|optimised in|optimized within|were tried|were tested|were explored|"
    r"was tried|was tested|\{\s*[-−]?\.?\d|spaced values|among the values",
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
    r"(?:select|choos|tun)(?:e|ed|ing) (?:the |our )?hyper-?parameters?|"
    r"optimi[sz]ed (?:in|within) (?:the )?range|(?:were|was) (?:tried|tested|explored|searched)",
    re.IGNORECASE,
)
_HAS_METHOD = matches(_METHOD_WORD)  # bool(_METHOD_WORD.search(text)), cheaper
_SET_OR_RANGE = re.compile(
    r"\{[^{}]{1,120},[^{}]{1,120}\}|\[[\d.e\-−]+\s*,\s*[\d.e\-−]+\]|"
    r"\bbetween\s+[\d.e\-−]+\s+and\s+[\d.e\-−]+|\bfrom\s+[\d.e\-−]+\s+to\s+"
    r"[\d.e\-−]+|(?:\d[\d.e\-−]*\s*,\s*){2,}(?:and|or)?\s*\d|"
    r"\d[\d.e\-−]*\s*,\s*\d[\d.e\-−]*\s*,?\s*(?:and|or)\s+\d|"
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
# "0.25 yielded the best performance among the values 0.2, 0.25, 0.3, 0.5 and 0.65"
_BEST_AMONG = re.compile(
    r"\bbest\b[^.;]{0,60}\bamong (?:the )?(?:values|settings|candidates|options)\b", re.IGNORECASE
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
    r"compared (?:methods|models)|fair comparison|competitors|for (?:each|every|all) (?:the )?"
    r"(?:other )?(?:methods|algorithms|competitors)",
    re.IGNORECASE,
)


# A set of values and the verb that chooses among them, in one clause ("the number of layers
# was chosen from {2, 3, 4}", "we searched the best learning rate in the set {..}", "we
# optimize over k ∈ {1, ..., 19} by cross-validation"): ANNOTATION.md's "selected from
# {0.1, 0.3, 0.5}". No hyperparameter word is needed: the verb governs the set.
_CHOICE_VERB = re.compile(
    r"\b(?:cho(?:o?se|sen|osing)|select(?:ed|ing)?|pick(?:ed|ing)?|search(?:ed|ing)?|"
    r"tun(?:e|ed|ing)|optimi[sz](?:e|ed|ing)|sweep(?:ing)?|swept|grid[- ]search(?:ed)?|"
    r"(?:tried|tested|explored|considered|varied|vary|varying)(?= [^.;]{0,60}"
    r"(?:hyper-?param|learning rates?|\blr\b|batch sizes?|dropout|weight decay|regulari[sz]|"
    r"momentum|step ?sizes?)))\b",
    re.IGNORECASE,
)
# verb ... preposition ... set, within one clause
_CHOICE_GAP = re.compile(
    r"[^.;:]{0,80}?(?:\bfrom\b|\bamong\b|\bin\b|\bover\b|∈|\bwithin\b|\bof\b)[^.;:]{0,40}?$"
)
# an assignment ("we choose the support to be {1, ..., 50}") or a random draw, not a choice
_GAP_VETO = re.compile(
    r"\bto be\b|at random|randomly|uniformly|\bsampled?\b|\bdrawn\b|\bsuch that\b", re.IGNORECASE
)
# an index running over a set ("a_i = 4^i, i ∈ {-1, 0, 4}"), not a value tried
_INDEX = re.compile(r"\b[ijl]\s*∈\s*$")
# "chosen from/among/over a set": a choice among values; a bare "we choose π ∈ {..}" may
# name the settings that were run, so it needs a hyperparameter or a selection named
_CHOICE_PREP = re.compile(
    r"\b(?:from|among|over|within)\b[^∈]*$|\bin (?:the )?(?:set|range|grid)\b|"
    r"\bsearched\b[^∈]*\bin\b",
    re.IGNORECASE,
)
_SELECTION_CUE = re.compile(
    r"\bbest\b|validat|\bfor each (?:experiment|dataset|task|method)\b|\btuned?\b|grid",
    re.IGNORECASE,
)
_NUM_SET = re.compile(r"\{([^{}]{1,120},[^{}]{1,120})\}")
_NUM_MEMBER = re.compile(
    r"^[-−]?(?:\d[\d.,]*(?:[eE×x·][-−]?\d+)?(?:[−-]\d+)?|\d*\.\d+)(?:%|[kKMB])?$|"
    r"^\d+/\d+$"
)
_ELLIPSES = ("...", "…", ". . .", "..", "· · ·")


def _numeric_set(inner: str) -> bool:
    """At least two numeric members (ellipses allowed), none a symbol: values tried."""
    members = [x.strip() for x in inner.split(",") if x.strip() and x.strip() not in _ELLIPSES]
    if len(members) < 2 or set(members) <= {"0", "1"}:
        return False
    return all(_NUM_MEMBER.match(x.replace(" ", "")) for x in members)


def _choice_set(text: str) -> int | None:
    """Where a choice or search verb governs a numeric set in the same clause, else None."""
    if "{" not in text:
        return None
    for m in _NUM_SET.finditer(text):
        if not _numeric_set(m.group(1)):
            continue
        start = max(0, m.start() - 140)
        before = text[start : m.start()]
        for v in reversed(list(_CHOICE_VERB.finditer(before))):
            gap = before[v.start() :]
            if not _CHOICE_GAP.match(gap) or _GAP_VETO.search(gap) or _INDEX.search(gap):
                continue
            if _CHOICE_PREP.search(gap) or _HP_CONTEXT.search(text) or _SELECTION_CUE.search(text):
                return start + v.start()
    return None


# A count of values or candidates tried, with the selection that used them ("by
# cross-validation using ten candidates", "we tried three different values for ...").
_VALUES_COUNT = re.compile(
    r"(?<![\w.])(?P<num>\d+|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|fifty|"
    r"hundred)\s+(?:different\s+|candidate\s+|possible\s+|distinct\s+|(?:evenly\s+|equally\s+|"
    r"log(?:arithmically)?[- ]?|linearly\s+)?spaced\s+)?(?:values|candidates|settings)\b",
    re.IGNORECASE,
)
_COUNT_SELECTION = re.compile(
    r"cross[- ]?validat|on (?:the |a )?(?:held-out |separate )?validation|using (?:the |a )?"
    r"validation|model selection|grid[- ]search|random search|\btun(?:e|ed|ing)\b|"
    r"\bwe (?:also )?(?:tried|tested|explored|considered)\b|\boptimi[sz]ed\b[^.]{0,80}\bamong\b",
    re.IGNORECASE,
)
# the values of an experiment's conditions or repetitions, not of a search
_COUNT_VETO = re.compile(
    r"averag|repeat|seeds?\b|independent (?:runs|trials)|\bsimulat", re.IGNORECASE
)
_WORD_COUNTS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "twenty": 20,
    "fifty": 50,
    "hundred": 100,
}


def _values_count(text: str) -> tuple[int, float] | None:
    """(offset, number) of values/candidates tried where the sentence names the selection."""
    low = text.lower()
    if "values" not in low and "candidates" not in low and "settings" not in low:
        return None
    if not (m := _VALUES_COUNT.search(text)):
        return None
    if not _COUNT_SELECTION.search(text) or _COUNT_VETO.search(text):
        return None
    num = m.group("num").lower()
    return m.start(), float(_WORD_COUNTS[num] if num in _WORD_COUNTS else int(num))


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
    if (best := _BEST_AMONG.search(text)) and _VALUE_LIST.search(text):
        return 1.2, common.evidence_from(unit, best.start()), "space"
    if (at := _choice_set(text)) is not None and not (
        _NOT_HP_SEARCH.search(text) or _NOT_SEARCH_RANGE.search(text)
    ):
        return 1.5, common.evidence_from(unit, at), "space"
    if (count := _values_count(text)) is not None and not _NOT_HP_SEARCH.search(text):
        return 1.5, common.evidence_from(unit, count[0], count[1], "trials"), "count"
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


# A search space spread over units: a table of hyperparameters whose caption or header names
# the search, with value sets in its rows; or a sentence saying an own search was done
# followed by a hyperparameter's value set ("We tuned the hyperparameters by grid search on
# the validation set." + "The learning rate ∈ {1e-3, 1e-4} ...").
_TABLE_SEARCH = re.compile(
    r"search(?:ed)? (?:space|range|grid|values?)|\branges?\b|\bgrid\b|sweep|tuned over|"
    r"values (?:tried|explored|tested|searched|considered)|candidate values|\bsearched\b",
    re.IGNORECASE,
)
_HP_WORD = re.compile(
    r"hyper-?param|learning rates?|\blr\b|batch sizes?|dropout|weight decay|regulari[sz]|"
    r"momentum",
    re.IGNORECASE,
)
_ROW_VALUES = re.compile(
    r"\{\s*[-−]?\.?\d[^{}]{0,100},[^{}]*\}|\[\s*[-−]?[\d.]+(?:e-?\d+)?\s*,\s*[\d.e\-−]+\s*\]"
)
_SEARCH_DONE = re.compile(
    r"grid[- ]search|random search|hyper-?parameters? (?:were|was|are|is) (?:\w+ )?"
    r"(?:tuned|selected|chosen|optimi[sz]ed|searched)|(?:tuned|selected|chosen|optimi[sz]ed) "
    r"(?:\w+ ){0,3}(?:on|using|by|via|with) (?:the |a )?(?:\w+ )?(?:validation|cross-?validation|"
    r"held-out|dev(?:elopment)?) |hyper-?parameter (?:search|tuning|sweep)|"
    r"\bwe (?:tune|tuned|searched|swept)\b",
    re.IGNORECASE,
)


def _spread_hits(
    units: Sequence[TextUnit], heads: list[TextUnit], searches: list[TextUnit]
) -> list[tuple[float, Evidence]]:
    """Evidence of a search space spread over units, among all `units`: candidate captions
    and table lines (`heads`), candidate sentences (`searches`)."""
    out: list[tuple[float, Evidence]] = []
    heads = [u for u in heads if _TABLE_SEARCH.search(u.text) and _HP_WORD.search(u.text)]
    if heads:
        valued = {
            u.page
            for u in units
            if u.kind == "table" and u.section != "references" and _ROW_VALUES.search(u.text)
        }
        out += [
            (1.2, common.evidence_from(h))
            for h in heads
            if h.page in valued and not common.is_related_work(h.text)
        ]
    for unit in searches:
        if not (m := _SEARCH_DONE.search(unit.text)) or _NOT_HP_SEARCH.search(unit.text):
            continue
        if common.is_related_work(unit.text):
            continue
        i = next(k for k, u in enumerate(units) if u is unit)
        for nxt in units[i + 1 : i + 3]:
            if (
                nxt.page == unit.page
                and nxt.section == unit.section
                and _HP_WORD.search(nxt.text)
                and any(_numeric_set(s.group(1)) for s in _NUM_SET.finditer(nxt.text))
            ):
                out.append((1.2, common.evidence_from(unit, m.start())))
                break
    return out


def detect(units: Sequence[TextUnit]) -> Finding:
    """Whether the paper says how many configurations were tried, or the searched grid."""
    joined = common.join_continuations(units)
    search_paper = _studies_search(joined)
    score = _score_search_paper if search_paper else _score
    found: list[tuple[float, Evidence]] = []
    heads: list[TextUnit] = []  # captions and table lines, for a table of searched values
    searches: list[TextUnit] = []  # sentences, for a search followed by its values
    for unit in common.candidates_after_joins(units, joined, PREFILTER):
        if (hit := score(unit)) is not None:
            found.append(hit)
        elif not found and not search_paper:
            (searches if unit.kind == "sentence" else heads).append(unit)
    if not found and (heads or searches):
        found = _spread_hits(joined, heads, searches)
    return common.result("search_budget", found, METHOD)
