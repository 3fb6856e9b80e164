"""Score the extractors against gold annotations: P/R/F1 per category and for target,
bootstrap 95% intervals (papers resampled), over one or several gold files at once."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from corpus.errors import ConfigError
from extractors.schema import CATEGORIES, TARGETS

SPLITS_PATH = Path(__file__).parent / "gold" / "paper_splits.json"
BOOTSTRAP = 1000  # resamples of the scored papers for each interval


@dataclass(frozen=True)
class GoldSource:
    """One gold file and the folder its `file` fields are relative to."""

    gold: Path
    pdfs: Path


@dataclass(frozen=True)
class Miss:
    """One disagreement with gold: what was expected, what we said, and the evidence."""

    file: str
    category: str
    expected: str
    got: str
    evidence: str


@dataclass(frozen=True)
class Score:
    """Counts and derived precision/recall/F1 of one binary category."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class EvalReport:
    """Per-category scores, target accuracy and macro-F1, every miss, and per-file errors."""

    papers: int
    scores: dict[str, Score]
    target_accuracy: float
    target_macro_f1: float
    target_confusion: dict[str, dict[str, int]]
    misses: list[Miss] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    # per scored paper, in order: {"file", "truth": {cat: bool, "target": str}, "predicted": ...}
    outcomes: list[dict] = field(default_factory=list)
    # bootstrap 95% interval per category F1 and for "target" (macro-F1): (low, high)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "papers": self.papers,
            "categories": {
                c: {
                    "precision": s.precision,
                    "recall": s.recall,
                    "f1": s.f1,
                    "tp": s.tp,
                    "fp": s.fp,
                    "fn": s.fn,
                    "tn": s.tn,
                }
                for c, s in self.scores.items()
            },
            "target": {
                "accuracy": self.target_accuracy,
                "macro_f1": self.target_macro_f1,
                "confusion": self.target_confusion,
            },
            "intervals": {k: list(v) for k, v in self.intervals.items()},
            "misses": [m.__dict__ for m in self.misses],
            "errors": [{"file": f, "error": e} for f, e in self.errors],
        }


def load_gold(path: Path, split: str = "all", splits_path: Path = SPLITS_PATH) -> list[dict]:
    """Gold paper records of a split: dev, val, test, all, or several joined by '+'
    (`val+test`). A row's split is its own `split` field, else paper_splits.json's, with
    the test papers of the earlier rounds' files called val (`gold.split_name`)."""
    from corpus.jsonl import read_jsonl
    from extractors.gold import SPLITS, split_name

    rows = read_jsonl(path, needs=("file",))
    if split == "all":
        return rows
    wanted_splits = set(split.split("+"))
    if not wanted_splits <= set(SPLITS):
        raise ConfigError(f"unknown split {split!r}: use dev, val, test, all or e.g. val+test")
    if all("split" in r for r in rows):  # a gold file that carries its own split
        stored = {r["file"]: r["split"] for r in rows}
    else:
        by_split = json.loads(Path(splits_path).read_text())
        stored = {f: name for name in ("dev", "test") for f in by_split[name]}
    return [
        r for r in rows if split_name(Path(path).name, stored.get(r["file"], "")) in wanted_splits
    ]


def macro_f1(gold: list[str], pred: list[str], labels: Iterable[str] = TARGETS) -> float:
    """Unweighted mean F1 over the labels that occur in gold or predictions."""
    f1s = []
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, pred))
        fp = sum(g != label and p == label for g, p in zip(gold, pred))
        fn = sum(g == label and p != label for g, p in zip(gold, pred))
        if tp + fp + fn:
            f1s.append(2 * tp / (2 * tp + fp + fn))
    return sum(f1s) / len(f1s) if f1s else 0.0


