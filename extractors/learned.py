"""Learned per-category unit classifiers on top of the rule detectors.

For each learned category a logistic regression scores every candidate text unit (a
sentence, caption or table line that passes a broad keyword gate, or that a rule fired
on) from its words and bigrams (numbers folded), its kind and section, and whether the
category's rule fired on it. A table line is read with its caption and header line, so a
row of numbers under a "#Params" column carries that column's words. The paper's score is
its best unit's score, calibrated (Platt, on out-of-fold paper scores) to a probability;
the paper reports the category when that probability passes the category's threshold
(chosen on dev by out-of-fold cross-validation over venue folds). Evidence is the rules'
evidence where they fired, else the best unit's own verbatim text and page.

Each learned category has a mode (`MODES`): "learned" (the classifier alone, no rule
feature), "union" (the rules' answer, plus the classifier's best unit where the rules
found nothing and its probability passes a high-precision threshold) or "learned+rule"
(the classifier with the rule hit as a feature); a category absent from the model keeps
its rules. The modes shipped (`CATEGORY_MODES`) were chosen on the validation split.

Trained on the dev splits of the gold papers only (`greenlens train-units`), shipped as
JSON (`extractors/models/units.json`): scoring needs no scikit-learn.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from pathlib import Path

from extractors import warmcache
from extractors.detectors import common
from extractors.document import Document, TextUnit
from extractors.findings import Evidence, Finding
from extractors.regexgate import TextIndex

MODEL_PATH = Path(__file__).parent / "models" / "units.json"
METHOD = "learned-units/v4"  # v2: per-category modes (round 5); v3: runtime joins (round 6);
# v4: search_budget joins (round 7)
# Categories a classifier was tried for (flops and energy have too few dev positives to
# learn from: 10 and 1 of 232 dev papers), and those it decides in the shipped model: the
# ones where it beat the rules under leave-one-venue-out CV on dev (docs/extractors.md).
CANDIDATE_CATEGORIES = ("runtime", "hardware", "params", "training_curve", "search_budget")
MODES = ("rules", "learned", "union", "learned+rule")
# The mode per category, chosen by F1 on the validation split among candidates whose C and
# thresholds were fitted on dev out-of-fold (docs/extractors.md, "Learned layer"); every
# category not listed keeps its rules. `greenlens train-units` trains exactly these.
CATEGORY_MODES: dict[str, str] = {
    "runtime": "learned+rule",  # round 6: ahead of the rules in 98% of val resamples
    "hardware": "learned+rule",
    "params": "learned+rule",
    "search_budget": "learned+rule",  # round 7: ahead of the rules in 96% of val resamples
}
LEARNED_CATEGORIES = tuple(c for c, m in CATEGORY_MODES.items() if m != "rules")
C_GRID = (0.3, 1.0, 3.0)  # L2 strengths tried per category, chosen by out-of-fold F1 on dev
# union mode: the classifier adds a paper only above the lowest probability at which it
# alone was this precise on dev (out-of-fold), so it adds recall without the rules' fit
UNION_PRECISION = 0.9
# evidence units are ~1% of the candidates: "balanced" weighs them up (no weights lost
# 0.01-0.06 dev out-of-fold F1: docs/extractors.md)
CLASS_WEIGHT: str | None = "balanced"

# A broad, recall-first keyword gate per category (the classifier decides; the gate only
# keeps it off units that cannot be evidence). Lower-case substrings, plus a regex.
GATES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "flops": (
        ("flop", "mac", "mult-add", "multiply-add", "multiplication", "operations", "gop", "bop"),
        None,
    ),
    "energy": (
        ("energy", "power", "watt", "kwh", "wh ", "joule", "co2", "carbon", "emission", "kw"),
        r"\d\s?(?:W|J|mJ|kJ)\b",
    ),
    "runtime": (
        (
            "second",
            "sec",
            "ms",
            "minute",
            "min",
            "hour",
            "hr",
            "day",
            "week",
            "time",
            "speed",
            "faster",
            "slower",
            "fps",
            "throughput",
            "latency",
            "wall",
            "clock",
            "took",
            "takes",
            "per s",
            "/s",
            "overhead",
        ),
        r"\d\s?[smh]\b",
    ),
    # device words only: "machine", "memory", "instance" made 4x the candidates (and the
    # cost) and no more gold evidence on dev
    "hardware": (
        (
            "gpu",
            "cpu",
            "tpu",
            "nvidia",
            "intel",
            "amd ",
            "xeon",
            "core i",
            "ryzen",
            "epyc",
            "titan",
            "tesla",
            "geforce",
            "rtx",
            "gtx",
            "v100",
            "a100",
            "h100",
            "p100",
            "k80",
            "k40",
            "t4",
            "jetson",
            "dgx",
            "apple",
            "macbook",
            "ghz",
            "aws",
            "raspberry",
            "quadro",
            "radeon",
            "cuda",
            "processor",
            "workstation",
            "laptop",
            " gb",
            "graphics card",
            "m1 ",
            "m2 ",
            "accelerator",
        ),
        None,
    ),
    "params": (("param", "weight", "coefficien", "#p", "size"), None),
    "training_curve": (
        (
            "figure",
            "fig",
            "curve",
            "epoch",
            "iteration",
            "iter",
            "step",
            "round",
            "episode",
            "converge",
            "training",
            "regret",
            "reward",
            "loss",
            "plot",
            "progress",
            "update",
            "learning",
            "time",
            "horizon",
            "over",
            "during",
            "objective",
            "error",
        ),
        None,
    ),
    "search_budget": (
        (
            "search",
            "grid",
            "tune",
            "tuning",
            "tuned",
            "select",
            "chose",
            "choose",
            "sweep",
            "range",
            "{",
            "∈",
            "trial",
            "configuration",
            "hyperparameter",
            "hyper-parameter",
            "cross-validation",
            "cross validation",
            "validat",
            "among",
            "optimiz",
            "bayesian",
            "random",
            "candidate",
            "values",
            "explored",
            "tried",
            "varied",
            "best",
        ),
        None,
    ),
}

_TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)*|[{}∈×%$~≈]")
_FIGURE = re.compile(r"^\s*(?:figure|fig\.?)\s*[a-z]?\d", re.IGNORECASE)
_TABLE = re.compile(r"^\s*(?:table|tab\.)\s*[a-z]?\d", re.IGNORECASE)
RULE = "RULE"

# Number shapes (case kept): "25.6M", "3B", "1e-4", "10^-3", "{0.1, 0.01}", "[1, 10]".
_NUM = r"[-−]?\d+(?:\.\d+)?"
_SHAPES = (
    ("<num>K|M|B|G", re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?[KMBG]\b")),
    ("<num>e-<num>", re.compile(r"\d(?:\.\d+)?\s?[eE]\s?[-−]\s?\d+|10\s?\^?\s?[-−]\s?\d")),
    ("{<num>,<num>}", re.compile(rf"\{{\s*{_NUM}(?:[eE][-−]?\d+)?\s*,\s*{_NUM}")),
    ("[<num>,<num>]", re.compile(rf"[\[(]\s*{_NUM}(?:[eE][-−]?\d+)?\s*,\s*{_NUM}[^\])]{{0,12}}\]")),
    ("<num>x<num>", re.compile(r"\d\s?[×x]\s?\d")),
)
_MAX_AXIS_WORDS = 12  # an axis title or tick line is short
_MAX_AXIS_LINES = 6


@dataclass(frozen=True)
class FeatureOptions:
    """Which optional context the classifier reads (stored in the model file, so scoring
    uses what training used)."""

    shapes: bool = False  # number-shape tokens (_SHAPES)
    neighbour: bool = False  # the previous unit's words on the same page, as "prev:" features
    axis: bool = False  # a figure caption read with its page's short non-prose lines

    def to_dict(self) -> dict[str, bool]:
        return {"shapes": self.shapes, "neighbour": self.neighbour, "axis": self.axis}


# What `greenlens train-units` trains with (chosen on dev out-of-fold; docs/extractors.md).
FEATURES = FeatureOptions()


def gate(category: str):
    """The category's keyword gate as a function of a unit's (context) text."""
    keywords, pattern = GATES[category]
    extra = re.compile(pattern) if pattern else None

    def passes(text: str) -> bool:
        low = text.lower()
        return any(k in low for k in keywords) or bool(extra and extra.search(text))

    return passes


@lru_cache(maxsize=16)
def _extra(category: str) -> re.Pattern | None:
    pattern = GATES[category][1]
    return re.compile(pattern) if pattern else None


def _axis_like(unit: TextUnit) -> bool:
    """A short line that is not prose: how a figure's axis titles and ticks come out."""
    text = unit.text.rstrip()
    return (
        unit.kind != "caption"
        and len(text.split()) <= _MAX_AXIS_WORDS
        and not text.endswith(".")
        and any(c.isalpha() for c in text)
    )


