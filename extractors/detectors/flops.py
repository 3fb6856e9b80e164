"""flops: a count of floating-point operations or multiply-accumulates of the paper's models."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.detectors import common
from extractors.document import TextUnit
from extractors.findings import Finding
from extractors.quantities import parse_flops

METHOD = "rules:flops/v2"
PREFILTER = re.compile(
    r"flop|mult\W?add|multiply\W(?:add|accum)|\b[gmk]?macs?\b|\bmadds\b|\bops\b|"
    r"operations|multiplications|#\s?(?:add|mult)|petaflop|pf-day",
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
    r"#\s?(?:Adds?|Mults?|Additions|Multiplications)\b|"
    r"\b(?:G?FLOPs|[GM]?MACs|Mult-Adds|MAdds)\s*\((?:G|M|B|billions?|"
    r"millions?)\)|(?:vs\.?|versus|against|and)\s+(?:the\s+)?"
    r"(?:number of\s+)?(?:G?FLOPs|MACs|Mult-Adds)\b|\bFLOPs\s*"
    r"(?:\(|\||$)|\b(?:GFLOPs|MFLOPs|FLOPs|[GM]?MACs|Mult-Adds)\b\s+"
    r"(?:Top-?1|Acc|Params|Latency|mAP)|\((?:in\s+)?(?:G|M|T|P)?FLOPs\)|"
    r"\((?:in\s+)?[GM]MACs\)|"
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
# A count of operations that the quantity parser does not read: a magnitude-suffixed
# number of (math, arithmetic, ...) operations or multiplications ("5.24G Operations per
# image", "18M math operations", "0.58 Million mult-adds"), or "the number of
# multiplications is about 6,889M" / "the number of operations to N = 29.2M" (ruling D1:
# counts of arithmetic operations are FLOPs).
_MAGNITUDE = r"\d[\d.,]*\s*(?:[GMBT]\b|billion\b|million\b|trillion\b|[×x]\s*10\^?\d)"
_OP_NOUN = r"(?:operations|multiplications|additions|mult-adds|multiply-adds)\b"
_OPS_COUNT = re.compile(
    _MAGNITUDE + r"\s*(?:(?:math|arithmetic|floating[- ]point|multiply|multiplication|"
    r"addition|32-bit|16-bit|8-bit)[- ]){0,2}" + _OP_NOUN + "|"
    r"\bnumber of (?:\S+\s+){0,2}?" + _OP_NOUN + r"[^.;]{0,40}?\b(?:is|are|was|were|of|to|=|≈)"
    r"\s+(?:about|around|approximately|roughly|only)?\s*(?:\w+\s*=\s*)?" + _MAGNITUDE,
    re.IGNORECASE,
)
# Bare "operations" (no arithmetic qualifier) are a FLOP count only where the sentence ties
# them to a network's computation or to FLOPs/MACs (ruling D1: counts of higher-level
# calls are not).
_QUALIFIED_OPS = re.compile(
    r"math|arithmetic|floating|multipl|mult-add|addition|flop|\bmacs?\b|comput|"
    r"network|model|inference|forward|per (?:\S+\s+){0,2}?(?:image|example|sample|token|frame)",
    re.IGNORECASE,
)
_BARE_OPS = re.compile(r"\d\s*(?:[A-Za-z]+\s+)?(?:operations|ops|OPs)$")
# A FLOP count a number is given as; what follows it makes it a speed ("/s", "per second").
_PER_SECOND_AFTER = re.compile(r"^\s*(?:/\s*s(?:ec)?\b|per\s+second)", re.IGNORECASE)
# A unit glued by a hyphen to a capitalised word is a name ("MAC-ReconNet"), not MACs.
_NAME_AFTER = re.compile(r"^-[A-Z]")
_COMPLEXITY_ONLY = re.compile(r"\bO\s*\(", re.IGNORECASE)
_HARDWARE_UNITS = re.compile(
    r"MACs? (?:in|units?|arrays?|per cycle|arranged)|systolic|\bPEs?\b|GOP/s|TOP/s|"
    r"GOPS\b|TOPS\b",
    re.IGNORECASE,
)
_CAPTION_MENTION = re.compile(r"\b(?:G|M|T)?FLOPs\b|\bMACs\b|\bMult-Adds\b|\bMAdds\b")


_SUFFIXED_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[GMB]\b")


def _column_of_counts(text: str, after: int) -> bool:
    """A table header run into a sentence: a FLOPs/MACs column followed by rows of
    magnitude-suffixed numbers ("Model # of Params FLOPs Top-1 ... I3D 27.2M 28.7G ...")."""
    return len(_SUFFIXED_NUMBER.findall(text[after : after + 300])) >= 3


def _score(unit: TextUnit):
    text = unit.text
    if common.is_related_work(text) or _HARDWARE_UNITS.search(text):
        return None
    for q in parse_flops(text):
        start = text.find(q.text)
        end = start + len(q.text)
        if common.cited_nearby(text, start, end) or _NAME_AFTER.match(text[end : end + 2]):
            continue
        if _PER_SECOND_AFTER.match(text[end : end + 12]):
            continue
        if _BARE_OPS.search(q.text) and not _QUALIFIED_OPS.search(text):
            continue  # "served 10M operations": calls of a system, not arithmetic (D1)
        window = text[max(0, start - 60) : end + 40]
        # "FLOPs"/"FLOP" (not upper-case FLOPS) name a count, whatever speed is near
        if _HARDWARE_SPEED.search(window) and not re.search(r"\bFLOPs?\b", q.text):
            continue
        if re.search(r"(?:TFLOPS|GFLOPS|FLOPS)\b", q.text) and _HARDWARE_SPEED.search(text):
            continue
        bonus = 1.0 if unit.section in ("body", "abstract", "appendix") else 0.5
        return 2.0 + bonus, common.evidence_from(unit, start, q.value, q.unit)
    ops = _OPS_COUNT.search(text)
    if (
        ops
        and not _HARDWARE_SPEED.search(text)
        and not common.cited_nearby(text, ops.start(), ops.end())
        and not _PER_SECOND_AFTER.match(text[ops.end() : ops.end() + 12])
        and _QUALIFIED_OPS.search(text)
    ):
        bonus = 1.0 if unit.section in ("body", "abstract", "appendix") else 0.5
        return 2.0 + bonus, common.evidence_from(unit, ops.start())
    axis = _AXIS_OR_COLUMN.search(text)
    bare_ops = axis is not None and "operations" in axis.group(0).lower()
    if bare_ops and not _QUALIFIED_OPS.search(text):
        axis = None  # "the number of operations" of a program or a data set (ruling D1)
    if axis and not _HARDWARE_SPEED.search(text):
        if (
            unit.kind in ("caption", "table")
            or common.is_tabular(text)
            or _column_of_counts(text, axis.end())
            or (not bare_ops and re.search(r"\b(?:we|our)\b", text, re.IGNORECASE))
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


# A metric symbol defined as an operation count ("MO denotes the mean number of arithmetic
# operations per example"), reported where a table row under that symbol gives numbers
# ("MO 60 M 51 M 43 M").
_DEFINED_COUNT = re.compile(
    r"\b([A-Z][A-Za-z]{0,4})\s+(?:denotes|stands for|represents|refers to|is defined as)\s+"
    r"the\s+(?:\w+\s+){0,2}number of\s+(?:\S+\s+){0,2}?"
    r"(?:operations|multiplications|FLOPs|MACs)\b"
)
_ROW_VALUE = r"\s+\d[\d.,]*\s?[KMGB]?\b"


def _defined_count(units: Sequence[TextUnit], unit: TextUnit):
    for match in _DEFINED_COUNT.finditer(unit.text):
        if not _QUALIFIED_OPS.search(unit.text[match.start() :]):
            continue
        row = re.compile(rf"^{re.escape(match.group(1))}(?:{_ROW_VALUE}){{2,}}")
        if any(u.section != "references" and row.match(u.text) for u in units):
            return 1.0, common.evidence_from(unit, match.start())
    return None


def detect(units: Sequence[TextUnit]) -> Finding:
    """Whether the paper counts FLOPs/MACs of its own models (not hardware FLOP/s)."""
    found = []
    for unit in common.candidates(units, PREFILTER):
        if _COMPLEXITY_ONLY.search(unit.text) and not parse_flops(unit.text):
            continue
        hit = _score(unit) or _defined_count(units, unit)
        if hit:
            found.append(hit)
    return common.result("flops", found, METHOD)
