"""Learned per-category unit classifiers on top of the rule detectors.

For each learned category a logistic regression scores every candidate text unit (a
sentence, caption or table line that passes a broad keyword gate, or that a rule fired
on) from its words and bigrams (numbers folded), its kind and section, and whether the
category's rule fired on it. A table line is read with its caption and header line, so a
row of numbers under a "#Params" column carries that column's words. The paper's score is
its best unit's score, calibrated (Platt, on out-of-fold paper scores) to a probability;
the paper reports the category when that probability passes the category's threshold
(chosen on dev by cross-validation). Evidence is the rules' evidence where they fired,
else the best unit's own verbatim text and page.

Trained on the dev splits of the gold papers only (`greenlens train-units`), shipped as
JSON (`extractors/models/units.json`): scoring needs no scikit-learn.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from extractors.detectors import common
from extractors.document import Document, TextUnit
from extractors.findings import Evidence, Finding
from extractors.regexgate import TextIndex

MODEL_PATH = Path(__file__).parent / "models" / "units.json"
METHOD = "learned-units/v1"
# Categories a classifier was tried for (flops and energy have too few dev positives to
# learn from: 10 and 1 of 232 dev papers), and those it decides in the shipped model: the
# ones where it beat the rules under leave-one-venue-out CV on dev (docs/extractors.md).
CANDIDATE_CATEGORIES = ("runtime", "hardware", "params", "training_curve", "search_budget")
LEARNED_CATEGORIES = ("hardware",)

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


def context_texts(units: Sequence[TextUnit]) -> list[str]:
    """Each unit's text as the classifier reads it: a table line with the page's caption
    before it and its table's first line (the header); other units as they are."""
    out: list[str] = []
    caption = header = None
    for i, unit in enumerate(units):
        if i and unit.page != units[i - 1].page:
            caption = header = None
        if unit.kind == "caption":
            caption, header = unit.text, None
            out.append(unit.text)
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


def features(unit: TextUnit, text: str) -> set[str]:
    """A unit's binary features (rule hit excluded): words, bigrams, kind, section, cues."""
    toks = tokens(text)
    out = set(toks)
    out.update(f"{a} {b}" for a, b in zip(toks, toks[1:]))
    out.add(f"kind={unit.kind}")
    out.add(f"sec={unit.section}")
    if _FIGURE.match(unit.text):
        out.add("FIGCAP")
    if _TABLE.match(unit.text):
        out.add("TABCAP")
    if common.is_related_work(unit.text):
        out.add("RELATED")
    return out


@dataclass
class CategoryModel:
    """One category's unit scorer, its Platt calibration and its paper threshold."""

    weights: dict[str, float]
    bias: float
    platt: tuple[float, float]  # probability = sigmoid(a * best_unit_logit + b)
    threshold: float

    def logit(self, feats: set[str]) -> float:
        w = self.weights
        return self.bias + sum(w.get(f, 0.0) for f in feats)

    def probability(self, logit: float) -> float:
        z = self.platt[0] * logit + self.platt[1]
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@dataclass
class UnitModel:
    """The learned categories' models (others keep their rules' answer)."""

    categories: dict[str, CategoryModel]
    method: str = METHOD
    report: dict = field(default_factory=dict)


def candidates(
    category: str, units: Sequence[TextUnit], texts: Sequence[str], rule_texts: set[tuple[int, str]]
) -> list[tuple[int, bool]]:
    """(index, rule hit) of the units the category's classifier scores."""
    keywords, _ = GATES[category]
    extra = _extra(category)
    # the texts holding a keyword, found in one pass per keyword over the whole document:
    # the same as gate(category)'s per-text test, far cheaper on ~40 keywords
    refs = (i for i, u in enumerate(units) if u.section == "references")
    holding = TextIndex(texts, skip=refs).holding(tuple(keywords))
    out = []
    for i, (unit, text) in enumerate(zip(units, texts)):
        if unit.section == "references":
            continue
        hit = _rule_hit(unit, rule_texts)
        if hit or i in holding or (extra is not None and extra.search(text)):
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
) -> tuple[int | None, float]:
    """(index of the best-scoring candidate unit, its logit); (None, -inf) if none.
    `cache` shares unit features between categories."""
    rule_texts = {(e.page, e.text) for e in rule.evidence}
    rule_w = model.weights.get(RULE, 0.0)
    cache = {} if cache is None else cache
    best, best_z = None, float("-inf")
    for i, hit in candidates(category, units, texts, rule_texts):
        feats = cache.get(i)
        if feats is None:
            feats = cache[i] = features(units[i], texts[i])
        z = model.logit(feats) + (rule_w if hit else 0.0)
        if z > best_z:
            best, best_z = i, z
    return best, best_z