def context_texts(
    units: Sequence[TextUnit], options: FeatureOptions = FeatureOptions()
) -> list[str]:
    """Each unit's text as the classifier reads it: a table line with the page's caption
    before it and its table's first line (the header); with `options.axis`, a figure
    caption followed by its page's short non-prose lines (axis titles); other units as
    they are."""
    out: list[str] = []
    caption = header = None
    axis: dict[int, str] = {}
    if options.axis:
        lines: dict[int, list[str]] = {}
        for unit in units:
            if _axis_like(unit):
                lines.setdefault(unit.page, []).append(unit.text)
        axis = {page: " | ".join(v[:_MAX_AXIS_LINES]) for page, v in lines.items()}
    for i, unit in enumerate(units):
        if i and unit.page != units[i - 1].page:
            caption = header = None
        if unit.kind == "caption":
            caption, header = unit.text, None
            extra = axis.get(unit.page) if _FIGURE.match(unit.text) else None
            out.append(f"{unit.text} || {extra}" if extra else unit.text)
        elif unit.kind == "table":
            if header is None:
                header = unit.text
                out.append(f"{caption} || {unit.text}" if caption else unit.text)
            else:
                out.append(" || ".join(x for x in (caption, header, unit.text) if x))
        else:
            out.append(unit.text)
    return out


