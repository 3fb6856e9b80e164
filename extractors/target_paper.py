"""target from the whole paper: the abstract model's view of the abstract and of the
introduction's claim sentences, plus full-text cues, combined by a small four-way stacker.

Inputs (20 numbers a paper): the abstract model's (extractors.target) log-probabilities
for title + abstract and for title + the introduction's claim sentences (the model never
trains on a gold paper's abstract or on any introduction, so these are out-of-sample on
every gold paper), and 12 log-scaled counts of the full text (theorems, proofs,
accuracy and efficiency result phrases in abstract/introduction/conclusion and in the
body, efficiency and task-metric table columns, dataset / position / theory wording,
pages). A multinomial logistic regression (standardised inputs, C=0.1, balanced classes)
trained on the dev gold papers decides; shipped as JSON (`models/target_paper.json`) and
scored with the standard library, so extraction needs no scikit-learn. Where no paper
model is shipped, or it was fitted on another abstract model, the abstract model decides
alone (extractors.target).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from extractors.document import Document, TextUnit
from extractors.schema import TARGETS

if TYPE_CHECKING:
    from extractors.learned import Example

PAPER_MODEL_PATH = Path(__file__).parent / "models" / "target_paper.json"
FORMAT = "target-paper-stack/1"
C_VALUE = 0.1  # chosen by leave-one-venue-out on the dev papers (0.03-0.3 within 0.02)

# Sentences of the introduction (and conclusion) that state the contribution or its result.
_CLAIM = re.compile(
    r"\b(?:we|our|this (?:paper|work)|in this (?:paper|work))\b[^.]{0,120}\b(?:propos|present|"
    r"introduc|develop|design|contribut|show|demonstrat|achiev|outperform|improv|reduc|"
    r"accelerat|speed|achieve|obtain|surpass|release|collect|construct|prove|establish|"
    r"deriv|analy[sz]|stud|investigat|argu)",
    re.IGNORECASE,
)
_CONTRIB = re.compile(
    r"\b(?:our (?:main )?contributions?|we make the following|contributions? (?:of this|are)|"
    r"to summari[sz]e|in summary)\b",
    re.IGNORECASE,
)
_CONCLUSION_HEAD = re.compile(
    r"^(?:\d+(?:\.\d+)?\.?\s+|[IVX]+\.\s+)?(?:conclusions?|concluding remarks|"
    r"discussion and conclusions?|summary and conclusions?)\b",
    re.IGNORECASE,
)
# The full-text cues are matched on lower-cased text, each only where one of its literal
# starts occurs (str.find), which is many times faster than a regex scan of 30k characters.
_THM = re.compile(r"\b(?:theorem|lemma|proposition|corollary)\s+\d")
_THM_STARTS = ("theorem", "lemma", "proposition", "corollary")
_PROOF = re.compile(r"\bproof(?: of [^.]{0,40})?[.:]")
_ACC_RESULT = re.compile(
    r"state[- ]of[- ]the[- ]art|\bsota\b|outperform|surpass|superior|new state|"
    r"significant(?:ly)? (?:improv|better|outperform)|improv\w* (?:the )?(?:accuracy|performance|"
    r"results|f1|bleu|map|auc)|better (?:accuracy|performance|results)|"
    r"achiev\w+ (?:the )?(?:best|new|state|competitive|higher|better)|higher accuracy"
)
_ACC_STARTS = (
    "state", "sota", "outperform", "surpass", "superior", "new state", "significant", "improv",
    "better", "achiev", "higher accuracy",
)  # fmt: skip
# "3.2x faster", "10 times fewer": anchored on the multiplier, a number right before it
_EFF_TIMES = re.compile(
    r"(?:(?<=\d)|(?<=\d ))(?:×|x|times)\s+(?:faster|fewer|smaller|less|lower|cheaper|"
    r"speed-?ups?|reduction|more efficient|compression)"
)
_EFF_TIMES_STARTS = ("×", "x ", "times")
_EFF_RESULT = re.compile(
    r"speed-?ups? of|"
    r"\b(?:reduc\w*|sav\w*|cut\w*|lower\w*|decreas\w*)\s+(?:\w+\s+){0,3}(?:memory|latency|"
    r"flops|parameters|energy|computation\w*|compute|training time|inference time|"
    r"run-?time|(?:computational )?cost|model size|storage|bandwidth|communication)|"
    r"\bfewer (?:parameters|flops|operations|multiply|gpu|samples|interactions|labels)|"
    r"\bfaster (?:than|training|inference|convergence)|sample[- ]efficien"
)
_EFF_STARTS = ("speed", "reduc", "sav", "cut", "lower", "decreas", "fewer", "faster", "sample")
_EFF_COLUMN = re.compile(
    r"latency|throughput|\bg?flops\b|\bmacs\b|mult-adds|#\s?params|\bparams\b|\bparameters\b|"
    r"memory|\bfps\b|speed-?up|speed\b|run-?time|wall-?clock|time \((?:s|ms|sec|h)\)|energy|"
    r"model size",
    re.IGNORECASE,
)
_ACC_COLUMN = re.compile(
    r"accuracy|\bacc\b|\bf1\b|bleu|rouge|\bmap\b|\bauc\b|error|dice|iou|psnr|top-1|precision|"
    r"recall|comparison with|compared (?:to|with)|state[- ]of[- ]the[- ]art",
    re.IGNORECASE,
)
_DATASET = re.compile(
    r"\bwe (?:introduce|present|release|collect|construct|build|create|curate)\b[^.]{0,60}"
    r"\b(?:dataset|data set|benchmark|corpus|collection)\b",
    re.IGNORECASE,
)
_POSITION = re.compile(
    r"\b(?:we argue|position paper|this survey|we survey|a survey|review of|tutorial|"
    r"case study|lessons learned|perspective|empirical study|we revisit|we investigate whether)\b",
    re.IGNORECASE,
)
_THEORY_CLAIM = re.compile(
    r"\b(?:we prove|we show that|upper bound|lower bound|minimax|regret bound|sample complexity|"
    r"convergence rate|identifiab\w*|guarantee|theoretical)",
    re.IGNORECASE,
)

INTRO_CLAIMS = 12  # claim sentences kept from the introduction (its first ones)
CONCLUSION_UNITS = 12  # body sentences read after a conclusion heading


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(\[])", text or "") if s.strip()]


def claim_sentences(introduction: str | None, limit: int = INTRO_CLAIMS) -> list[str]:
    """The introduction's sentences that state what the paper does or finds (first-person
    contribution, result or method sentences, and any contribution list)."""
    out = []
    for s in _sentences(introduction or ""):
        if _CLAIM.search(s) or _CONTRIB.search(s):
            out.append(s)
            if len(out) >= limit:
                break
    return out


def conclusion_text(units: Sequence[TextUnit], limit: int = CONCLUSION_UNITS) -> str:
    """The body sentences after the last conclusion heading (empty when none is found)."""
    body = [u for u in units if u.section == "body" and u.kind == "sentence"]
    start = None
    for i, u in enumerate(body):
        if _CONCLUSION_HEAD.match(u.text):
            start = i
    if start is None:
        return ""
    return " ".join(u.text for u in body[start : start + limit])


@dataclass(frozen=True)
class PaperCues:
    """Full-text counts the stacker reads (raw counts; `vector` log-scales them)."""

    theorems: int  # "Theorem 2", "Lemma 1" ... in body and appendix
    proofs: int
    acc_front: int  # accuracy-result phrases in abstract + introduction + conclusion
    eff_front: int  # efficiency-result phrases there
    acc_body: int  # the same in the rest of the body
    eff_body: int
    eff_tables: int  # captions / table lines with an efficiency column
    acc_tables: int  # captions / table lines with a task-metric column or comparison
    dataset: int  # "we introduce a dataset / benchmark" in abstract or introduction
    position: int  # survey / position / empirical-study wording there
    theory: int  # theory-result wording there
    pages: int

    def vector(self) -> list[float]:
        """log1p of each count, in field order."""
        return [math.log1p(v) for v in self.__dict__.values()]


CUE_NAMES = tuple(PaperCues.__dataclass_fields__)


_EFF_COLUMN_LC, _ACC_COLUMN_LC, _DATASET_LC, _POSITION_LC, _THEORY_LC = (
    re.compile(rx.pattern) for rx in (_EFF_COLUMN, _ACC_COLUMN, _DATASET, _POSITION, _THEORY_CLAIM)
)
_POSITION_STARTS = (
    "we ", "position paper", "this survey", "a survey", "review of", "tutorial", "case study",
    "lessons learned", "perspective", "empirical study",
)  # fmt: skip
_THEORY_STARTS = (
    "we ", "upper bound", "lower bound", "minimax", "regret bound", "sample complexity",
    "convergence rate", "identifiab", "guarantee", "theoretical",
)  # fmt: skip
_EFF_COLUMN_WORDS = (
    "latency", "throughput", "flops", "macs", "mult-adds", "param", "memory", "fps", "speed",
    "run", "wall", "time (", "energy", "model size",
)  # fmt: skip
_ACC_COLUMN_WORDS = (
    "acc", "f1", "bleu", "rouge", "map", "auc", "error", "dice", "iou", "psnr", "top-1",
    "precision", "recall", "compar", "state",
)  # fmt: skip


def _scan(rx: re.Pattern[str], starts: Sequence[str], text: str) -> int:
    """Non-overlapping matches of `rx` in lower-cased `text`, tried only where one of the
    literal `starts` occurs (every match of `rx` begins with one of them)."""
    positions = set()
    for word in starts:
        i = text.find(word)
        while i >= 0:
            positions.add(i)
            i = text.find(word, i + 1)
    count, end = 0, -1
    for i in sorted(positions):
        if i >= end:
            m = rx.match(text, i)
            if m:
                count, end = count + 1, m.end()
    return count


def _lines(rx: re.Pattern[str], words: Sequence[str], pieces: Sequence[str]) -> int:
    """How many (lower-cased) pieces that contain one of `words` match `rx`."""
    return sum(1 for p in pieces if any(w in p for w in words) and rx.search(p))


def _eff(text: str) -> int:
    return _scan(_EFF_TIMES, _EFF_TIMES_STARTS, text) + _scan(_EFF_RESULT, _EFF_STARTS, text)


def paper_cues(
    abstract: str | None, introduction: str | None, units: Sequence[TextUnit], pages: int
) -> PaperCues:
    """Count the full-text cues of one paper."""
    intro_abs = " ".join([abstract or "", introduction or ""]).lower()
    front = f"{intro_abs} {conclusion_text(units).lower()}"
    body = [u for u in units if u.section in ("body", "appendix")]
    text = " ".join(u.text for u in body if u.kind == "sentence").lower()
    tables = [u.text.lower() for u in body if u.kind in ("caption", "table")]
    return PaperCues(
        theorems=_scan(_THM, _THM_STARTS, text),
        proofs=_scan(_PROOF, ("proof",), text),
        acc_front=_scan(_ACC_RESULT, _ACC_STARTS, front),
        eff_front=_eff(front),
        acc_body=_scan(_ACC_RESULT, _ACC_STARTS, text),
        eff_body=_eff(text),
        eff_tables=_lines(_EFF_COLUMN_LC, _EFF_COLUMN_WORDS, tables),
        acc_tables=_lines(_ACC_COLUMN_LC, _ACC_COLUMN_WORDS, tables),
        dataset=_scan(_DATASET_LC, ("we ",), intro_abs),
        position=_scan(_POSITION_LC, _POSITION_STARTS, intro_abs),
        theory=_scan(_THEORY_LC, _THEORY_STARTS, intro_abs),
        pages=pages,
    )


# ------------------------------------------------------------------ features and decision
ABSTRACT_NAMES = tuple(f"abstract_{t}" for t in TARGETS)
CLAIMS_NAMES = tuple(f"claims_{t}" for t in TARGETS)
FEATURE_NAMES = ABSTRACT_NAMES + CLAIMS_NAMES + CUE_NAMES


def _log_softmax(z: Sequence[float]) -> list[float]:
    top = max(z)
    total = math.log(sum(math.exp(v - top) for v in z))
    return [v - top - total for v in z]


def _abstract_scores(texts: Sequence[str], model_path: Path) -> list[list[float]]:
    """The abstract model's per-label scores, without scikit-learn where targetfast can."""
    from extractors import target, targetfast

    fast = [targetfast.scores(t, model_path) for t in texts]
    if all(z is not None for z in fast):
        return [list(z) for z in fast if z is not None]
    return target._load_model(Path(model_path)).scores(list(texts)).tolist()