def decide(
    model: UnitModel, units: Sequence[TextUnit], rules: dict[str, Finding]
) -> dict[str, Finding]:
    """The rules' results with every learned category decided by its classifier."""
    if not model.categories:
        return dict(rules)
    kept = [u for u in units if u.section != "references"]
    texts = context_texts(kept)
    out = dict(rules)
    cache: dict[int, set[str]] = {}
    for category, cat_model in model.categories.items():
        rule = rules[category]
        i, z = best_unit(cat_model, category, kept, texts, rule, cache)
        p = cat_model.probability(z) if i is not None else 0.0
        method = f"{model.method}:{category}(p={p:.2f})"
        if p < cat_model.threshold:
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
        "categories": {
            c: {
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
    data = json.loads(p.read_text(encoding="utf-8"))
    cats = {
        c: CategoryModel(m["weights"], m["bias"], tuple(m["platt"]), m["threshold"])
        for c, m in data["categories"].items()
    }
    return UnitModel(cats, data["method"], data.get("report", {}))


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

    def rows(self, category: str) -> tuple[list[set[str]], list[bool]]:
        """Candidate units' features (rule hit as RULE) and whether each is gold evidence."""
        if category not in self._cache:
            kept = [u for u in self.units if u.section != "references"]
            texts = context_texts(kept)
            rule_texts = {(e.page, e.text) for e in self.rules[category].evidence}
            feats, pos = [], []
            for i, hit in candidates(category, kept, texts, rule_texts):
                f = features(kept[i], texts[i])
                if hit:
                    f = f | {RULE}
                feats.append(f)
                pos.append(
                    any(
                        page == kept[i].page and quote_matches(kept[i].text, quote)
                        for page, quote in self.evidence.get(category, ())
                    )
                )
            self._cache[category] = (feats, pos)
        return self._cache[category]


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


def _fit_units(examples: Sequence[Example], category: str, c: float):
    """Logistic regression over candidate units: gold evidence units vs every candidate of
    papers that do not report the category (other units of reporting papers are unknown)."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    vocab: dict[str, int] = {}
    indices: list[int] = []
    indptr, y = [0], []
    for ex in examples:
        feats, pos = ex.rows(category)
        for f, p in zip(feats, pos):
            if p or not ex.gold[category]:
                indices.extend(vocab.setdefault(k, len(vocab)) for k in f)
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
        C=c, solver="liblinear", dual=True, class_weight="balanced", max_iter=5000
    )
    clf.fit(mat, y)
    names = sorted(vocab, key=vocab.__getitem__)
    weights = {n: float(w) for n, w in zip(names, clf.coef_[0]) if abs(w) >= 1e-3}
    return weights, float(clf.intercept_[0])


def _paper_logit(weights: dict[str, float], bias: float, ex: Example, category: str) -> float:
    feats, _ = ex.rows(category)
    if not feats:
        return -20.0
    return max(bias + sum(weights.get(f, 0.0) for f in fs) for fs in feats)


def _best_threshold(probs: Sequence[float], gold: Sequence[bool]) -> float:
    """The probability threshold with the best F1; the middle of the best plateau."""
    order = sorted(set(probs))
    best_f1, best = -1.0, []
    for t in order:
        tp = sum(p >= t and g for p, g in zip(probs, gold))
        fp = sum(p >= t and not g for p, g in zip(probs, gold))
        fn = sum(p < t and g for p, g in zip(probs, gold))
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best_f1 + 1e-12:
            best_f1, best = f1, [t]
        elif abs(f1 - best_f1) <= 1e-12:
            best.append(t)
    if not best:
        return 0.5
    # halfway between the lowest best threshold and the score just below it
    lo = best[0]
    below = [p for p in order if p < lo]
    return round((lo + below[-1]) / 2 if below else lo, 4)


def train_category(
    examples: Sequence[Example], category: str, *, c: float = 1.0, folds: int = 3, seed: int = 0
) -> CategoryModel:
    """Fit one category: out-of-fold paper logits -> Platt calibration -> F1-best threshold."""
    from sklearn.linear_model import LogisticRegression

    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    logits = [0.0] * len(examples)
    for k in range(folds):
        held = [i for j, i in enumerate(order) if j % folds == k]
        train_ex = [examples[i] for j, i in enumerate(order) if j % folds != k]
        w, b = _fit_units(train_ex, category, c)
        for i in held:
            logits[i] = _paper_logit(w, b, examples[i], category)
    gold = [ex.gold[category] for ex in examples]
    if len(set(gold)) < 2:
        platt = (1.0, 0.0)
    else:
        cal = LogisticRegression(C=100.0).fit([[z] for z in logits], gold)
        platt = (round(float(cal.coef_[0][0]), 5), round(float(cal.intercept_[0]), 5))
    model = CategoryModel({}, 0.0, platt, 0.5)
    threshold = _best_threshold([model.probability(z) for z in logits], gold)
    weights, bias = _fit_units(examples, category, c)
    return CategoryModel(weights, bias, platt, threshold)


def train(
    examples: Sequence[Example], categories: Sequence[str], *, c: float = 1.0, seed: int = 0
) -> UnitModel:
    """A model for the given categories from gold examples (dev papers only)."""
    return UnitModel({cat: train_category(examples, cat, c=c, seed=seed) for cat in categories})
