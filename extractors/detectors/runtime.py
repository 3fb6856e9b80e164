"""runtime: measured wall-clock time of training or inference, throughput, or speedups."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.detectors import common
from extractors.document import TextUnit
from extractors.findings import Finding
from extractors.quantities import parse_duration
from extractors.regexgate import matches

METHOD = "rules:runtime/v2"  # v2: round 6 (data windows are not runtime; "(second)", "(hr)" units)
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
    r"(?:time|latency|runtime)\s*\((?:s|ms|h|min|sec|hours)\)|"
    r"(?:time|latency|speed|run-?time)\s*\((?:in\s+)?(?:s|ms|h|hrs?|min|mins|sec|secs|seconds?|"
    r"minutes?|hours?)\)|\((?:GPU|TPU)[- ]?(?:h|hrs?|hours|days)\)|"
    r"times? (?:\(?in|are in|is in) (?:ms|sec|seconds|minutes|hours)\b|seconds per|"
    r"sec/|run-time|times longer|(?:clock|compression|fitting|planning) times?|time cost|"
    r"\d\s*%\s+(?:\w+\s+){0,3}(?:training|inference|running|execution) time",
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
        "time (",
        "run-time",
        "clock",
        "times longer",
        "compression time",
        "fitting time",
        "planning time",
    ),
    r"\d\s?(?:s|h|min)\b",
)
_TIME_CONTEXT = re.compile(
    r"train|inference|latency|took|takes|taking|run(?:s|ning)? time|"
    r"run-?time|wall|speed-?ups?|(?:training|inference|decoding|processing|computation(?:al)?|"
    r"running) speed|faster|slower|converge|fine-?tun|decod|"
    r"process(?:ing|ed|es)?\b(?! of)|computation|computing|\bcompute\b|per (?:image|sample|sentence|"
    r"batch|epoch|iteration|step)|each (?:epoch|iteration)|GPU|TPU|CPU|solver|solving|solved in|workstation|"
    r"machine|execution (?:time|speed)|execut(?:ed|es) in|finish|complet\w* (?:in|within)|(?:training|inference|running|"
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
    r"timesteps?|half-life|per day|a day|days? of|"
    r"(?:sub-?sequences?|segments?|clips?|chunks?|windows?|snippets?) of \d|"
    r"(?:computed|sampled|recorded|measured) every \d|predicted for \d|"
    r"running time (?:is )?(?:polynomial|linear|quadratic|exponential)|polynomial[- ]time|"
    r"sampling (?:period|interval|time)s?|reaction (?:times?|to)\b|"
    r"(?:past|previous|preceding|last|next|first|following) (?:\d+|two|three|four|five|six|"
    r"twelve|few) (?:hours|days|minutes|weeks)\b|epoch length of|time slots?\b)",
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
    r"computation(?:al)? times?|(?:compression|fitting|planning|clock) times?)\b",
    re.IGNORECASE,
)
_NOT_A_RUN_AFTER = re.compile(
    r"^\s*(?:(?:and|or|to|-|–)\s*\d[\d.,]*\s*[a-z]+\s*)?(?:[’']s\s+)?(?:long\b|of\s+(?:[A-Z]\w+|transcribed|untranscribed|labell?ed|"
    r"unlabell?ed|speech|audio|video|recordings?|data|training data|"
    r"conversational|read|spoken|footage|[\w-]+\s+(?:budget|limit)|"
    r"budget|compute budget)|(?:budget|limit|timeout)\b|"
    r"-\s*(?:night|to-day)|worth of|(?:of\s+)?(?:[\w-]+\s+){0,2}(?:simulation|trajector(?:y|ies)|"
    r"episodes?|rollouts?|demonstrations?)\b|of\s+(?:[\w-]+\s+){0,2}(?:data|motion|"
    r"recordings?|footage|experience|interactions?|gameplay|driving|play)\b|"
    # a prediction horizon: "20 second end-point prediction", "5 s ahead forecasts"
    r"(?:[\w-]+\s+){0,2}(?:predictions?|forecasts?|predicted)\b)"
)
_FORMULA_BEFORE = re.compile(r"=\s*$")
# a speedup that is argued, not measured
_HYPOTHETICAL = re.compile(
    r"\bnot trivial\b|\btheoretical(?:ly)?\b|\bin theory\b|\bwould\b|"
    r"\bcould\b|\bideal(?:ly)?\b|\bpotential(?:ly)?\b",
    re.IGNORECASE,
)
# a column or axis whose name is a computing time with its unit: "Clock Time (s)",
# "Runtime (sec)", "Inference speed (ms)", "Time(seconds)", "time (in seconds)"
_TIMED_COLUMN = re.compile(
    r"(?:(?:clock|cpu|wall-?clock|run(?:ning)?|execution|training|inference|solv(?:e|er|ing)|"
    r"planning|compression|fitting|query|encoding|decoding|computation(?:al)?|elapsed)\s*"
    r"times?|run-?time|latency|(?:inference|training|decoding) speed)\s*\((?:in\s+)?(?:s|ms|"
    r"h|hrs?|min|mins|sec|secs|seconds?|minutes?|hours?)\)|"
    r"\btimes? (?:\(?in|are in|is in|reported in) (?:s|ms|sec|secs|seconds|minutes|hours)\b"
    r"(?!\s*\.?\s*\d)|"
    r"seconds per (?:epoch|iteration|step|batch|image|sample)|\bsec/(?:epo|iter|it|step)|"
    r"^\s*speed-?up\s+(?:[\d.]+\s*[x×]\s*){2,}|\((?:GPU|TPU)[- ]?(?:h|hrs?|hours|days)\)",
    re.IGNORECASE,
)
# a bare "Time (s)" row: measured values, unless they are an axis's evenly spaced ticks
# (a signal over simulated time: "Time (s) 0 2 4 6 8")
_BARE_TIME_ROW = re.compile(
    r"^\s*time\s*\((?:in\s+)?(?:s|ms|sec|secs|seconds|minutes|hours)\)\s*(?P<values>[\d.\s]+)",
    re.IGNORECASE,
)


def _measured_row(text: str) -> bool:
    row = _BARE_TIME_ROW.match(text)
    if row is None:
        return False
    values = [float(v) for v in re.findall(r"\d+(?:\.\d+)?", row.group("values"))[:6]]
    if 0.0 in values:
        return False  # an axis through 0 (its minus signs lost: "Time (s) 2.5 0.0 2.5")
    steps = {round(b - a, 6) for a, b in zip(values, values[1:])}
    return len(values) >= 2 and not (len(values) >= 3 and len(steps) == 1)


# measured relative time: "85% more training time", "adds less than 10% to the training time"
_RELATIVE_TIME = re.compile(
    r"\d[\d.]*\s*%\s+(?:\w+\s+){0,3}(?:training|inference|running|execution|wall-?clock) "
    r"time|(?:took|takes|taking|ran|runs?)\s+(?:about |around |roughly |approximately |up to "
    r")?\d[\d.,]*\s*(?:[x×]|times)\s+(?:longer|shorter)",
    re.IGNORECASE,
)
# a time measurement shown in a figure or table: "Fig. 3 compares the time cost
# (wall-clock time) of ...", "We present the cost ... in GPU hours in Table B.1"
_TIME_SHOWN = re.compile(
    r"(?:time cost|wall-?clock time|running times?|run-?times?|training times?|inference "
    r"times?|execution times?|CPU times?|computation(?:al)? times?|compression times?|"
    r"(?:in|as) (?:GPU|TPU)[- ]hours)",
    re.IGNORECASE,
)
_SHOWN_WHERE = re.compile(
    r"(?:\b(?:Fig(?:ure)?\.?|Table|Tab\.)\s*[A-Z]?\.?\d[^.]{0,80}\b(?:compares?|compared|shows?|"
    r"shown|reports?|reported|presents?|presented|lists?|listed|plots?|plotted|summari[sz]es)\b|"
    r"\b(?:compares?|compared|shows?|shown|reports?|reported|presents?|presented|lists?|listed|"
    r"plots?|plotted|summari[sz]es)\b[^.]{0,120}\b(?:Fig(?:ure)?\.?|Table|Tab\.)\s*[A-Z]?\.?\d|"
    r"\bwe (?:also )?(?:measure|report|record|compare)d?\b)",
    re.IGNORECASE,
)
# runtime counted in operations or stated asymptotically, or a limit on it
_NOT_MEASURED = re.compile(
    r"in terms of|schematic|complexit|asymptotic|\bO\(|(?:limit|budget)s?\b|"
    r"(?:machine|hardware|implementation|platform)[- ]independent",
    re.IGNORECASE,
)
_STRONG_CONTEXT = re.compile(
    r"took|takes|taking|wall-?clock|GPU|TPU|latency|inference|run-?time|running time|"
    r"train(?:ed|ing)? (?:for|in|took)",
    re.IGNORECASE,
)
_HAS_COLUMN, _HAS_RELATIVE, _HAS_SHOWN = map(matches, (_TIMED_COLUMN, _RELATIVE_TIME, _TIME_SHOWN))
_MATH = re.compile(r"[=∈≤≥←→∥∑∏√⩽⩾∀∄×]")
_SENTENCE_END = re.compile(r"[.;!?](?:\s+|$)")


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence of text[start:end] (a joined unit may hold several)."""
    begin = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    after = _SENTENCE_END.search(text, end)
    return text[begin : after.end() if after else len(text)]