def claims_text(title: str | None, introduction: str | None) -> str:
    """Title + the introduction's claim sentences (its opening where it has none)."""
    from extractors.target import target_text

    claims = " ".join(claim_sentences(introduction)) or (introduction or "")[:800]
    return target_text(title, claims)


def paper_features(
    title: str | None,
    abstract: str | None,
    introduction: str | None,
    units: Sequence[TextUnit],
    pages: int,
    model_path: Path | None = None,
) -> list[float]:
    """The stacker's 20 inputs (FEATURE_NAMES order) for one paper."""
    from extractors.target import MODEL_PATH, target_text

    a, c = _abstract_scores(
        [target_text(title, abstract), claims_text(title, introduction)],
        Path(model_path or MODEL_PATH),
    )
    cues = paper_cues(abstract, introduction, units, pages).vector()
    return _log_softmax(a) + _log_softmax(c) + cues


@dataclass
class PaperModel:
    """A four-way linear stacker over standardised inputs; label = argmax of the scores."""

    names: tuple[str, ...]
    mean: list[float]
    scale: list[float]
    coef: list[list[float]]  # one row per label, TARGETS order
    intercept: list[float]
    abstract_model: str  # sha256 of the abstract model file it was fitted on
    report: dict = field(default_factory=dict)

    def scores(self, x: Sequence[float]) -> list[float]:
        """Each label's score (TARGETS order) for one feature vector."""
        z = [(v - m) / s for v, m, s in zip(x, self.mean, self.scale, strict=True)]
        return [b + sum(w * v for w, v in zip(row, z)) for row, b in zip(self.coef, self.intercept)]

    def decide(self, x: Sequence[float]) -> str:
        """The label with the highest score; ties go to the first in TARGETS order."""
        z = self.scores(x)
        return TARGETS[z.index(max(z))]