def tokens(text: str) -> list[str]:
    """Lower-cased words and symbols; numbers folded to <num> (short) or <bignum>."""
    return [
        ("<num>" if len(t) < 6 else "<bignum>") if t[0].isdigit() else t
        for t in _TOKEN.findall(text.lower())
    ]


def features(
    unit: TextUnit,
    text: str,
    options: FeatureOptions = FeatureOptions(),
    previous: str | None = None,
) -> set[str]:
    """A unit's binary features (rule hit excluded): words, bigrams, kind, section, cues;
    with `options`, number shapes and the previous unit's words."""
    toks = tokens(text)
    out = set(toks)
    out.update(map(" ".join, zip(toks, toks[1:])))  # "a b" bigrams
    out.add(f"kind={unit.kind}")
    out.add(f"sec={unit.section}")
    if _FIGURE.match(unit.text):
        out.add("FIGCAP")
    if _TABLE.match(unit.text):
        out.add("TABCAP")
    if common.is_related_work(unit.text):
        out.add("RELATED")
    if options.shapes:
        out.update(name for name, rx in _SHAPES if rx.search(text))
    if options.neighbour and previous:
        out.update(f"prev:{t}" for t in tokens(previous) if t not in ("<num>", "<bignum>"))
    return out


def _previous(units: Sequence[TextUnit], i: int) -> str | None:
    """The text of the unit before `i` on the same page, if any."""
    if i and units[i - 1].page == units[i].page:
        return units[i - 1].text
    return None


@dataclass
class CategoryModel:
    """One category's unit scorer, its Platt calibration, its paper threshold and mode."""

    weights: dict[str, float]
    bias: float
    platt: tuple[float, float]  # probability = sigmoid(a * best_unit_logit + b)
    threshold: float
    mode: str = "learned+rule"  # one of MODES other than "rules"

    def logit(self, feats: Iterable[str]) -> float:
        # fsum: exactly rounded, so the set's iteration order (its hash seed) cannot move
        # the last digits from one process to the next
        return self.bias + math.fsum(map(self.weights.get, feats, repeat(0.0)))

    def probability(self, logit: float) -> float:
        z = self.platt[0] * logit + self.platt[1]
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@dataclass
class UnitModel:
    """The learned categories' models (others keep their rules' answer)."""

    categories: dict[str, CategoryModel]
    method: str = METHOD
    report: dict = field(default_factory=dict)
    options: FeatureOptions = FeatureOptions()


