"""target: does a paper's main claim concern accuracy, efficiency, both, or neither?

One four-way (multinomial) logistic regression over TF-IDF n-grams, title words and a
claim lexicon built from ANNOTATION.md's definitions (efficiency terms and cost claims,
accuracy claims, method proposals, theory/analysis/dataset/position cues, sample
efficiency). The label is argmax(score + bias), the per-label biases chosen by
leave-one-venue-out CV on the dev split. Trained on the gold abstracts' dev split only,
shipped as plain JSON (vocabularies, idf, weights) so it loads under any scikit-learn
version, and retrainable with `greenlens train-target`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from extractors.gold import GOLD_DIR, PAPER_FILES
from extractors.schema import TARGETS

if TYPE_CHECKING:  # NumPy and sklearn are imported where used: a prediction needs neither
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

MODEL_PATH = Path(__file__).parent / "models" / "target.json"
GOLD_ABSTRACTS = Path(__file__).parent / "gold" / "abstracts.jsonl"
GOLD_ABSTRACTS_WIDE = Path(__file__).parent / "gold" / "abstracts_wide.jsonl"
GOLD_ABSTRACTS_R5 = Path(__file__).parent / "gold" / "abstracts_r5.jsonl"
GOLD_ABSTRACTS_R5_ANTHOLOGY = Path(__file__).parent / "gold" / "abstracts_r5_anthology.jsonl"
GOLD_ABSTRACT_FILES = (
    GOLD_ABSTRACTS,
    GOLD_ABSTRACTS_WIDE,
    GOLD_ABSTRACTS_R5,
    GOLD_ABSTRACTS_R5_ANTHOLOGY,
)
GOLD_PAPERS = tuple(GOLD_DIR / name for name in PAPER_FILES)
# v5: a parsed PDF's target is decided by the paper-level stacker (target_paper.py) over
# this model; v4: one 4-way head, venue-CV biases, lexicon v2
METHOD = "tfidf+lexicon-mlogreg:target/v5"
_VECTORIZER_ARGS = {
    "ngram_range": (1, 2),
    "min_df": 2,
    "sublinear_tf": True,
    "lowercase": True,
    "strip_accents": "unicode",
    "max_features": 30000,
}
_TITLE_VECTORIZER_ARGS = {
    "ngram_range": (1, 1),
    "min_df": 2,
    "sublinear_tf": True,
    "lowercase": True,
}
_C, _TITLE_WEIGHT, _LEXICON_WEIGHT = 16.0, 0.5, 2.0  # chosen by CV on the dev split
_EFF = re.compile(
    r"efficien|fast|speed|accelerat|compress|prun|quantiz|distill|lightweight|"
    r"light-weight|low-cost|cheap|flops|latency|memory|energy|smaller|compact|"
    r"real-time|sparse|sparsity|scalab|throughput|parameter-efficient|fewer|cost",
    re.IGNORECASE,
)
_COST_CLAIM = re.compile(
    r"reduc|sav|lower|less|fewer|faster|speed|cut|decreas|smaller|"
    r"without (?:sacrificing|loss|compromising)|comparable|on par|"
    r"while (?:maintaining|preserving|retaining)",
    re.IGNORECASE,
)
_ACC_CLAIM = re.compile(
    r"state-of-the-art|outperform|surpass|superior|new state|"
    r"significant(?:ly)? improv|improves? (?:the )?(?:accuracy|performance|"
    r"results)|better (?:accuracy|performance|results)|achiev\w+ (?:the )?"
    r"(?:best|new|state)",
    re.IGNORECASE,
)
_OTHER = re.compile(
    r"we prove|theor|bound|we analy[sz]|analysis|dataset|corpus|benchmark|"
    r"survey|we study|we investigate|understand|empirical study|annotat|"
    r"we show that|regret|convergence rate|lower bound|sample complexity",
    re.IGNORECASE,
)
_DATASET_TITLE = re.compile(r"dataset|benchmark|corpus", re.IGNORECASE)
# Lexicon v2, one cue per concept of ANNOTATION.md's target definitions (not single papers):
# a proposed method (the usual carrier of an accuracy claim), a task metric named,
# sample efficiency (an efficiency claim), a position/survey paper, a theory result.
_PROPOSE = re.compile(
    r"\bwe (?:propose|present|introduce|develop|design)\b[^.]{0,60}\b(?:method|algorithm|"
    r"framework|model|approach|architecture|loss|network|technique|scheme|strategy|estimator)"
)
_METRIC = re.compile(
    r"\b(?:accuracy|f1|bleu|rouge|map|auc|error rate|performance|precision|recall|dice)\b"
)
_DATA_EFF = re.compile(
    r"\b(?:sample[- ]efficien\w*|fewer (?:samples|labels|interactions|examples|annotations)|"
    r"less (?:data|supervision|labell?ed data))"
)
_POSITION = re.compile(
    r"\b(?:we argue|position paper|survey|review of|we revisit|case study|lessons|"
    r"perspective|tutorial)\b"
)
_THEORY = re.compile(
    r"\b(?:we prove|theorem|upper bound|lower bound|minimax|regret bound|sample complexity|"
    r"convergence rate|identifiab\w*|guarantee)"
)
# The same lexicon matched case-sensitively on lower-cased text: several times faster than
# IGNORECASE over 66k abstracts, and the same counts (the patterns are lower-case ASCII).
_EFF_LC, _COST_LC, _ACC_LC, _OTHER_LC, _DATASET_LC = (
    re.compile(p.pattern) for p in (_EFF, _COST_CLAIM, _ACC_CLAIM, _OTHER, _DATASET_TITLE)
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_INTRO_CHARS = 800  # the introduction's opening states the contribution; more adds noise


@dataclass(frozen=True)
class TargetReport:
    """Training figures: cross-validated on dev, and on the held-out test split."""

    n_dev: int
    n_test: int
    cv_accuracy: float
    cv_macro_f1: float
    test_accuracy: float | None
    test_macro_f1: float | None


def target_text(title: str | None, abstract: str | None, introduction: str | None = None) -> str:
    """The text the classifier reads: title, abstract and the introduction's opening."""
    parts = [title or "", abstract or "", (introduction or "")[:_INTRO_CHARS]]
    return "\n".join(p for p in parts if p)