def score(gold_rows: list[dict], predicted: dict[str, dict]) -> EvalReport:
    """Compare predictions ({file: check-card dict as `greenlens check --format json`})."""
    counts: dict[str, Counter[tuple[bool, bool]]] = {c: Counter() for c in CATEGORIES}
    misses: list[Miss] = []
    gold_t, pred_t = [], []
    outcomes: list[dict] = []
    for row in gold_rows:
        card = predicted.get(row["file"])
        if card is None:
            continue
        outcomes.append(
            {
                "file": row["file"],
                "truth": {
                    **{c: bool(row["labels"][c]["reported"]) for c in CATEGORIES},
                    "target": row["target"],
                },
                "predicted": {
                    **{c: bool(card["labels"][c]["reported"]) for c in CATEGORIES},
                    "target": card["target"],
                },
            }
        )
        for cat in CATEGORIES:
            g = bool(row["labels"][cat]["reported"])
            p = bool(card["labels"][cat]["reported"])
            counts[cat][(g, p)] += 1
            if g != p:
                ev = card["labels"][cat]["evidence"] if p else row["labels"][cat]["evidence"]
                text = f"p{ev[0]['page']}: {ev[0]['text']}" if ev else ""
                misses.append(Miss(row["file"], cat, str(g).lower(), str(p).lower(), text))
        gold_t.append(row["target"])
        pred_t.append(card["target"])
        if row["target"] != card["target"]:
            misses.append(
                Miss(row["file"], "target", row["target"], card["target"], card.get("title") or "")
            )
    scores = {
        c: Score(n[(True, True)], n[(False, True)], n[(True, False)], n[(False, False)])
        for c, n in counts.items()
    }
    confusion = {
        g: {p: sum(1 for a, b in zip(gold_t, pred_t) if a == g and b == p) for p in TARGETS}
        for g in TARGETS
    }
    accuracy = sum(a == b for a, b in zip(gold_t, pred_t)) / len(gold_t) if gold_t else 0.0
    return EvalReport(
        len(gold_t),
        scores,
        accuracy,
        macro_f1(gold_t, pred_t),
        confusion,
        misses,
        outcomes=outcomes,
    )


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    den = 2 * tp + fp + fn
    return np.where(den > 0, 2 * tp / np.maximum(den, 1), 0.0)


def bootstrap_intervals(
    outcomes: list[dict], *, n: int = BOOTSTRAP, seed: int = 0, level: float = 0.95
) -> dict[str, tuple[float, float]]:
    """Percentile intervals of each category's F1 and of target macro-F1, resampling the
    scored papers with replacement `n` times (seeded)."""
    if not outcomes:
        return {}
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(outcomes), size=(n, len(outcomes)))
    lo_q, hi_q = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    out = {}
    for cat in CATEGORIES:
        t = np.array([o["truth"][cat] for o in outcomes], dtype=bool)[idx]
        p = np.array([o["predicted"][cat] for o in outcomes], dtype=bool)[idx]
        f1 = _f1((t & p).sum(1), (~t & p).sum(1), (t & ~p).sum(1))
        out[cat] = (float(np.percentile(f1, lo_q)), float(np.percentile(f1, hi_q)))
    gold_t = np.array([o["truth"]["target"] for o in outcomes])[idx]
    pred_t = np.array([o["predicted"]["target"] for o in outcomes])[idx]
    label_f1s: list[np.ndarray] = []
    label_present: list[np.ndarray] = []
    for label in TARGETS:
        g, p = gold_t == label, pred_t == label
        tp, fp, fn = (g & p).sum(1), (~g & p).sum(1), (g & ~p).sum(1)
        label_f1s.append(_f1(tp, fp, fn))
        label_present.append((tp + fp + fn) > 0)
    f1s, present = np.array(label_f1s), np.array(label_present)
    macro = (f1s * present).sum(0) / np.maximum(present.sum(0), 1)
    out["target"] = (float(np.percentile(macro, lo_q)), float(np.percentile(macro, hi_q)))
    return out


def default_check() -> Callable[[Path], dict]:
    """The shipped extractors as a check function: PDF path -> check card dict."""
    from extractors.card import PaperReport
    from extractors.extract_pdf import analyse_pdf

    def check(path: Path) -> dict:
        return PaperReport.from_analysis(analyse_pdf(path)).to_json_dict()

    return check


def evaluate(
    gold_path: Path,
    pdfs_dir: Path,
    *,
    split: str = "all",
    check: Callable[[Path], dict] | None = None,
    bootstrap: int = BOOTSTRAP,
) -> EvalReport:
    """Run the extractors on every gold paper's PDF and score them against gold."""
    return evaluate_sources(
        [GoldSource(Path(gold_path), Path(pdfs_dir))], split=split, check=check, bootstrap=bootstrap
    )


def evaluate_sources(
    sources: Iterable[GoldSource],
    *,
    split: str = "all",
    check: Callable[[Path], dict] | None = None,
    bootstrap: int = BOOTSTRAP,
) -> EvalReport:
    """Score several gold files at once (each with its PDF folder), pooled over papers,
    with bootstrap intervals (bootstrap=0 for none)."""
    check = check or default_check()
    rows, predicted, errors = [], {}, []
    for source in sources:
        for row in load_gold(source.gold, split):
            rows.append(row)
            try:
                predicted[row["file"]] = check(Path(source.pdfs) / row["file"])
            except Exception as exc:  # noqa: BLE001 - one bad PDF must not end the evaluation
                errors.append((row["file"], str(exc)))
    report = score(rows, predicted)
    report.errors = errors
    if bootstrap:
        report.intervals = bootstrap_intervals(report.outcomes, n=bootstrap)
    return report