class ContextIndex:
    """`TextIndex.holding`/`searching` over a document's non-reference units read in context
    (`context_texts`), answered by the detectors' index of the unit texts (already searched
    for most keywords) wherever a unit's context text is its own text, the same lower-cased
    text and so the same answer; the other units (table lines) are tested one by one."""

    def __init__(self, units_index: TextIndex, texts: Sequence[str]) -> None:
        own = units_index.texts
        kept = units_index.outside_references  # context text j is that of unit kept[j]
        self.base = units_index
        self.texts = texts
        self.at = {i: j for j, i in enumerate(kept) if texts[j] == own[i]}
        self.rest = [j for j, i in enumerate(kept) if texts[j] != own[i]]
        self.lows = {j: texts[j].lower() for j in self.rest}

    def _mapped(self, found: frozenset[int]) -> set[int]:
        at = self.at
        return {at[i] for i in found if i in at}

    def holding(self, needles: tuple[str, ...]) -> frozenset[int]:
        """Indices of the texts (lower-cased) holding any needle."""
        lows = self.lows
        rest = (j for j in self.rest if any(n in lows[j] for n in needles))
        return frozenset(self._mapped(self.base.holding(needles)).union(rest))

    def searching(self, pattern: re.Pattern) -> frozenset[int]:
        """Indices of the texts (as given) `pattern` finds a match in."""
        texts = self.texts
        rest = (j for j in self.rest if pattern.search(texts[j]))
        return frozenset(self._mapped(self.base.searching(pattern)).union(rest))


def candidates(
    category: str,
    units: Sequence[TextUnit],
    texts: Sequence[str],
    rule_texts: set[tuple[int, str]],
    index: TextIndex | ContextIndex | None = None,
) -> list[tuple[int, bool]]:
    """(index, rule hit) of the units the category's classifier scores; `index`: the
    texts' TextIndex, shared between categories (built here if not given)."""
    keywords, _ = GATES[category]
    extra = _extra(category)
    # the texts holding a keyword, found in one pass per keyword over the whole document:
    # the same as gate(category)'s per-text test, far cheaper on ~40 keywords
    if index is None:
        refs = (i for i, u in enumerate(units) if u.section == "references")
        index = TextIndex(texts, skip=refs)
    passing = index.holding(tuple(keywords))
    if extra is not None:
        passing = passing | index.searching(extra)
    rule_pages = {page for page, _ in rule_texts}
    out = []
    for i, unit in enumerate(units):
        if unit.section == "references":
            continue
        hit = unit.page in rule_pages and _rule_hit(unit, rule_texts)
        if hit or i in passing:
            out.append((i, hit))
    return out


def _rule_hit(unit: TextUnit, rule_texts: set[tuple[int, str]]) -> bool:
    return any(
        page == unit.page and (text in unit.text or unit.text[:60] in text)
        for page, text in rule_texts
    )


def best_unit(
    model: CategoryModel,
    category: str,
    units: Sequence[TextUnit],
    texts: Sequence[str],
    rule: Finding,
    cache: dict[int, set[str]] | None = None,
    options: FeatureOptions = FeatureOptions(),
    index: TextIndex | ContextIndex | None = None,
) -> tuple[int | None, float]:
    """(index of the best-scoring candidate unit, its logit); (None, -inf) if none.
    `cache` shares unit features and `index` the keyword index between categories."""
    rule_texts = {(e.page, e.text) for e in rule.evidence}
    rule_w = model.weights.get(RULE, 0.0)
    cache = {} if cache is None else cache
    best, best_z = None, float("-inf")
    for i, hit in candidates(category, units, texts, rule_texts, index):
        feats = cache.get(i)
        if feats is None:
            feats = cache[i] = features(units[i], texts[i], options, _previous(units, i))
        z = model.logit(feats) + (rule_w if hit else 0.0)
        if z > best_z:
            best, best_z = i, z
    return best, best_z