WEIGHTS_KEY = "weights_sha256"  # written first by target._save, so a cold start reads 90 bytes
_STORED_DIGEST = re.compile(rb'\{"weights_sha256":"([0-9a-f]{64})"')


def weights_digest(data: dict) -> str:
    """sha256 of an abstract model's weights (vocabularies, idf, coefficients, biases): the
    same after a METHOD rename or a new training report in the file."""
    weights = {k: v for k, v in data.items() if k not in ("method", "report", WEIGHTS_KEY)}
    return hashlib.sha256(json.dumps(weights, sort_keys=True).encode()).hexdigest()


def file_digest(path: Path) -> str:
    """`weights_digest` of a model file: the one its writer stored at the head of the file,
    else computed (re-serialising 1.8 MB of weights costs ~0.16 s of every cold check)."""
    with Path(path).open("rb") as fh:
        stored = _STORED_DIGEST.match(fh.read(128))
    if stored:
        return stored.group(1).decode()
    return weights_digest(json.loads(Path(path).read_text()))


def save(model: PaperModel, path: Path = PAPER_MODEL_PATH) -> Path:
    """Write the stacker as JSON (atomically)."""
    payload = {
        "format": FORMAT,
        "features": list(model.names),
        "mean": [round(v, 6) for v in model.mean],
        "scale": [round(v, 6) for v in model.scale],
        "coef": [[round(v, 6) for v in row] for row in model.coef],
        "intercept": [round(v, 6) for v in model.intercept],
        "abstract_model": model.abstract_model,
        "report": model.report,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=1))
    tmp.replace(path)
    return path