_HEADER = re.compile(
    r"(?:time|latency|runtime|speed)\s*\((?:s|ms|h|min|sec|hours|GPU-?h)\)|"
    r"(?:training|inference|wall-clock) time|latency|throughput",
    re.IGNORECASE,
)


# bool(pattern.search(text)), cheaper (extractors.regexgate)
_is_time_context = matches(_TIME_CONTEXT)
_is_not_runtime = matches(_NOT_RUNTIME)
_is_hypothetical = matches(_HYPOTHETICAL)
_is_shown_where = matches(_SHOWN_WHERE)
_is_not_measured = matches(_NOT_MEASURED)
_is_strong_context = matches(_STRONG_CONTEXT)


def _score(unit: TextUnit):
    text = unit.text
    column = _TIMED_COLUMN.search(text) if _HAS_COLUMN(text) else None
    if column and unit.kind in ("caption", "table"):
        # a table's own time column, whatever tool its caption cites
        return 1.5, common.evidence_from(unit, column.start())
    if _measured_row(text):
        return 1.5, common.evidence_from(unit)
    if common.is_related_work(text):
        return None
    for pattern, weight in ((_THROUGHPUT, 2.0), (_SPEEDUP, 1.5)):
        m = pattern.search(text)
        if (
            m
            and not common.cited_nearby(text, m.start(), m.end())
            and not _FORMULA_BEFORE.search(text[max(0, m.start() - 12) : m.start()])
            and not _is_hypothetical(text)
        ):
            return weight, common.evidence_from(unit, m.start())
    if column:
        return 1.5, common.evidence_from(unit, column.start())
    if (
        _HAS_RELATIVE(text)
        and (relative := _RELATIVE_TIME.search(text))
        and not _is_hypothetical(text)
    ):
        return 1.5, common.evidence_from(unit, relative.start())
    if (
        _HAS_SHOWN(text)
        and (shown := _TIME_SHOWN.search(text))
        and _is_shown_where(text)
        and not _is_not_measured(text)
        and not common.cited_nearby(text, shown.start(), shown.end())
        and not _is_hypothetical(text)
    ):
        return 1.2, common.evidence_from(unit, shown.start())
    not_runtime = _is_not_runtime(text)
    data_amount = False
    for q in parse_duration(text):
        if q.unit == "GPU-h":
            return 2.5, common.evidence_from(unit, text.find(q.text), q.value, q.unit)
        if not _is_time_context(text):
            continue
        start = text.find(q.text)
        end = start + len(q.text)
        # the veto covers the unit, save a sentence of its own that says a run took the
        # time: "AUC computed every 100 iterations" does not hide "the simulation takes 378
        # sec" in the next sentence
        if not_runtime:
            sentence = _sentence(text, start, end)
            if _is_not_runtime(sentence) or not _is_strong_context(sentence):
                continue
        if _FORMULA_BEFORE.search(text[max(0, start - 12) : start]):
            continue  # "= 1 H × W × C"
        if re.search(r"\d\s*[sh]$", q.text) and len(_MATH.findall(text)) >= 3:
            continue  # "A(1s , 1 t, ...)", "≤ min(2hH, ...)": symbols in a formula
        if _NOT_A_RUN_AFTER.match(text[end : end + 40]):
            data_amount = True
            continue  # "960 hours of LibriSpeech", "24 hours of wall-clock budget"
        if data_amount and not _is_strong_context(text):
            continue  # "... 10 hours worth of motion data, ... not converge by 2 hours"
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
        and not _is_not_runtime(text)
    ):
        return 1.0, common.evidence_from(unit, header.start())
    if (
        unit.kind == "caption"
        and (caption := _RUNTIME_CAPTION.search(text))
        and not _is_not_runtime(text)
    ):
        return 1.0, common.evidence_from(unit, caption.start())
    return None


def detect(units: Sequence[TextUnit]) -> Finding:
    """Whether the paper reports measured time: durations, GPU-hours, latency, throughput."""
    return common.run("runtime", units, PREFILTER, _score, METHOD, GATE)