def decide(
    model: UnitModel, units: Sequence[TextUnit], rules: dict[str, Finding]
) -> dict[str, Finding]:
    """The rules' results with every learned category decided by its classifier in its
    mode (a "union" category keeps a rule's positive as it is)."""
    if not model.categories:
        return dict(rules)
    kept = [u for u in units if u.section != "references"]
    texts: list[str] | None = None
    index: ContextIndex | None = None
    out = dict(rules)
    cache: dict[int, set[str]] = {}
    for category, cat_model in model.categories.items():
        rule = rules[category]
        if cat_model.mode == "union" and rule.reported:
            continue
        if texts is None:
            texts = context_texts(kept, model.options)
            index = ContextIndex(common.unit_index(units), texts)
        i, z = best_unit(cat_model, category, kept, texts, rule, cache, model.options, index)
        p = cat_model.probability(z) if i is not None else 0.0
        method = f"{model.method}:{category}(p={p:.2f})"
        if p < cat_model.threshold:
            if cat_model.mode != "union":  # union: the rules' negative stands as it is
                out[category] = Finding(category, False, (), method)
        elif rule.reported:
            out[category] = Finding(category, True, rule.evidence, method)
        else:
            if i is None:  # p is 0.0 here: only a threshold of 0 gets a paper without candidates
                raise ValueError(
                    f"{method}: threshold {cat_model.threshold} passes a paper with no candidate"
                )
            unit = kept[i]
            ev = Evidence(unit.page, common.clip(unit.text))
            out[category] = Finding(category, True, (ev,), method)
    return out


# ---------------------------------------------------------------- shipping (JSON)

MIN_WEIGHT = 0.01  # smaller weights are dropped from the shipped file (9/10 of them)


def save(model: UnitModel, path: Path = MODEL_PATH) -> Path:
    """Write the model as JSON (weights rounded to 4 decimals, |w| < MIN_WEIGHT dropped)."""
    payload = {
        "method": model.method,
        "report": model.report,
        "features": model.options.to_dict(),
        "categories": {
            c: {
                "mode": m.mode,
                "bias": round(m.bias, 5),
                "platt": list(m.platt),
                "threshold": m.threshold,
                "weights": {
                    k: round(v, 4) for k, v in sorted(m.weights.items()) if abs(v) >= MIN_WEIGHT
                },
            }
            for c, m in model.categories.items()
        },
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, separators=(",", ":"), ensure_ascii=False))
    tmp.replace(path)
    load_model.cache_clear()
    return path


@lru_cache(maxsize=2)
def load_model(path: Path = MODEL_PATH) -> UnitModel:
    """The shipped model; an empty one (rules only) when the file is absent."""
    p = Path(path)
    if not p.is_file():
        return UnitModel({}, "rules-only")
    data = warmcache.json_file("units", p)
    cats = {
        c: CategoryModel(
            m["weights"],
            m["bias"],
            tuple(m["platt"]),
            m["threshold"],
            m.get("mode", "learned+rule"),  # files of round 4 had no mode
        )
        for c, m in data["categories"].items()
    }
    for c, m in cats.items():
        if m.mode not in MODES or m.mode == "rules":
            raise ValueError(f"{p}: category {c} has unknown mode {m.mode!r}")
    options = FeatureOptions(**data.get("features", {}))
    return UnitModel(cats, data["method"], data.get("report", {}), options)


# ---------------------------------------------------------------- training


