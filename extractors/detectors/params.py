"""params: the number of parameters of the paper's model(s), as a number."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.detectors import common
from extractors.document import TextUnit
from extractors.findings import Finding
from extractors.quantities import parse_params

METHOD = "rules:params/v3"  # v3: comma-and-space thousands, "1.5 · 103" counts
PREFILTER = re.compile(r"param|weights|model size", re.IGNORECASE)
# A parameter-count column header: "#Params", "# params.", "Params (M)", "Number of parameters".
_COLUMN = re.compile(
    r"#\s?param(?:eter)?s?\b\.?|\bParameter count\b|\bParams?\b\.?(?:\s*\((?:M|B|K|millions?)\))?|"
    r"\bParameters\b(?:\s*\((?:M|B|K|millions?)\))?|\bParam\.\s*\((?:M|B|K)\)|"
    r"\b[Nn]umber of (?:model |trainable |network )?parameters\b(?=\s+[A-Z\d(])|"
    r"\bparams?\s*\((?:M|B|K|millions?)\)",
    re.IGNORECASE,
)
_HEADER_CASE = re.compile(r"#|\bP(?:arams?|arameters?)\b|[Nn]umber of|\((?:M|B|K)\)")
# a count in a params column: "1,234,567", "25.6M", "2345678", and "1.5 · 103", a power of
# ten whose exponent the text layer set on the line ("1.5 · 10^3")
_BIG_NUMBER = re.compile(
    r"(?<![\d.,])(?:\d{1,3}(?:,\d{3}){1,4}|\d+(?:\.\d+)?\s?[KMB]|[1-9]\d{5,11}|"
    r"\d(?:\.\d+)?\s?[·×]\s?10[3-9])(?![\w.,-])"
)
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


# Counts parse_params leaves out: thousands split by spaces ("423 730 learned parameters")
# or, as some PDFs' text layers give them, by a comma and a space ("28, 398, 705
# parameters"), and a small model's count in parentheses ("a simple linear policy (77
# parameters)").
_SPACED_COUNT = re.compile(
    r"(?<![\w.,])(?P<num>\d{1,3}(?:(?:[ \u00a0\u2009]|, )\d{3})+)\s+(?:(?:trainable|learnable|learned|"
    r"free|total|model|network)\s+)?(?:parameters|params|weights)\b",
    re.IGNORECASE,
)
_PAREN_COUNT = re.compile(
    r"\((?P<num>\d+)\s+(?:(?:trainable|learnable|learned|free)\s+)?parameters\)", re.IGNORECASE
)
# A figure axis in parameters counts (ANNOTATION.md D1): "the vertical axis is the number
# of model parameters".
_PARAMS_AXIS = re.compile(
    r"\b(?:x|y|horizontal|vertical)[- ]axis\b[^.;]{0,40}?\b(?:number of (?:model |trainable )?"
    r"parameters|#\s?param(?:eter)?s|param(?:eter)? counts?)\b",
    re.IGNORECASE,
)
# "3k parameters" where k is the paper's variable ("a k-GMM is parametrized by 3k parameters").
_VARIABLE_K = re.compile(r"(?<![\w.])k(?![\w])")


def _extra_count(text: str) -> tuple[int, float | None] | None:
    """(offset, count) of a spaced or parenthesised count, or of a params axis (no count)."""
    for pattern in (_SPACED_COUNT, _PAREN_COUNT):
        m = pattern.search(text)
        if m:
            return m.start(), float(re.sub(r"\D", "", m.group("num")))
    m = _PARAMS_AXIS.search(text)
    return (m.start(), None) if m else None


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
        if re.match(r"\d+\s*k\b", q.text) and _VARIABLE_K.search(text.replace(q.text, "")):
            continue
        return 2.0, common.evidence_from(unit, start, q.value, q.unit)
    extra = _extra_count(text)
    if extra and not common.cited_nearby(text, extra[0], extra[0] + 20):
        value = extra[1]
        return 1.5, common.evidence_from(unit, extra[0], value, "params" if value else None)
    return None


_TABLE_CAPTION = re.compile(r"^\s*(?:Table|Tab\.)\s*[A-Z]?\d", re.IGNORECASE)
_CAPTION_PARAMS = re.compile(
    r"\b(?:number of (?:model |trainable )?parameters|#\s?params?|"
    r"params|parameter counts?|model sizes?)",
    re.IGNORECASE,
)
_COMPACT_COUNT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?[KMB](?![\w-])")
# Thousands split by a comma and a space in a counts table: "165, 171 307, 921".
_COMMA_SPACE_COUNT = re.compile(r"(?<![\d,.])\d{1,3}(?:, \d{3})+(?![\d.])")


def _from_captioned_table(units: Sequence[TextUnit], i: int):
    """A table whose caption says it lists parameter counts, with M/B counts in its rows."""
    caption = units[i]
    if caption.kind != "caption" or not _TABLE_CAPTION.match(caption.text):
        return None
    m = _CAPTION_PARAMS.search(caption.text)
    if not m or re.search(r"hyper-?$", caption.text[max(0, m.start() - 6) : m.start()], re.I):
        return None
    # the caption may run into the table's own text; rows are table lines or table-like
    # sentences that follow on the page
    following = [u for u in units[i + 1 : i + 1 + 2 * _ROWS_AFTER_HEADER] if u.page == caption.page]
    rows = [caption.text[m.end() :]] + [
        u.text
        for k, u in enumerate(following)
        if k == 0 or u.kind == "table" or common.is_tabular(u.text)
    ]
    model_size = m.group(0).lower().startswith("model size")
    counts = (_COMPACT_COUNT,) if model_size else (_BIG_NUMBER, _COMMA_SPACE_COUNT)
    if max(sum(len(c.findall(r)) for r in rows) for c in counts) >= 2:
        return 1.2, common.evidence_from(caption, m.start())
    return None


def _names_a_method(text: str, quantity: str) -> bool:
    """A compact count whose magnitude letter starts a name: "0.52 T-CET"."""
    end = text.find(quantity) + len(quantity)
    return text[end : end + 1] in ("-", "(")


# "Table 8: Parameters for outlier injection": a table of settings, not of counts.
_SETTINGS_CAPTION = re.compile(
    r"param(?:eter)?s?\s+(?:for|used|in|"
    r"settings?|values|chosen|selected|adopted)\b",
    re.IGNORECASE,
)


def _settings_header(header: TextUnit, m: re.Match) -> bool:
    """A table caption (or a hyper-parameters header) whose "Parameters" names settings."""
    text = header.text
    if re.search(r"hyper-\s?$", text[max(0, m.start() - 7) : m.start()], re.IGNORECASE):
        return True
    return bool(_TABLE_CAPTION.match(text)) and bool(_SETTINGS_CAPTION.match(text, m.start()))


def _from_table(units: Sequence[TextUnit], i: int):
    """A header with a count in the same line or in the rows that follow on its page."""
    header = units[i]
    m = _column_header(header.text)
    if not m or _settings_header(header, m):
        return None
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
        big = [q for q in counts if q.value >= _MIN_COUNT and not _names_a_method(tail, q.text)]
        scaled = scaled_column and row is not header and _ANY_NUMBER.search(tail)
        if big or _BIG_NUMBER.search(tail) or scaled:
            value = big[0].value if big else None
            return 1.5, common.evidence_from(header, m.start(), value, "params" if big else None)
    return None


def detect(units: Sequence[TextUnit]) -> Finding:
    """Whether the paper states its models' parameter counts ("110M", a #Params column)."""
    passing = set(common.candidate_indices(units, PREFILTER))  # from the shared index
    at = [i for i, u in enumerate(units) if u.section != "references"]
    kept = [units[i] for i in at]
    found = []
    for j, i in enumerate(at):
        if i not in passing:
            continue
        hit = _explicit(kept[j]) or _from_table(kept, j) or _from_captioned_table(kept, j)
        if hit:
            found.append(hit)
    return common.result("params", found, METHOD)