# ------------------------------------------------- generalisation: LOVO and learning curve


def default_sources(
    shared_corpus: Path = Path("../shared/corpus"), gold_pdfs: Path | None = None
) -> list[GoldSource]:
    """The gold paper files with their PDF folders (../shared's PDFs; the PMLR gold PDFs of
    rounds 3 and 4 from $GREENLENS_GOLD_PDFS or ../gold-pdfs, as `greenlens gold
    rebuild-pdfs` writes)."""
    import os

    from extractors.gold import paper_sources

    pmlr = gold_pdfs or Path(os.environ.get("GREENLENS_GOLD_PDFS", "../gold-pdfs"))
    return [GoldSource(g, p) for g, p in paper_sources(Path(shared_corpus) / "pdfs", pmlr)]


def _manifest_venues(pdfs_dir: Path) -> dict[str, str]:
    import csv

    path = Path(pdfs_dir) / "manifest.csv"
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["file"]: r.get("venue") or "" for r in csv.DictReader(fh)}


def load_examples(sources: Iterable[GoldSource], split: str = "dev") -> tuple[list, list]:
    """Parsed gold papers of a split as `extractors.learned.Example`s (rules run on each),
    and (file, error) for the PDFs that could not be read. Venue from the gold row, else
    the PDF folder's manifest.csv."""
    from extractors.detectors import run_rules
    from extractors.extract_pdf import _drop_reference_evidence
    from extractors.layout import build_document
    from extractors.learned import Example
    from extractors.pdftext import read_pdf

    examples, errors = [], []
    for source in sources:
        venues = _manifest_venues(source.pdfs)
        for row in load_gold(source.gold, split):
            try:
                doc = build_document(read_pdf(Path(source.pdfs) / row["file"]))
            except Exception as exc:  # noqa: BLE001 - one bad PDF must not end the evaluation
                errors.append((row["file"], str(exc)))
                continue
            rules = {c: _drop_reference_evidence(r, doc) for c, r in run_rules(doc).items()}
            labels = row["labels"]
            examples.append(
                Example(
                    row["file"],
                    row.get("venue") or venues.get(row["file"]) or "unknown",
                    doc.units,
                    rules,
                    {c: bool(labels[c]["reported"]) for c in CATEGORIES},
                    {
                        c: [(e["page"], e["text"]) for e in labels[c]["evidence"]]
                        for c in CATEGORIES
                    },
                    row["target"],
                    doc,
                )
            )
    return examples, errors


def venue_folds(examples: list, min_papers: int = 5) -> dict[str, list[int]]:
    """Leave-one-venue-out folds: one per venue with `min_papers`+ papers, the smaller
    venues pooled into one fold ("small venues")."""
    counts = Counter(ex.venue for ex in examples)
    folds: dict[str, list[int]] = {}
    for i, ex in enumerate(examples):
        key = ex.venue if counts[ex.venue] >= min_papers else "small venues"
        folds.setdefault(key, []).append(i)
    return dict(sorted(folds.items()))


def _fold_targets(train: list, held: list, cache: dict | None = None) -> dict[str, str] | None:
    """Targets of the `held` papers from a paper-level target stacker fitted on `train` only
    (None where no stacker ships: the abstract model, which never trains on gold papers,
    decides)."""
    from extractors import target_paper

    if target_paper.load() is None:
        return None
    train = [ex for ex in train if ex.doc is not None]
    held = [ex for ex in held if ex.doc is not None]
    if not train or not held:  # papers without a parsed document: nothing to fit or decide
        return None
    x = target_paper.example_features(train, cache=cache)
    model = target_paper.fit(x, [ex.target for ex in train])
    return {
        ex.file: model.decide(v)
        for ex, v in zip(held, target_paper.example_features(held, cache=cache))
    }


def _cards(examples: list, model, targets: dict[str, str] | None = None) -> dict[str, dict]:
    """Check-card dicts for examples under a learned model (target from `targets`, else
    the shipped model)."""
    from extractors.extract_pdf import _target
    from extractors.learned import decide

    out = {}
    for ex in examples:
        results = decide(model, ex.units, ex.rules)
        doc = ex.doc
        if targets and ex.file in targets:
            target = targets[ex.file]
        else:
            target = (
                _target(doc.title, doc.abstract, doc.introduction, doc=doc)[0] if doc else "other"
            )
        out[ex.file] = {
            "file": ex.file,
            "target": target,
            "title": doc.title if doc else None,
            "labels": {
                c: {
                    "reported": r.reported,
                    "evidence": [{"page": e.page, "text": e.text} for e in r.evidence],
                }
                for c, r in results.items()
            },
        }
    return out