@dataclass
class Example:
    """One gold paper for training: its units, the rules' results and its gold labels."""

    file: str
    venue: str
    units: tuple[TextUnit, ...]
    rules: dict[str, Finding]
    gold: dict[str, bool]
    evidence: dict[str, list[tuple[int, str]]]  # gold (page, quote) per category
    target: str = "other"
    doc: Document | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    def rows(
        self, category: str, options: FeatureOptions = FeatureOptions()
    ) -> tuple[list[set[str]], list[bool]]:
        """Candidate units' features (rule hit as RULE) and whether each is gold evidence."""
        key = (category, options)
        if key not in self._cache:
            kept = [u for u in self.units if u.section != "references"]
            texts = context_texts(kept, options)
            rule_texts = {(e.page, e.text) for e in self.rules[category].evidence}
            feats, pos = [], []
            for i, hit in candidates(category, kept, texts, rule_texts):
                f = features(kept[i], texts[i], options, _previous(kept, i))
                if hit:
                    f = f | {RULE}
                feats.append(f)
                pos.append(
                    any(
                        page == kept[i].page and quote_matches(kept[i].text, quote)
                        for page, quote in self.evidence.get(category, ())
                    )
                )
            self._cache[key] = (feats, pos)
        return self._cache[key]


_WORD = re.compile(r"[a-z0-9]+")


def quote_matches(unit_text: str, quote: str) -> bool:
    """A unit holds (most of) a gold quote, or the quote holds (most of) the unit."""
    from extractors.textnorm import dehyphenate, normalize_ws

    u = dehyphenate(normalize_ws(unit_text)).lower()
    q = dehyphenate(normalize_ws(quote)).lower()
    if q in u or (len(u) > 20 and u in q):
        return True
    tu, tq = set(_WORD.findall(u)), set(_WORD.findall(q))
    if not tu or not tq:
        return False
    inter = len(tu & tq)
    return inter / len(tq) >= 0.7 or (inter / len(tu) >= 0.7 and inter >= 4)


def _fit_units(
    examples: Sequence[Example],
    category: str,
    c: float,
    options: FeatureOptions = FeatureOptions(),
    use_rule: bool = True,
):
    """Logistic regression over candidate units: gold evidence units vs every candidate of
    papers that do not report the category (other units of reporting papers are unknown).
    Without `use_rule` the rule hit is not a feature."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    vocab: dict[str, int] = {}
    indices: list[int] = []
    indptr, y = [0], []
    for ex in examples:
        feats, pos = ex.rows(category, options)
        for f, p in zip(feats, pos):
            if p or not ex.gold[category]:
                indices.extend(vocab.setdefault(k, len(vocab)) for k in f if use_rule or k != RULE)
                indptr.append(len(indices))
                y.append(p)
    if len(set(y)) < 2:
        return {}, -10.0
    mat = csr_matrix(
        (
            np.ones(len(indices), dtype=np.float64),
            np.asarray(indices, dtype=np.int32),
            np.asarray(indptr, dtype=np.int32),
        ),
        shape=(len(y), len(vocab)),
    )
    # the dual solver: many more features than units, ~10x faster than the primal here
    clf = LogisticRegression(
        C=c,
        solver="liblinear",
        dual=True,
        class_weight=CLASS_WEIGHT,
        max_iter=5000,
        random_state=0,  # liblinear shuffles: a fixed seed makes train-units reproducible
    )
    clf.fit(mat, y)
    names = sorted(vocab, key=vocab.__getitem__)
    weights = {n: float(w) for n, w in zip(names, clf.coef_[0]) if abs(w) >= 1e-3}
    return weights, float(clf.intercept_[0])


def _paper_logit(
    weights: dict[str, float],
    bias: float,
    ex: Example,
    category: str,
    options: FeatureOptions = FeatureOptions(),
) -> float:
    feats, _ = ex.rows(category, options)
    if not feats:
        return -20.0
    return max(bias + math.fsum(weights.get(f, 0.0) for f in fs) for fs in feats)


def _f1(decisions: Sequence[bool], gold: Sequence[bool]) -> tuple[float, float, float]:
    """(F1, precision, recall) of paper decisions."""
    tp = sum(d and g for d, g in zip(decisions, gold))
    fp = sum(d and not g for d, g in zip(decisions, gold))
    fn = sum(g and not d for d, g in zip(decisions, gold))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return (2 * tp / (2 * tp + fp + fn) if tp else 0.0), p, r


def _best_threshold(probs: Sequence[float], gold: Sequence[bool]) -> float:
    """The probability threshold with the best F1; the middle of the best plateau."""
    order = sorted(set(probs))
    best_f1, best = -1.0, []
    for t in order:
        f1 = _f1([p >= t for p in probs], gold)[0]
        if f1 > best_f1 + 1e-12:
            best_f1, best = f1, [t]
        elif abs(f1 - best_f1) <= 1e-12:
            best.append(t)
    if not best:
        return 0.5
    return _below(order, best[0])


def _below(order: Sequence[float], lo: float) -> float:
    """Halfway between `lo` and the score just below it (a threshold between papers)."""
    below = [p for p in order if p < lo]
    return round((lo + below[-1]) / 2 if below else lo, 4)


def _precision_threshold(
    probs: Sequence[float], gold: Sequence[bool], target: float = UNION_PRECISION
) -> float:
    """The lowest threshold at which the classifier alone is `target` precise (with at
    least 3 papers above it); above every score (adds nothing) if there is none."""
    order = sorted(set(probs))
    ok = []
    for t in order:
        above = [g for p, g in zip(probs, gold) if p >= t]
        if len(above) >= 3 and sum(above) / len(above) >= target:
            ok.append(t)
    if not ok:
        return 1.01  # above any probability: the classifier adds no paper
    return _below(order, ok[0])


def mode_decisions(
    mode: str, probs: Sequence[float], threshold: float, rule_reported: Sequence[bool]
) -> list[bool]:
    """Paper decisions of a mode from the classifier's probabilities and the rules."""
    if mode == "rules":
        return list(rule_reported)
    if mode == "union":
        return [r or p >= threshold for p, r in zip(probs, rule_reported)]
    if mode in ("learned", "learned+rule"):
        return [p >= threshold for p in probs]
    raise ValueError(f"unknown mode {mode!r}: choose from {', '.join(MODES)}")