def load_gold_abstracts(
    gold_path: Path | Sequence[Path], corpus_dir: Path, pmlr_repos: Path | None = None
) -> list[dict]:
    """Gold abstract labels (one or several files) joined with their title and abstract
    text: ACL/ML Anthology ids from the corpus, `pmlr:` ids from clones of the PMLR volumes
    under `pmlr_repos` (skipped without it). Rows whose text is not found are left out."""
    from corpus.jsonl import read_jsonl
    from extractors.gold.corpus_abstracts import load_wide_index

    paths = [Path(gold_path)] if isinstance(gold_path, (str, Path)) else list(gold_path)
    rows = [r for p in paths for r in read_jsonl(p, needs=("id",))]
    texts = {rec.id: (rec.title, rec.abstract) for rec in load_wide_index(corpus_dir).values()}
    if pmlr_repos is not None and any(r["id"].startswith("pmlr:") for r in rows):
        from extractors.gold.sample_wide_abstracts import iter_pmlr_posts

        volumes = sorted({r["id"][5:].split("/")[0] for r in rows if r["id"].startswith("pmlr:")})
        try:
            posts = iter_pmlr_posts(pmlr_repos, volumes)
        except FileNotFoundError as exc:
            from corpus.errors import ConfigError

            raise ConfigError(f"{exc}: the gold abstracts name these volumes: {volumes}") from exc
        texts.update({rec.id: (rec.title, rec.abstract) for rec in posts})
    out = []
    for r in rows:
        if r["id"] in texts:
            title, abstract = texts[r["id"]]
            out.append({**r, "text": target_text(title, abstract)})
    return out


_NORM = re.compile(r"[^a-z0-9]")


def gold_paper_keys(
    corpus_dir: Path, papers: Sequence[Path] = GOLD_PAPERS
) -> tuple[set[str], set[str]]:
    """(ids, normalised titles) of every gold *paper* (dev and test): the target of those
    papers is judged on their full text, so their abstracts are never trained on."""
    import csv

    ids, files = set(), set()
    for path in papers:
        if not Path(path).is_file():
            continue
        for line in Path(path).read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                files.add(row["file"])
                if row.get("volume") and row.get("id"):
                    ids.add(f"pmlr:{row['volume']}/{row['id']}")
    titles = set()
    manifest = Path(corpus_dir) / "pdfs" / "manifest.csv"
    if manifest.is_file():
        with manifest.open(newline="", encoding="utf-8") as fh:
            titles = {
                _NORM.sub("", r["title"].lower())
                for r in csv.DictReader(fh)
                if r["file"] in files and r.get("title")
            }
    return ids, titles


def _title(text: str) -> str:
    return text.split("\n", 1)[0]


def _features(texts: Sequence[str]) -> np.ndarray:
    """Each text's lexicon_features, one row per text."""
    import numpy as np

    rows = [lexicon_features(t) for t in texts]
    return np.asarray(rows, dtype=float).reshape(len(rows), _N_LEXICON)


