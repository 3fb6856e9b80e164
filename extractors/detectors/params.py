"""params: the number of parameters of the paper's model(s), as a number."""

from __future__ import annotations

import re
from typing import Sequence

from extractors.detectors import common
from extractors.document import CategoryResult, TextUnit
from extractors.quantities import parse_params

METHOD = "rules:params/v1"
PREFILTER = re.compile(r"param|weights", re.I)
_COLUMN = re.compile(r"#\s?Params|#\s?Parameters|\bParams?\.?\s*\((?:M|B|K|millions?)\)|"
                     r"\bParameters\s*\((?:M|B|K|millions?)\)|\bnumber of (?:model )?"
                     r"parameters\b|\bParams\b|\bParameters\b(?=\s+(?:\d|Top|FLOP|Acc|Mult))",
                     re.I)
_MIN_COUNT = 1000


def _score(unit: TextUnit):
    text = unit.text
    if common.is_related_work(text):
        return None
    tabular = unit.kind in ("caption", "table") or bool(_COLUMN.search(text))
    for q in parse_params(text, compact=tabular):
        if q.value < _MIN_COUNT:
            continue
        before = text[max(0, text.find(q.text) - 12):text.find(q.text)]
        if re.search(r"hyper-?$", before, re.I):
            continue
        return 2.0, common.evidence_from(unit, text.find(q.text), q.value, q.unit)
    if unit.kind in ("caption", "table") and _COLUMN.search(text) and re.search(r"\d", text):
        return 1.0, common.evidence_from(unit, _COLUMN.search(text).start())
    return None


def detect(units: Sequence[TextUnit]) -> CategoryResult:
    """Whether the paper states its models' parameter counts ("110M", a #Params column)."""
    return common.run("params", units, PREFILTER, _score, METHOD)