def cv_folds(examples: Sequence[Example], seed: int = 0, min_papers: int = 5) -> list[list[int]]:
    """Out-of-fold groups: one per venue with `min_papers`+ papers, the small venues pooled
    (as `greenlens eval --lovo`); 3 seeded random folds where there are fewer than 3."""
    from collections import defaultdict

    counts: dict[str, int] = defaultdict(int)
    for ex in examples:
        counts[ex.venue] += 1
    groups: dict[str, list[int]] = defaultdict(list)
    for i, ex in enumerate(examples):
        groups[ex.venue if counts[ex.venue] >= min_papers else "small venues"].append(i)
    if len(groups) >= 3:
        return [groups[k] for k in sorted(groups)]
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    return [[i for j, i in enumerate(order) if j % 3 == k] for k in range(3)]


def oof_logits(
    examples: Sequence[Example],
    category: str,
    folds: Sequence[Sequence[int]],
    *,
    c: float,
    options: FeatureOptions = FeatureOptions(),
    use_rule: bool = True,
) -> list[float]:
    """Each paper's best-unit logit from a classifier trained without its fold."""
    logits = [0.0] * len(examples)
    for held in folds:
        held_set = set(held)
        train_ex = [ex for i, ex in enumerate(examples) if i not in held_set]
        w, b = _fit_units(train_ex, category, c, options, use_rule)
        for i in held:
            logits[i] = _paper_logit(w, b, examples[i], category, options)
    return logits


def calibrate(logits: Sequence[float], gold: Sequence[bool]) -> tuple[float, float]:
    """Platt scaling of paper logits (identity-like when gold has one class)."""
    from sklearn.linear_model import LogisticRegression

    if len(set(gold)) < 2:
        return (1.0, 0.0)
    cal = LogisticRegression(C=100.0).fit([[z] for z in logits], list(gold))
    return (round(float(cal.coef_[0][0]), 5), round(float(cal.intercept_[0]), 5))


def mode_threshold(mode: str, probs: Sequence[float], gold: Sequence[bool]) -> float:
    """A mode's paper threshold from out-of-fold probabilities: F1-best for the classifier
    modes, the UNION_PRECISION point for union."""
    if mode == "union":
        return _precision_threshold(probs, gold)
    return _best_threshold(probs, gold)