def lexicon_features(text: str) -> list[float]:
    """Claim-lexicon counts (log1p): efficiency terms, efficiency claims, accuracy claims,
    'other' cues, the same cues in the title, then lexicon v2's concept cues (matched on
    the lower-cased text). In plain Python, so that a prediction needs no NumPy; training
    reads the same floats (`_features`)."""
    text = text.lower()
    title = _title(text)
    sentences = _SENTENCE_END.split(text)
    proposals = len(_PROPOSE.findall(text)) if "we " in text else 0
    counts = [
        len(_EFF_LC.findall(text)),
        bool(_EFF_LC.search(title)),
        sum(1 for x in sentences if _EFF_LC.search(x) and _COST_LC.search(x)),
        len(_ACC_LC.findall(text)),
        len(_OTHER_LC.findall(text)),
        bool(_OTHER_LC.search(title)),
        bool(_DATASET_LC.search(title)),
        proposals,
        len(_METRIC.findall(text)) if proposals else 0,
        len(_DATA_EFF.findall(text)),
        len(_POSITION.findall(text)),
        len(_THEORY.findall(text)),
    ]
    return [math.log1p(c) for c in counts]


_N_LEXICON = 12


@dataclass
class _Model:
    """One four-way logistic regression over one design; label = argmax(score + bias)."""

    words: TfidfVectorizer
    titles: TfidfVectorizer
    coef: np.ndarray  # 4 x n_features, rows in TARGETS order
    intercept: np.ndarray
    bias: tuple[float, ...]  # added to each label's score before the argmax

    def design(self, texts: Sequence[str]):
        from scipy.sparse import csr_matrix, hstack

        return hstack(
            [
                self.words.transform(texts),
                self.titles.transform([_title(t) for t in texts]) * _TITLE_WEIGHT,
                csr_matrix(_features(texts)) * _LEXICON_WEIGHT,
            ]
        ).tocsr()

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Each text's score per label (TARGETS order): the logits before the bias."""
        import numpy as np

        return np.asarray(self.design(texts) @ self.coef.T + self.intercept)

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [decide(z, self.bias) for z in self.scores(texts)]


def decide(scores: Iterable[float], bias: Iterable[float]) -> str:
    """The label (TARGETS order) whose score plus bias is highest; ties go to the first."""
    best, label = -math.inf, TARGETS[0]
    for z, b, name in zip(scores, bias, TARGETS, strict=True):
        if z + b > best:
            best, label = z + b, name
    return label


def _fit(texts: list[str], labels: list[str], bias=(0.0, 0.0, 0.0, 0.0)) -> _Model:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    words = TfidfVectorizer(**_VECTORIZER_ARGS).fit(texts)
    titles = TfidfVectorizer(**_TITLE_VECTORIZER_ARGS).fit([_title(t) for t in texts])
    model = _Model(words, titles, np.zeros((len(TARGETS), 1)), np.zeros(len(TARGETS)), bias)
    x = model.design(texts)
    clf = LogisticRegression(C=_C, max_iter=3000, class_weight="balanced").fit(x, labels)
    # a label absent from a small training fold keeps a score that never wins
    coef = np.zeros((len(TARGETS), x.shape[1]))
    intercept = np.full(len(TARGETS), -1e9)
    classes = list(clf.classes_)
    if len(classes) == 2:  # scikit-learn keeps one row for two classes
        coef[TARGETS.index(classes[1])], intercept[TARGETS.index(classes[1])] = (
            clf.coef_[0],
            clf.intercept_[0],
        )
        intercept[TARGETS.index(classes[0])] = 0.0
    else:
        for row, name in enumerate(classes):
            coef[TARGETS.index(name)] = clf.coef_[row]
            intercept[TARGETS.index(name)] = clf.intercept_[row]
    model.coef, model.intercept = coef, intercept
    return model


def venue_group(venue: str | None) -> str:
    """The CV group of an abstract: its venue, the PMLR volumes pooled into one."""
    venue = venue or "unknown"
    return "pmlr" if venue.startswith("pmlr") else venue


_BIAS_GRID = (-1.0, -0.5, 0.0, 0.5, 1.0)


