"""runtime: measured wall-clock time of training or inference, throughput, or speedups."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.detectors import common
from extractors.document import TextUnit
from extractors.findings import Finding
from extractors.quantities import parse_duration

METHOD = "rules:runtime/v1"
PREFILTER = re.compile(
    r"\d\s*(?:ms|s|sec|secs|seconds?|min|mins|minutes?|h|hrs?|hours?|days?|"
    r"weeks?)\b|\d\s*(?:[x×]|times)?\s*(?:faster|slower|speed-?up)|speed-?up|"
    r"throughput|run(?:ning)?\s?times?|runtime|execution times?|"
    r"(?:inference|training|computation(?:al)?) (?:time|speed)|time cost|"
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|several|a few|"
    r"few)\s+(?:hours|days|weeks|minutes)|"
    r"latency|fps\b|frames per second|(?:images|examples|samples|tokens|"
    r"sentences|queries|steps|it|iterations)\s*(?:/|per)\s*(?:s|sec|second)|"
    r"wall-?clock|GPU[- ]?(?:hours|days)|TPU[- ]?(?:hours|days)|"
    r"(?:time|latency|runtime)\s*\((?:s|ms|h|min|sec|hours)\)",
    re.IGNORECASE,
)
GATE = common.keyword_gate(
    (
        "ms",
        "sec",
        "min",
        "hour",
        "hr",
        "day",
        "week",
        "faster",
        "slower",
        "speed",
        "throughput",
        "latency",
        "fps",
        "frames per",
        "/s",
        "per s",
        "wall",
        "runtime",
        "run time",
        "running time",
        "execution time",
        "inference",
        "training time",
        "computation",
        "time cost",
        "gpu",
        "tpu",
        "µs",
    ),
    r"\d\s?(?:s|h|min)\b",
)
_TIME_CONTEXT = re.compile(
    r"train|inference|latency|took|takes|taking|run(?:s|ning)? time|"
    r"runtime|wall|speed|faster|slower|converge|fine-?tun|decod|"
    r"process|comput|per (?:image|sample|sentence|batch|epoch|iteration|"
    r"step)|each (?:epoch|iteration)|GPU|TPU|CPU|solv|workstation|"
    r"machine|execut|finish|complet|(?:training|inference|running|"
    r"execution|search) time",
    re.IGNORECASE,
)
_NOT_RUNTIME = re.compile(
    r"\b(?:hours? of (?:speech|audio|video|recordings?|data|training data)|"
    r"(?:hour|second|minute)s?[- ]long|\bLength:|time limit|timeout|"
    r"horizons?\b|time intervals?|intervals? of|resolution of|"
    r"(?:speech|audio|video) (?:of|with) \d|years? old|"
    r"frame rate of|sampled at|sampling rate|\d+\s*ms (?:window|frames?|"
    r"hop|shift|stride)|window of \d+\s*ms|time steps?|"
    r"timesteps?|half-life|per day|a day|days? of)",
    re.IGNORECASE,
)
_THROUGHPUT = re.compile(
    r"\d[\d.,]*\s*(?:k|K|M)?\s*(?:[a-z]+\s+){0,2}(?:images|examples|"
    r"samples|tokens|sentences|queries|words|frames|it|iterations|steps|"
    r"lines|documents|pages|characters|graphs|episodes|batches|"
    r"utterances)\s*(?:/|per)\s*(?:s|sec|second)\b|\d[\d.,]*\s*fps\b|\d[\d.,]*\s*frames per second",
    re.IGNORECASE,
)
_SPEEDUP = re.compile(
    r"\d[\d.,]*\s*(?:[x×]|times)\s*(?:faster|speed-?up|slower|less time|"
    r"fewer (?:GPU )?hours)|speed-?ups? of (?:up to )?\d[\d.,]*\s*[x×]?|"
    r"\d[\d.,]*\s*[x×]\s*(?:inference |training |wall-clock )?speed-?up",
    re.IGNORECASE,
)
_RUNTIME_CAPTION = re.compile(
    r"\b(?:run(?:ning)?\s?times?|runtimes?|wall-?clock|inference (?:time|"
    r"speed)|training (?:time|speed)|latenc(?:y|ies)|throughput|"
    r"speed-?ups?|execution times?|time (?:cost|consumption)|"
    r"computation(?:al)? times?)\b",
    re.IGNORECASE,
)
_NOT_A_RUN_AFTER = re.compile(
    r"^\s*(?:long\b|of\s+(?:[A-Z]\w+|transcribed|untranscribed|labell?ed|"
    r"unlabell?ed|speech|audio|video|recordings?|data|training data|"
    r"conversational|read|spoken|footage|[\w-]+\s+(?:budget|limit)|"
    r"budget|compute budget)|(?:budget|limit|timeout)\b)"
)
_FORMULA_BEFORE = re.compile(r"=\s*$")
# a speedup that is argued, not measured
_HYPOTHETICAL = re.compile(
    r"\bnot trivial\b|\btheoretical(?:ly)?\b|\bin theory\b|\bwould\b|"
    r"\bcould\b|\bideal(?:ly)?\b|\bpotential(?:ly)?\b",
    re.IGNORECASE,
)
_HEADER = re.compile(
    r"(?:time|latency|runtime|speed)\s*\((?:s|ms|h|min|sec|hours|GPU-?h)\)|"
    r"(?:training|inference|wall-clock) time|latency|throughput",
    re.IGNORECASE,
)


def _score(unit: TextUnit):
    text = unit.text
    if common.is_related_work(text):
        return None
    for pattern, weight in ((_THROUGHPUT, 2.0), (_SPEEDUP, 1.5)):
        m = pattern.search(text)
        if (
            m
            and not common.cited_nearby(text, m.start(), m.end())
            and not _FORMULA_BEFORE.search(text[max(0, m.start() - 12) : m.start()])
            and not _HYPOTHETICAL.search(text)
        ):
            return weight, common.evidence_from(unit, m.start())
    if _NOT_RUNTIME.search(text) and not re.search(r"train|inference|latency", text, re.IGNORECASE):
        return None
    for q in parse_duration(text):
        if q.unit == "GPU-h":
            return 2.5, common.evidence_from(unit, text.find(q.text), q.value, q.unit)
        if not _TIME_CONTEXT.search(text) or _NOT_RUNTIME.search(text):
            continue
        end = text.find(q.text) + len(q.text)
        if _NOT_A_RUN_AFTER.match(text[end : end + 40]):
            continue  # "960 hours of LibriSpeech", "24 hours of wall-clock budget"
        if common.cited_nearby(text, end - len(q.text), end):
            continue
        if re.search(
            r"\b(?:every|each|after|for)\s+\d+\s*(?:hours?|min)", text, re.IGNORECASE
        ) and not re.search(r"train|took|takes|latency", text, re.IGNORECASE):
            continue
        return 2.0, common.evidence_from(unit, text.find(q.text), q.value, q.unit)
    if (
        unit.kind in ("caption", "table")
        and (header := _HEADER.search(text))
        and re.search(r"\d", text)
        and not _NOT_RUNTIME.search(text)
    ):
        return 1.0, common.evidence_from(unit, header.start())
    if (
        unit.kind == "caption"
        and (caption := _RUNTIME_CAPTION.search(text))
        and not _NOT_RUNTIME.search(text)
    ):
        return 1.0, common.evidence_from(unit, caption.start())
    return None


def detect(units: Sequence[TextUnit]) -> Finding:
    """Whether the paper reports measured time: durations, GPU-hours, latency, throughput."""
    return common.run("runtime", units, PREFILTER, _score, METHOD, GATE)