def _gold_row(ex) -> dict:
    return {
        "file": ex.file,
        "target": ex.target,
        "labels": {
            c: {
                "reported": ex.gold[c],
                "evidence": [{"page": p, "text": t} for p, t in ex.evidence[c]],
            }
            for c in CATEGORIES
        },
    }


def lovo(
    examples: list,
    categories: Iterable[str] | None = None,
    *,
    bootstrap: int = BOOTSTRAP,
    min_papers: int = 5,
    c: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[EvalReport, dict]:
    """Leave-one-venue-out on (dev) examples: for each venue, train the unit classifiers
    (and the paper-level target stacker) on the other venues' papers, decide the held-out
    venue's papers; pooled scores with bootstrap intervals, and per-venue F1."""
    from extractors.learned import LEARNED_CATEGORIES, train

    cats = tuple(categories or LEARNED_CATEGORIES)
    predicted: dict[str, dict] = {}
    per_venue = {}
    target_cache: dict = {}
    for venue, idx in venue_folds(examples, min_papers).items():
        held = set(idx)
        rest = [ex for i, ex in enumerate(examples) if i not in held]
        model = train(rest, cats, c=c)
        # the paper-level target stacker trains on gold papers: refitted per fold too
        targets = _fold_targets(rest, [examples[i] for i in idx], target_cache)
        cards = _cards([examples[i] for i in idx], model, targets)
        predicted.update(cards)
        rep = score([_gold_row(examples[i]) for i in idx], cards)
        per_venue[venue] = {"papers": len(idx), **{c: rep.scores[c].f1 for c in CATEGORIES}}
        if progress:
            progress(f"lovo {venue}: {len(idx)} papers")
    report = score([_gold_row(ex) for ex in examples], predicted)
    if bootstrap:
        report.intervals = bootstrap_intervals(report.outcomes, n=bootstrap)
    return report, per_venue


@dataclass(frozen=True)
class CurvePoint:
    """Learning-curve point: F1 per category (mean and SD over seeded subsamples)."""

    n_train: int
    f1_mean: dict[str, float]
    f1_sd: dict[str, float]


def learning_curve(
    examples: list,
    sizes: Sequence[int],
    *,
    seeds: int = 2,
    folds: int = 3,
    categories: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[CurvePoint]:
    """F1 of the unit classifiers (every candidate category by default) against the number
    of training papers: `folds`-fold split of the examples; per fold, size and seed, train
    on a seeded subsample of the other folds, score the fold; predictions are pooled over
    folds, then F1's mean and SD over seeds per size."""
    import random

    from extractors.learned import CANDIDATE_CATEGORIES, decide, train

    cats = tuple(categories or CANDIDATE_CATEGORIES)
    order = list(range(len(examples)))
    random.Random(0).shuffle(order)
    fold_of = {i: j % folds for j, i in enumerate(order)}
    points = []
    for n in sizes:
        f1s: dict[str, list[float]] = {c: [] for c in cats}
        for seed in range(seeds):
            counts: dict[str, Counter[tuple[bool, bool]]] = {c: Counter() for c in cats}
            for k in range(folds):
                pool = [i for i in order if fold_of[i] != k]
                if n > len(pool):
                    raise ConfigError(f"learning curve size {n} > training pool {len(pool)}")
                sample = random.Random(1000 * seed + k).sample(pool, n)
                model = train([examples[i] for i in sample], cats, seed=seed)
                for i in order:
                    if fold_of[i] != k:
                        continue
                    ex = examples[i]
                    res = decide(model, ex.units, ex.rules)
                    for c in cats:
                        counts[c][(ex.gold[c], res[c].reported)] += 1
            for c in cats:
                s = Score(
                    counts[c][(True, True)],
                    counts[c][(False, True)],
                    counts[c][(True, False)],
                    counts[c][(False, False)],
                )
                f1s[c].append(s.f1)
            if progress:
                progress(f"curve n={n} seed={seed}")
        points.append(
            CurvePoint(
                n,
                {c: float(np.mean(v)) for c, v in f1s.items()},
                {c: float(np.std(v)) for c, v in f1s.items()},
            )
        )
    return points


def curve_verdict(points: list[CurvePoint], min_gain: float = 0.02) -> dict[str, str]:
    """Per category: 'still rising' when the last step of the curve gained at least
    `min_gain` F1 per doubling of training papers, else 'flat'."""
    import math

    if len(points) < 2:
        return {}
    a, b = points[-2], points[-1]
    doublings = max(math.log2(b.n_train / a.n_train), 1e-9)
    return {
        c: ("still rising" if (b.f1_mean[c] - a.f1_mean[c]) / doublings >= min_gain else "flat")
        for c in b.f1_mean
    }
