"""training_curve: a figure of a metric or loss against training progress."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.detectors import common
from extractors.document import TextUnit
from extractors.findings import Finding

METHOD = "rules:training_curve/v2"
_METRIC = (
    r"(?:loss|losses|accuracy|accuracies|error|errors|perplexity|ppl|BLEU|reward|returns?|"
    r"(?:duality|dual|optimality) gap|"
    r"improvement|likelihood|"
    r"score|F1|mAP|AUC|likelihood|ELBO|objective|performance|precision|recall|curves?|"
    r"cost|NLL|WER|PSNR|FID|IoU|Dice|convergence|norm)"
)
_PROGRESS = (
    r"(?:\d[\d,.]*\s+)?(?:total\s+|cumulative\s+)?"
    r"(?:(?:training|train|optimization|gradient|fine-tuning|learning|pre-?training|global|outer|"
    r"communication)\s+)?"
    r"(?:epochs?|iterations?|iters?|steps?|updates?|training time|wall-?clock(?: time)?|"
    r"(?:elapsed|CPU) time|"
    r"time|GPU[- ]hours|FLOPs|compute|minibatches|mini-batches|batches|rounds|"
    r"episodes|frames|samples seen|tokens seen|numbers? of (?:training\s+)?(?:epochs|iterations|steps|"
    r"updates|training steps|training iterations))"
)
# A convergence rate of learning theory or numerical analysis, not a plotted one: "uniform
# convergence rate", "a convergence rate in O(1/n)", "its convergence rate is characterized
# by the VC-dimension".
_THEORY_RATE = (
    r"(?<!uniform )(?<!asymptotic )(?<!theoretical )(?<!linear )(?<!sublinear )"
    r"(?<!superlinear )(?<!quadratic )(?<!geometric )(?<!minimax )"
)
_RATE_STATEMENT = (
    r"(?!\s+(?:(?:in|of)\s+O\b|(?:of|is|are)\s+(?:order|\d|1/|√)|"
    r"(?:is|are|can be|could be|will be)\s+(?:\w+\s+)?(?:characteri[sz]ed|bounded|"
    r"determined|governed|proven|proved|guaranteed|established|derived)))"
)
_CURVE = re.compile(
    rf"{_METRIC}s?\b[^.;]{{0,80}}?\b(?:vs\.?|versus|against|over|as a function of|w\.r\.t\.|"
    rf"with respect to|during|throughout|across|per|along|by|with|(?:for|over) the first)\s+"
    rf"(?:both\s+)?(?:the\s+)?(?:number of\s+)?"
    rf"{_PROGRESS}\b|\btraining curves?\b|\b(?:training|validation|test|train|dev)\s+"
    rf"(?:loss|accuracy|error|perplexity)\s+curves?\b|{_THEORY_RATE}\bconvergence (?:curves?|"
    rf"plots?|speed|behaviou?r|rate)\b{_RATE_STATEMENT}|\bx-axis[^.]{{0,60}}\b(?:epochs?|iterations?|steps?|updates?)\b|"
    rf"\b(?:epochs?|iterations?|training steps?|updates?)\s+(?:vs\.?|versus)\s+{_METRIC}|"
    rf"\blearning curves?\b|\btraining profiles?\b|\bloss plots?\b|\b(?:training|validation|test|train|dev|"
    rf"loss|error|accuracy)(?:\s+and\s+(?:training|validation|test|dev))?\s+(?:loss\s+|"
    rf"error\s+|accuracy\s+)?curves?\b|\bover (?:the )?number of training (?:steps|"
    rf"epochs|iterations)\b|\bduring training\b|\bthroughout (?:the )?training\b|"
    rf"\bover the course of training\b|"
    rf"\btraining progress\b|\bas training progresses\b|\bplot(?:s|ted)?\b[^.;]{{0,80}}?\b(?:across|over|"
    rf"against|versus|vs\.?|as a function of)\s+(?:the\s+)?(?:number of\s+)?(?:training\s+)?"
    rf"(?:epochs|iterations|steps|episodes|rounds|updates)\b",
    re.IGNORECASE,
)
GATE = common.keyword_gate(
    (
        "epoch",
        "iter",
        "step",
        "update",
        "time",
        "flop",
        "compute",
        "batch",
        "round",
        "episode",
        "frame",
        "seen",
        "curve",
        "convergence",
        "x-axis",
        "profile",
        "loss plot",
        "training",
    )
)
_NOT_PROGRESS = re.compile(
    r"(?:training|data(?:set)?|model|sample|corpus|vocabulary)\s+size|"
    r"(?:of|with) varying sizes?|set sizes?\b|"
    r"number of (?:training )?(?:examples|samples|parameters|layers|"
    r"labels|labeled)|amount of (?:training )?data|fraction of|"
    r"percentage of (?:training )?data|(?:different|various|varying) (?:mini-?)?batch sizes?",
    re.IGNORECASE,
)
_FIGURE = re.compile(r"^\s*(?:Figure|Fig\.?)\s*\d", re.IGNORECASE)
_REFERS_TO_FIGURE = re.compile(
    r"\b(?:Figure|Fig\.?)\s*\d|\b(?:plot|plotted|shown|shows|illustrat|"
    r"depict|visuali[sz])|^\((?:left|right|top|bottom)\)|"
    r"^(?:top|bottom|left|right|middle|center)(?:[ -](?:left|right|center|middle|row|panel))?\s*:",
    re.IGNORECASE,
)
_TABLE = re.compile(r"^\s*(?:Table|Tab\.)\s*[A-Z]?\d", re.IGNORECASE)
_WEAK = re.compile(
    r"(?i)during training|throughout (?:the )?training|over the course of training|"
    r"training progress|"
    r"learning curves?"
)


# How plotted curves are described: "Learning curves are averaged over 5 independent trials,
# with standard deviations shaded".
_PLOTTED = re.compile(
    r"\baveraged over\b|\bshaded\b|\bstandard deviations?\b|\bconfidence (?:intervals?|bands?)\b|"
    r"\b(?:random )?seeds\b",
    re.IGNORECASE,
)


# Learning curves that run to a stated amount of training ("learning curves ... after 20,000
# steps"): their x-axis is training progress, not data size.
_COUNTED_PROGRESS = re.compile(
    r"\b\d[\d,.]*\s*(?:k|K|M|thousand|million)?\s+(?:training\s+|environment\s+|gradient\s+)?"
    r"(?:epochs|iterations|steps|episodes|updates|time-?steps|frames)\b"
)


def _score(unit: TextUnit):
    text = unit.text
    m = _CURVE.search(text)
    if not m or common.is_related_work(text):
        return None
    if _NOT_PROGRESS.search(text[max(0, m.start() - 40) : m.end() + 40]) and not re.search(
        r"epoch|iteration|training steps?", m.group(0), re.IGNORECASE
    ):
        return None
    if _TABLE.match(text):
        return None
    generic = bool(_WEAK.fullmatch(m.group(0)))
    caption = unit.kind == "caption" or bool(_FIGURE.match(text))
    if m.group(0).lower().startswith("learning curve") and _PLOTTED.search(text):
        return 0.8, common.evidence_from(unit, m.start())
    if m.group(0).lower().startswith("learning curve") and _COUNTED_PROGRESS.search(text):
        return 0.8, common.evidence_from(unit, m.start())
    if generic and not re.search(
        rf"{_METRIC}\s+(?:\w+\s+){{0,2}}{re.escape(m.group(0))}", text, re.IGNORECASE
    ):
        if not (
            caption
            and re.search(_METRIC, text, re.IGNORECASE)
            and m.group(0).lower().startswith("learning curve")
        ):
            return None
    if caption:
        return 2.0, common.evidence_from(unit, m.start())
    if _REFERS_TO_FIGURE.search(text) and not generic:
        return 1.0, common.evidence_from(unit, m.start())
    if (
        generic
        and re.search(r"\b(?:Figure|Fig\.?)\s*\d", text)
        and re.search(rf"{_METRIC}", text, re.IGNORECASE)
    ):
        return 0.8, common.evidence_from(unit, m.start())
    return None


# A figure whose caption names a training/validation metric ("Figure 3: Training loss of
# ResNet-50 on ImageNet") plots it over training; test metrics alone may be bar charts.
_TRAIN_METRIC_CAPTION = re.compile(
    r"\b(?:training|train|validation|val\.?|dev(?:elopment)?|optimi[sz]ation)(?:\s+set)?\s+"
    r"(?:loss(?:es)?|errors?|accuracy|accuracies|perplexity|ppl|cost|objective|nll|likelihood|"
    r"curves?|histor(?:y|ies))\b|\bloss dynamics\b|"
    r"\btraining (?:performance|behaviou?rs?)\b|"
    # not a stopping rule ("trained until convergence") nor learning theory
    r"(?<!until )(?<!till )(?<!to )(?<!uniform )\bconvergence\b(?! (?:rate|analysis|guarantee))",
    re.IGNORECASE,
)
# A caption that names its x-axis: "as functions of the number of inducing points".
_STATED_AXIS = re.compile(
    r"\b(?:as (?:a )?functions? of|vs\.?|versus|against|with respect to|w\.r\.t\.?)\s+"
    r"(?:the\s+)?(?:number of\s+|#\s?)?(?:training\s+)?([\w-]+)",
    re.IGNORECASE,
)
_PROGRESS_WORD = re.compile(
    r"(?:epochs?|iterations?|iters?|steps?|updates?|episodes?|rounds?|time|wall-?clock|"
    r"frames|minibatches|batches|gradient|optimi[sz]ation|training)$",
    re.IGNORECASE,
)


# A caption comparing values of a parameter ("for different values of r") with no word of
# training progress anywhere: the parameter is the x-axis.
_PARAMETER_SWEEP = re.compile(
    r"\b(?:for|with|across|under|over)\s+(?:different|various|varying|several|a range of)\s+"
    r"(?:values?|choices|settings|levels)\s+(?:of|for)\b|\bas\s+(?:the\s+)?(?:\S+\s+){1,2}?"
    r"(?:increases|decreases|varies|grows|refines|(?:→|->|tends to|goes to)\s*∞)",
    re.IGNORECASE,
)
_ANY_PROGRESS = re.compile(
    r"\b(?:epochs?|iterations?|iters?|steps?|updates?|episodes?|rounds?|time|horizon|"
    r"wall-?clock|frames|minibatches|batches|training|trials|(?-i:T))\b",
    re.IGNORECASE,
)


def _other_axis(text: str) -> bool:
    """The caption names an x-axis and it is not training progress (data size, a
    hyperparameter, inducing points), or it sweeps a parameter and names no progress."""
    axes = [m.group(1) for m in _STATED_AXIS.finditer(text)]
    if axes:
        return not any(_PROGRESS_WORD.match(a) for a in axes)
    return bool(_PARAMETER_SWEEP.search(text)) and not _ANY_PROGRESS.search(text)


# A figure's own text layer: an axis title of training progress beside a metric axis.
_AXIS_PROGRESS = re.compile(
    r"\b(?:epochs?|iterations?|iters?|(?:training|environment|env|gradient|optimi[sz]ation)\s+"
    r"steps?|(?<!time )(?<!-)(?:steps|(?<!\b[nkNK] )step)(?! to\b| ahead\b)|updates|episodes?(?! to\b)|rounds?|(?:function |gradient )evaluations|wall-?clock(?: time)?|training time)\b",
    re.IGNORECASE,
)
_AXIS_METRIC = re.compile(
    r"\b(?:loss|accuracy|error|perplexity|ppl|BLEU|rewards?|returns?|regret|top-?1|F1|mAP|"
    r"AUC|RMSE|MSE|MAE|NLL|WER|success rate|objective|ELBO|likelihood|scores?|Dice|PSNR|"
    r"FID|precision|recall|(?:duality |optimality )gap|sub-?optimality|function values?|risk|DSC)\b",
    re.IGNORECASE,
)
_MAX_AXIS_TOKENS = 30
_CAPTION_LOSS = re.compile(
    r"\b(?:loss(?:es)?|objective(?: function)?(?: values?)?|cost)\b", re.IGNORECASE
)
# Regret of an online or bandit learner is plotted against its rounds (ANNOTATION.md).
_REGRET_CAPTION = re.compile(r"\bregrets?\b", re.IGNORECASE)


# Prose, not axis titles: a line that ends a question or introduces a list, or that reads as a
# sentence cut at a line end ("To fine-tune X on our dataset, during each training epoch, ...").
_PROSE_END = re.compile(r"[?:]\s*$")
_FUNCTION_WORD = re.compile(
    r"\b(?:the|we|our|is|are|was|were|be|been|to|this|that|which|each|into|could|would|can)\b"
)
_MAX_FUNCTION_WORDS = 4


def _axis_line(unit: TextUnit) -> bool:
    """A figure's axis titles as the text layer gives them: a short line that is not prose
    (tabular, or a sentence without a closing full stop)."""
    text = unit.text
    if len(text.split()) > _MAX_AXIS_TOKENS or _PROSE_END.search(text):
        return False
    if len(set(_FUNCTION_WORD.findall(text.lower()))) >= _MAX_FUNCTION_WORDS:
        return False
    return unit.kind == "table" or not text.rstrip().endswith(".") or common.is_tabular(text)


def _figure_evidence(units: Sequence[TextUnit]):
    """Captions naming a training metric or a learner's regret, and figure axis text
    (progress + metric) on a page with a figure."""
    figure_pages = {u.page for u in units if u.kind == "caption" and _FIGURE.match(u.text)}
    # pages whose figure caption names the metric while the axis title is a symbol
    # ("Iteration Number, k" beside "L(θk)"; "(b) Loss values and reconstructed images")
    metric_pages = {
        u.page
        for u in units
        if u.kind == "caption"
        and _FIGURE.match(u.text)
        and _CAPTION_LOSS.search(u.text)
        and not _NOT_PROGRESS.search(u.text)
        and not _other_axis(u.text)
    }
    for i, unit in enumerate(units):
        # off a figure page a unit is neither a figure caption nor axis text
        if unit.section == "references" or unit.page not in figure_pages:
            continue
        text = unit.text
        if i and _TABLE.match(units[i - 1].text):
            continue  # a table's header row under its caption, not a figure's axis titles
        if unit.kind == "caption" and _FIGURE.match(text):
            m = _TRAIN_METRIC_CAPTION.search(text) or _REGRET_CAPTION.search(text)
            if m and not _NOT_PROGRESS.search(text) and not _other_axis(text):
                yield 1.5, common.evidence_from(unit, m.start())
        elif _axis_line(unit) and (progress := _AXIS_PROGRESS.search(text)):
            metric = _AXIS_METRIC.search(text)
            if metric and not _NOT_PROGRESS.search(text):
                yield 1.2, common.evidence_from(unit, min(progress.start(), metric.start()))
            elif unit.page in metric_pages and not _NOT_PROGRESS.search(text):
                yield 1.2, common.evidence_from(unit, progress.start())


def detect(units: Sequence[TextUnit]) -> Finding:
    """Whether a figure plots loss/metric against epochs, steps, time or compute."""
    curves = common.run("training_curve", units, _CURVE, _score, METHOD, GATE)
    if curves.reported:
        return curves
    return common.result("training_curve", list(_figure_evidence(units)), METHOD)