@lru_cache(maxsize=4)
def load(path: Path = PAPER_MODEL_PATH) -> PaperModel | None:
    """The stacker in `path`, or None where there is none or its format is not this one."""
    path = Path(path)
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    if data.get("format") != FORMAT or tuple(data.get("features", ())) != FEATURE_NAMES:
        return None
    return PaperModel(
        tuple(data["features"]),
        data["mean"],
        data["scale"],
        data["coef"],
        data["intercept"],
        data["abstract_model"],
        data.get("report", {}),
    )


@lru_cache(maxsize=4)
def _digest(path: Path) -> str:
    return file_digest(path)


def predict_paper(
    doc: Document,
    title: str | None = None,
    abstract: str | None = None,
    *,
    model_path: Path | None = None,
    paper_model_path: Path = PAPER_MODEL_PATH,
) -> tuple[str, str] | None:
    """(label, method) from the whole paper, or None where no usable stacker is shipped
    (then the abstract model decides). `title`/`abstract` (the store's metadata) are
    preferred to the PDF's."""
    from extractors.target import METHOD, MODEL_PATH

    model_path = Path(model_path or MODEL_PATH)
    model = load(Path(paper_model_path))
    if model is None or model.abstract_model != _digest(model_path):
        return None
    title, abstract = title or doc.title, abstract or doc.abstract
    if not any((t or "").strip() for t in (title, abstract, doc.introduction)):
        return "other", "no-text"
    x = paper_features(title, abstract, doc.introduction, doc.units, doc.pages, model_path)
    return model.decide(x), METHOD