def train(
    gold_path: Path | Sequence[Path],
    corpus_dir: Path,
    out_path: Path = MODEL_PATH,
    seed: int = 0,
    pmlr_repos: Path | None = None,
    score_test: bool = True,
) -> TargetReport:
    """Fit on the dev split (minus the gold papers' own abstracts), choose the per-label
    biases by leave-one-venue-out CV on dev (macro-F1; 5 stratified folds where dev has
    fewer than 3 venues), report those CV figures and, with `score_test`, the held-out
    test split, and save the model as JSON."""
    import itertools

    import numpy as np
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    rows = load_gold_abstracts(gold_path, corpus_dir, pmlr_repos)
    sealed_ids, sealed_titles = gold_paper_keys(corpus_dir)
    rows = [
        r
        for r in rows
        if r["id"] not in sealed_ids
        and _NORM.sub("", _title(r["text"]).lower()) not in sealed_titles
    ]
    dev = [r for r in rows if r.get("split", "dev") == "dev"]
    test = [r for r in rows if r.get("split") == "test"]
    x, y = [r["text"] for r in dev], [r["label"] for r in dev]
    groups = [venue_group(r.get("venue")) for r in dev]
    if len(set(groups)) >= 3:
        folds = [
            (
                [i for i, g in enumerate(groups) if g != held],
                [i for i, g in enumerate(groups) if g == held],
            )
            for held in sorted(set(groups))
        ]
    else:
        folds = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(x, y))
    scores = np.zeros((len(dev), len(TARGETS)))
    for train_idx, val_idx in folds:
        fold = _fit([x[i] for i in train_idx], [y[i] for i in train_idx])
        scores[val_idx] = fold.scores([x[i] for i in val_idx])

    def cv_f1(bias):
        pred = [decide(z, bias) for z in scores]
        return f1_score(y, pred, average="macro", labels=list(TARGETS), zero_division=0)

    # the first label's bias stays 0 (only differences matter); ties keep the smaller bias
    candidates = [(0.0, *b) for b in itertools.product(_BIAS_GRID, repeat=len(TARGETS) - 1)]
    candidates.sort(key=lambda b: sum(abs(v) for v in b))
    best = max(candidates, key=cv_f1)
    cv_pred = [decide(z, best) for z in scores]
    model = _fit(x, y, best)
    test_acc = test_f1 = None
    if test and score_test:
        pred, gold = model.predict([r["text"] for r in test]), [r["label"] for r in test]
        test_acc = float(accuracy_score(gold, pred))
        test_f1 = float(
            f1_score(gold, pred, average="macro", labels=list(TARGETS), zero_division=0)
        )
    report = TargetReport(
        len(dev),
        len(test) if score_test else 0,
        float(accuracy_score(y, cv_pred)),
        float(cv_f1(best)),
        test_acc,
        test_f1,
    )
    _save(model, out_path, report)
    _load_model.cache_clear()
    return report


def _vectorizer_state(vec) -> dict:
    vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
    return {"vocabulary": vocab, "idf": [round(float(v), 5) for v in vec.idf_]}


def _save(model: _Model, path: Path, report: TargetReport) -> None:
    from extractors.target_paper import WEIGHTS_KEY, weights_digest

    body = {
        "method": METHOD,
        "words": _vectorizer_state(model.words),
        "titles": _vectorizer_state(model.titles),
        "coef": [[round(float(v), 5) for v in row] for row in model.coef],
        "intercept": [round(float(v), 5) for v in model.intercept],
        "bias": list(model.bias),
        "report": report.__dict__,
    }
    # first in the file: the stacker checks it without parsing the weights
    payload = {WEIGHTS_KEY: weights_digest(body), **body}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, separators=(",", ":")))
    tmp.replace(path)


def _vectorizer(args: dict, state: dict):
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(**{**args, "vocabulary": state["vocabulary"]})
    vec.idf_ = np.asarray(state["idf"])
    return vec


@lru_cache(maxsize=2)
def _load_model(path: Path = MODEL_PATH) -> _Model:
    import numpy as np

    data = json.loads(Path(path).read_text())
    return _Model(
        _vectorizer(_VECTORIZER_ARGS, data["words"]),
        _vectorizer(_TITLE_VECTORIZER_ARGS, data["titles"]),
        np.asarray(data["coef"]),
        np.asarray(data["intercept"]),
        tuple(data["bias"]),
    )


def predict_target(
    title: str | None,
    abstract: str | None,
    introduction: str | None = None,
    *,
    model_path: Path = MODEL_PATH,
) -> tuple[str, str]:
    """(label, method) for one paper; 'other' with method 'no-text' when there is no text."""
    return predict_many([target_text(title, abstract, introduction)], model_path)[0]


def predict_many(texts: Sequence[str], model_path: Path = MODEL_PATH) -> list[tuple[str, str]]:
    """Labels for many texts at once."""
    model = _load_model(Path(model_path))
    labels = model.predict(list(texts)) if texts else []
    return [
        ("other", "no-text") if not t.strip() else (label, METHOD)
        for t, label in zip(texts, labels)
    ]
