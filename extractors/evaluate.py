"""Score the extractors against gold annotations: P/R/F1 per category and for target."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from corpus.errors import ConfigError
from extractors.schema import CATEGORIES, TARGETS

SPLITS_PATH = Path(__file__).parent / "gold" / "paper_splits.json"


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

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "papers": self.papers,
            "categories": {c: {"precision": s.precision, "recall": s.recall, "f1": s.f1,
                               "tp": s.tp, "fp": s.fp, "fn": s.fn, "tn": s.tn}
                           for c, s in self.scores.items()},
            "target": {"accuracy": self.target_accuracy, "macro_f1": self.target_macro_f1,
                       "confusion": self.target_confusion},
            "misses": [m.__dict__ for m in self.misses],
            "errors": [{"file": f, "error": e} for f, e in self.errors],
        }


def load_gold(path: Path, split: str = "all", splits_path: Path = SPLITS_PATH) -> list[dict]:
    """Gold paper records, restricted to a split of paper_splits.json (dev|test|all)."""
    from corpus.jsonl import read_jsonl

    rows = read_jsonl(path, needs=("file",))
    if split == "all":
        return rows
    if split not in ("dev", "test"):
        raise ConfigError(f"unknown split {split!r}: use dev, test or all")
    if all("split" in r for r in rows):  # a gold file that carries its own split
        return [r for r in rows if r["split"] == split]
    wanted = set(json.loads(Path(splits_path).read_text())[split])
    return [r for r in rows if r["file"] in wanted]


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
        outcomes.append({
            "file": row["file"],
            "truth": {**{c: bool(row["labels"][c]["reported"]) for c in CATEGORIES},
                      "target": row["target"]},
            "predicted": {**{c: bool(card["labels"][c]["reported"]) for c in CATEGORIES},
                          "target": card["target"]}})
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
            misses.append(Miss(row["file"], "target", row["target"], card["target"],
                               card.get("title") or ""))
    scores = {c: Score(n[(True, True)], n[(False, True)], n[(True, False)], n[(False, False)])
              for c, n in counts.items()}
    confusion = {g: {p: sum(1 for a, b in zip(gold_t, pred_t) if a == g and b == p)
                     for p in TARGETS} for g in TARGETS}
    accuracy = sum(a == b for a, b in zip(gold_t, pred_t)) / len(gold_t) if gold_t else 0.0
    return EvalReport(len(gold_t), scores, accuracy, macro_f1(gold_t, pred_t), confusion,
                      misses, outcomes=outcomes)


def evaluate(gold_path: Path, pdfs_dir: Path, *, split: str = "all",
             check: Callable[[Path], dict] | None = None) -> EvalReport:
    """Run the extractors on every gold paper's PDF and score them against gold."""
    if check is None:
        from extractors.card import PaperReport
        from extractors.extract_pdf import analyse_pdf

        def check(path: Path) -> dict:
            return PaperReport.from_analysis(analyse_pdf(path)).to_json_dict()

    rows = load_gold(gold_path, split)
    predicted, errors = {}, []
    for row in rows:
        try:
            predicted[row["file"]] = check(Path(pdfs_dir) / row["file"])
        except Exception as exc:  # noqa: BLE001 - one bad PDF must not end the evaluation
            errors.append((row["file"], str(exc)))
    report = score(rows, predicted)
    report.errors = errors
    return report