def train_category(
    examples: Sequence[Example],
    category: str,
    mode: str = "learned+rule",
    *,
    c_grid: Sequence[float] = C_GRID,
    options: FeatureOptions = FeatureOptions(),
    seed: int = 0,
    folds: Sequence[Sequence[int]] | None = None,
) -> tuple[CategoryModel, dict]:
    """Fit one category in a mode: per C, out-of-fold paper logits (venue folds) -> Platt
    calibration -> the mode's threshold -> out-of-fold F1 of the mode's decisions; the
    best C's model refitted on every example, and a report of the out-of-fold figures."""
    if mode not in MODES or mode == "rules":
        raise ValueError(f"cannot train mode {mode!r}: choose from {', '.join(MODES[1:])}")
    folds = folds or cv_folds(examples, seed)
    gold = [ex.gold[category] for ex in examples]
    rule = [ex.rules[category].reported for ex in examples]
    use_rule = mode == "learned+rule"
    best: tuple | None = None
    for c in c_grid:
        logits = oof_logits(examples, category, folds, c=c, options=options, use_rule=use_rule)
        platt = calibrate(logits, gold)
        probe = CategoryModel({}, 0.0, platt, 0.5, mode)
        probs = [probe.probability(z) for z in logits]
        threshold = mode_threshold(mode, probs, gold)
        f1, prec, rec = _f1(mode_decisions(mode, probs, threshold, rule), gold)
        if best is None or f1 > best[0] + 1e-12:
            best = (f1, prec, rec, c, platt, threshold, probs)
    assert best is not None
    f1, prec, rec, c, platt, threshold, probs = best
    weights, bias = _fit_units(examples, category, c, options, use_rule)
    report = {
        "mode": mode,
        "c": c,
        "folds": len(folds),
        "oof": {"f1": round(f1, 4), "precision": round(prec, 4), "recall": round(rec, 4)},
    }
    return CategoryModel(weights, bias, platt, threshold, mode), report


def train(
    examples: Sequence[Example],
    categories: Sequence[str],
    *,
    c: float | None = None,
    seed: int = 0,
    modes: dict[str, str] | None = None,
    options: FeatureOptions = FeatureOptions(),
) -> UnitModel:
    """A model for the given categories from gold examples (dev papers only), each in its
    mode (`modes`, else CATEGORY_MODES, else "learned+rule"); C from C_GRID by out-of-fold
    F1 unless `c` is given."""
    modes = modes or {}
    folds = cv_folds(examples, seed)
    grid = (c,) if c is not None else C_GRID
    cats, report = {}, {}
    for cat in categories:
        mode = modes.get(cat) or CATEGORY_MODES.get(cat, "learned+rule")
        cats[cat], report[cat] = train_category(
            examples, cat, mode, c_grid=grid, options=options, folds=folds
        )
    return UnitModel(cats, options=options, report={"categories_fit": report})


def merge(base: UnitModel, update: UnitModel, categories: Sequence[str]) -> UnitModel:
    """`categories` taken from `update` where it has them, else from `base`: a retrain of
    some categories that keeps the others' classifiers. Each category's fit report records
    the number of dev papers it was trained on."""
    if update.options != base.options and set(categories) - set(update.categories):
        raise ValueError("the kept classifiers read other features than the retrained ones")
    fits: dict[str, dict] = {}
    cats: dict[str, CategoryModel] = {}
    for cat in categories:
        source = update if cat in update.categories else base
        if cat not in source.categories:
            raise ValueError(f"no classifier for {cat} in the model to keep")
        cats[cat] = source.categories[cat]
        fit = dict(source.report.get("categories_fit", {}).get(cat, {}))
        fit.setdefault("dev_papers", source.report.get("dev_papers"))
        fits[cat] = fit
    report = {**base.report, **update.report, "categories_fit": fits}
    report["categories"] = {c: cats[c].mode for c in categories}
    report["dev_papers"] = max((f["dev_papers"] or 0) for f in fits.values())
    return UnitModel(cats, update.method, report, update.options)
