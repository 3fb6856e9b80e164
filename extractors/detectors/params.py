"""params: the number of parameters of the paper's model(s), as a number."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.detectors import common
from extractors.document import TextUnit
from extractors.findings import Finding
from extractors.quantities import parse_params

METHOD = "rules:params/v2"
PREFILTER = re.compile(r"param|weights", re.IGNORECASE)
# A parameter-count column header: "#Params", "# params.", "Params (M)", "Number of parameters".
_COLUMN = re.compile(
    r"#\s?param(?:eter)?s?\b\.?|\bParameter count\b|\bParams?\b\.?(?:\s*\((?:M|B|K|millions?)\))?|"
    r"\bParameters\b(?:\s*\((?:M|B|K|millions?)\))?|\bParam\.\s*\((?:M|B|K)\)|"
    r"\b[Nn]umber of (?:model |trainable |network )?parameters\b(?=\s+[A-Z\d(])|"
    r"\bparams?\s*\((?:M|B|K|millions?)\)",
    re.IGNORECASE,
)
_HEADER_CASE = re.compile(r"#|\bP(?:arams?|arameters?)\b|[Nn]umber of|\((?:M|B|K)\)")
_BIG_NUMBER = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3}){1,4}|\d+(?:\.\d+)?[KMB])(?![\w])")
_SCALED_HEADER = re.compile(r"\((?:M|B|K|millions?|billions?)\)|[×x]\s?10\s?\^?\s?[69⁶⁹]")
_ANY_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])")
_ROWS_AFTER_HEADER = 10
_MIN_COUNT = 1000


def _column_header(text: str) -> re.Match | None:
    """A params column header in a table-like line (not the word 'parameters' in prose)."""
    m = _COLUMN.search(text)
    if not m:
        return None
    if (
        not _HEADER_CASE.search(m.group(0))
        and not common.is_tabular(text)
        and len(text.split()) > 6
    ):
        return None
    if (
        common.is_tabular(text)
        or len(text.split()) <= 12
        or m.group(0).startswith("#")
        or m.start() <= 2
    ):
        return m
    return None


def _explicit(unit: TextUnit):
    text = unit.text
    if common.is_related_work(text):
        return None
    for q in parse_params(text):
        if q.value < _MIN_COUNT:
            continue
        start = text.find(q.text)
        if re.search(r"hyper-?$", text[max(0, start - 12) : start], re.IGNORECASE):
            continue
        if common.cited_nearby(text, start, start + len(q.text)):
            continue
        return 2.0, common.evidence_from(unit, start, q.value, q.unit)
    return None


_TABLE_CAPTION = re.compile(r"^\s*(?:Table|Tab\.)\s*[A-Z]?\d", re.IGNORECASE)
_CAPTION_PARAMS = re.compile(
    r"\b(?:number of (?:model |trainable )?parameters|#\s?params?|"
    r"params|parameter counts?|model sizes? \(params)",
    re.IGNORECASE,
)
_COMPACT_COUNT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?[MB](?![\w])")


def _from_captioned_table(units: Sequence[TextUnit], i: int):
    """A table whose caption says it lists parameter counts, with M/B counts in its rows."""
    caption = units[i]
    if caption.kind != "caption" or not _TABLE_CAPTION.match(caption.text):
        return None
    m = _CAPTION_PARAMS.search(caption.text)
    if not m or re.search(r"hyper-?$", caption.text[max(0, m.start() - 6) : m.start()], re.I):
        return None
    rows = [
        u
        for u in units[i + 1 : i + 1 + 2 * _ROWS_AFTER_HEADER]
        if u.page == caption.page and u.kind == "table"
    ]
    if sum(1 for r in rows if _COMPACT_COUNT.search(r.text)) >= 2:
        return 1.2, common.evidence_from(caption, m.start())
    return None


def _from_table(units: Sequence[TextUnit], i: int):
    """A header with a count in the same line or in the rows that follow on its page."""
    header = units[i]
    m = _column_header(header.text)
    if not m:
        return _from_captioned_table(units, i)
    rows = [header] + [
        u
        for u in units[i + 1 : i + 1 + _ROWS_AFTER_HEADER]
        if u.page == header.page and u.kind == "table"
    ]
    scaled_column = bool(_SCALED_HEADER.search(m.group(0))) or any(
        _SCALED_HEADER.search(u.text) for u in rows[1:3]
    )
    for row in rows:
        tail = row.text[m.end() :] if row is header else row.text
        counts = parse_params(tail, compact=True) or []
        big = [q for q in counts if q.value >= _MIN_COUNT]
        scaled = scaled_column and row is not header and _ANY_NUMBER.search(tail)
        if big or _BIG_NUMBER.search(tail) or scaled:
            value = big[0].value if big else None
            return 1.5, common.evidence_from(header, m.start(), value, "params" if big else None)
    return None


def detect(units: Sequence[TextUnit]) -> Finding:
    """Whether the paper states its models' parameter counts ("110M", a #Params column)."""
    units = [u for u in units if u.section != "references"]
    found = []
    for i, unit in enumerate(units):
        if not PREFILTER.search(unit.text) or common.is_reference_like(unit.text):
            continue
        hit = _explicit(unit) or _from_table(units, i)
        if hit:
            found.append(hit)
    return common.result("params", found, METHOD)