# ------------------------------------------------------------------------------ training
@dataclass(frozen=True)
class PaperReport:
    """Leave-one-venue-out figures of the stacker on the dev papers it is trained on."""

    papers: int
    folds: int
    lovo_macro_f1: float
    lovo_accuracy: float
    lovo_confusion: list[list[int]]  # rows truth, columns predicted, TARGETS order


def _fit(x: list[list[float]], y: list[str], c: float, digest: str = "") -> PaperModel:
    """A stacker fitted on (x, y): standardised inputs, balanced multinomial LR."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(np.asarray(x))
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    clf.fit(scaler.transform(np.asarray(x)), y)
    if len(clf.classes_) < 3:
        raise ValueError("the stacker needs at least three labels among the training papers")
    coef = [[0.0] * len(x[0]) for _ in TARGETS]
    intercept = [-1e9] * len(TARGETS)  # a label absent from training never wins
    for k, name in enumerate(clf.classes_):
        coef[TARGETS.index(name)] = [float(v) for v in clf.coef_[k]]
        intercept[TARGETS.index(name)] = float(clf.intercept_[k])
    scale = [float(s) if s > 0 else 1.0 for s in scaler.scale_]
    mean = [float(m) for m in scaler.mean_]
    return PaperModel(FEATURE_NAMES, mean, scale, coef, intercept, digest)


def example_features(
    examples: Sequence[Example], model_path: Path | None = None, cache: dict | None = None
) -> list[list[float]]:
    """The stacker's inputs for gold examples with a parsed document (`cache`, keyed by
    file, spares recomputing them across folds)."""
    cache = {} if cache is None else cache
    out = []
    for ex in examples:
        if ex.file not in cache:
            doc = ex.doc
            if doc is None:
                raise ValueError(f"{ex.file}: no parsed document to read the target from")
            cache[ex.file] = paper_features(
                doc.title, doc.abstract, doc.introduction, doc.units, doc.pages, model_path
            )
        out.append(cache[ex.file])
    return out


def fit(x: list[list[float]], y: list[str], c: float = C_VALUE) -> PaperModel:
    """A stacker fitted on inputs `x` and gold targets `y`, in memory (not saved)."""
    from extractors.target import MODEL_PATH

    return _fit(x, y, c, file_digest(MODEL_PATH))


def train_paper(
    examples: Sequence[Example],
    model_path: Path | None = None,
    out_path: Path = PAPER_MODEL_PATH,
    c: float = C_VALUE,
) -> PaperReport:
    """Fit the stacker on dev gold papers (`extractors.evaluate.load_examples`), report its
    leave-one-venue-out figures (venue folds as `greenlens eval --lovo`), save it."""
    from extractors.evaluate import macro_f1, venue_folds
    from extractors.target import MODEL_PATH

    model_path = Path(model_path or MODEL_PATH)
    examples = [ex for ex in examples if ex.doc is not None]
    x = example_features(examples, model_path)
    y = [ex.target for ex in examples]
    pred = [""] * len(y)
    folds = venue_folds(list(examples))
    for idx in folds.values():
        held = set(idx)
        train_idx = [i for i in range(len(y)) if i not in held]
        fold = _fit([x[i] for i in train_idx], [y[i] for i in train_idx], c)
        for i in idx:
            pred[i] = fold.decide(x[i])
    confusion = [
        [sum(g == a and p == b for g, p in zip(y, pred)) for b in TARGETS] for a in TARGETS
    ]
    report = PaperReport(
        len(y),
        len(folds),
        round(macro_f1(y, pred), 4),
        round(sum(g == p for g, p in zip(y, pred)) / len(y), 4),
        confusion,
    )
    model = _fit(x, y, c, file_digest(model_path))
    model.report = {**report.__dict__, "c": c}
    save(model, out_path)
    load.cache_clear()
    return report
