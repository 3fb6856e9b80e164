"""flops: a count of floating-point operations or multiply-accumulates of the paper's models."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.detectors import common
from extractors.document import TextUnit
from extractors.findings import Finding
from extractors.quantities import parse_flops

METHOD = "rules:flops/v1"
PREFILTER = re.compile(
    r"flop|mult\W?add|multiply\W(?:add|accum)|\b[gmk]?macs?\b|\bmadds\b|\bops\b|"
    r"operations|petaflop|pf-day",
    re.IGNORECASE,
)
# "FLOPS" as hardware speed: peak TFLOPS of a GPU, FLOP/s, "per second".
_HARDWARE_SPEED = re.compile(
    r"FLOP/s|FLOPs? per second|\bpeak\b|(?-i:TFLOPS)\b|teraflops|"
    r"petaflops\b(?!/s-day)|GFLOPS\b(?=[^.]{0,40}(?:GPU|CPU|device|"
    r"hardware|chip))|\butiliz|throughput of",
    re.IGNORECASE,
)
# A FLOPs/MACs axis or column: "Accuracy vs. FLOPs", "#FLOPs", "FLOPs (G)", "MAdds".
_AXIS_OR_COLUMN = re.compile(
    r"(?:#|\bnumber of\s+)(?:FLOPs|MACs|Mult-Adds|operations)|"
    r"\b(?:G?FLOPs|[GM]?MACs|Mult-Adds|MAdds)\s*\((?:G|M|B|billions?|"
    r"millions?)\)|(?:vs\.?|versus|against|and)\s+(?:the\s+)?"
    r"(?:number of\s+)?(?:G?FLOPs|MACs|Mult-Adds)\b|\bFLOPs\s*"
    r"(?:\(|\||$)|\b(?:GFLOPs|MFLOPs|FLOPs|[GM]?MACs|Mult-Adds)\b\s+"
    r"(?:Top-?1|Acc|Params|Latency|mAP)|\((?:G|M|T|P)?FLOPs\)|\([GM]MACs\)|"
    r"\b[GM]MACs\s*(?:\||$)|"
    r"\bcost\s*\((?:G|M|T|P)?FLOPs",
    re.IGNORECASE,
)
# Prose pointing at a table or figure of the paper's own operation counts ("In Table 1, we
# compare the number of parameters, comparisons and multiplication or addition
# operations"); ruling D1: counts of arithmetic operations count, bare "operations" not.
_COUNTS_IN_TABLE = re.compile(
    r"\bnumber of (?:\S+\s+){0,6}?(?:(?:floating[-\s]?point|arithmetic|multiplication|"
    r"addition|multiply-accumulate)\s+operations|multiplications|FLOPs|MACs)\b",
    re.IGNORECASE,
)
_COMPLEXITY_ONLY = re.compile(r"\bO\s*\(", re.IGNORECASE)
_HARDWARE_UNITS = re.compile(
    r"MACs? (?:in|units?|arrays?|per cycle|arranged)|systolic|\bPEs?\b|GOP/s|TOP/s|"
    r"GOPS\b|TOPS\b",
    re.IGNORECASE,
)
_CAPTION_MENTION = re.compile(r"\b(?:G|M|T)?FLOPs\b|\bMACs\b|\bMult-Adds\b|\bMAdds\b")


def _score(unit: TextUnit):
    text = unit.text
    if common.is_related_work(text) or _HARDWARE_UNITS.search(text):
        return None
    for q in parse_flops(text):
        start = text.find(q.text)
        if common.cited_nearby(text, start, start + len(q.text)):
            continue
        window = text[max(0, start - 60) : start + len(q.text) + 40]
        if _HARDWARE_SPEED.search(window) and not re.search(r"\bFLOPs\b", q.text):
            continue
        if re.search(r"(?:TFLOPS|GFLOPS|FLOPS)\b", q.text) and _HARDWARE_SPEED.search(text):
            continue
        bonus = 1.0 if unit.section in ("body", "abstract", "appendix") else 0.5
        return 2.0 + bonus, common.evidence_from(unit, start, q.value, q.unit)
    axis = _AXIS_OR_COLUMN.search(text)
    if axis and not _HARDWARE_SPEED.search(text):
        prose_ok = "operations" not in axis.group(0).lower()
        if (
            unit.kind in ("caption", "table")
            or common.is_tabular(text)
            or (prose_ok and re.search(r"\b(?:we|our)\b", text, re.IGNORECASE))
        ):
            return 1.0, common.evidence_from(unit, axis.start())
    counts = _COUNTS_IN_TABLE.search(text)
    if (
        counts
        and re.search(r"\b(?:we|our)\b", text, re.IGNORECASE)
        and re.search(r"\b(?:Table|Figure|Fig\.)\s?\d", text)
        and not _HARDWARE_SPEED.search(text)
    ):
        return 1.0, common.evidence_from(unit, counts.start())
    if (
        unit.kind == "caption"
        and (mention := _CAPTION_MENTION.search(text))
        and not _HARDWARE_SPEED.search(text)
    ):
        return 0.8, common.evidence_from(unit, mention.start())
    return None


def detect(units: Sequence[TextUnit]) -> Finding:
    """Whether the paper counts FLOPs/MACs of its own models (not hardware FLOP/s)."""
    found = []
    for unit in common.candidates(units, PREFILTER):
        if _COMPLEXITY_ONLY.search(unit.text) and not parse_flops(unit.text):
            continue
        hit = _score(unit)
        if hit:
            found.append(hit)
    return common.result("flops", found, METHOD)
