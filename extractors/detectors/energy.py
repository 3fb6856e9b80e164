"""energy: energy consumed, power drawn or carbon emitted by the paper's experiments."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.detectors import common
from extractors.document import TextUnit
from extractors.findings import Finding
from extractors.quantities import parse_energy

METHOD = "rules:energy/v2"
PREFILTER = re.compile(
    r"wh\b|joule|\d\s*k?J\b|co2|co₂|carbon|emission|watt|\d\s*k?W\b|"
    r"power|energy",
    re.IGNORECASE,
)
_POWER_CONTEXT = re.compile(r"power|consum|draw|energy|watt|TDP|usage", re.IGNORECASE)
_NOT_OURS = re.compile(r"\b(?:would|could) (?:emit|consume)|\bsuch as\b", re.IGNORECASE)
# "20g CO2eq/kWh" is a grid's carbon intensity, not what an experiment emitted.
# "fits within a 2 W power budget": a design limit, not power drawn
_POWER_LIMIT_AFTER = re.compile(r"^\s*(?:power\s+)?(?:budget|limit|envelope|cap)\b", re.IGNORECASE)
_POWER_LIMIT_BEFORE = re.compile(
    r"\b(?:within|under|below|up to|at most|less than)\s+(?:a\s+|an\s+)?$", re.IGNORECASE
)
# "2J(K)", "∇ 2J(θ)", "3J_t": J as a cost or objective symbol times a number, not joules.
# A bare J (not kJ/MJ/GJ/joules) counts only apart from its number and not applied to
# an argument, subscripted or raised.
_J_SYMBOL_AFTER = re.compile(r"^\s*[(\[_^*∗′'=⋆⊤]")


def _symbol_j(q_text: str, after: str) -> bool:
    """A bare "J" glued to its number or used as a function/subscripted symbol."""
    if not q_text.endswith("J") or q_text[-2:-1] in ("k", "M", "G", "m", "µ", "μ", "u"):
        return False
    return not q_text[-2:-1].isspace() or bool(_J_SYMBOL_AFTER.match(after))


# Energy or power of the system a paper studies or controls (a building, a grid, a battery,
# a vehicle or robot, a radio transmitter, a molecule), not of the computers that ran it:
# such a figure counts only where the same unit names compute too.
_PHYSICAL_SYSTEM = re.compile(
    r"\b(?:building|HVAC|heating|cooling|thermal|grid|power (?:system|plant|line|flow)|"
    r"batter(?:y|ies)|charging|vehicles?|EVs?|motors?|engines?|turbines?|generators?|"
    r"wind|solar|photovoltaic|household|appliances?|residential|demand response|load profile|"
    r"robots?|actuators?|torque|locomotion|transmi(?:t|ssion)\w*|antennas?|"
    r"base stations?|signal|channel|SNR|wireless|laser|molecul\w*|atom\w*|enthalpy|"
    r"kinetic|potential energy|Hamiltonian|particles?|physical system|mol\b|"
    # energy data sets: a meter's or a country's consumption is data, not the runs' cost
    r"clients|customers|consumers|smart meters?|per capita|countr(?:y|ies))",
    re.IGNORECASE,
)
_COMPUTE = re.compile(
    r"\b(?:GPUs?|CPUs?|TPUs?|FPGAs?|ASICs?|accelerators?|chips?|processors?|hardware|"
    r"servers?|nodes?|clusters?|Jetson|Raspberry|smartphones?|laptops?|training|trained|"
    r"inference|carbon footprint|neural networks?|compute|computing|computation)\b",
    re.IGNORECASE,
)
# An emission figure given label first, as in a table of the runs' resources ("CO2
# Emission/Day 1.45 Kg", "CO2e emissions: 12.3 kg"): the quantity parser reads only
# "1.45 kg CO2". A citation before the figure makes it another work's.
_EMISSION_LABEL = re.compile(
    r"\b(?:CO2|CO₂|carbon)(?:e|eq)?\s+(?:emissions?|emitted|footprint)\s*(?:/\s*\w+)?"
    r"\s*[†‡*]?\s*(?:\((?:kg|g|t|lbs)\))?\s*[:=]?\s*(\d[\d.,]*)\s*"
    r"(?:kg|g|t|tons?|tonnes?|lbs)\b",
    re.IGNORECASE,
)
# A table's title or header in energy per item of work ("Joule/query", "kWh per image"),
# its rows following: a figure of energy whose numbers are in the rows.
_ENERGY_PER_ITEM = re.compile(
    r"^\W*(?:energy\s*)?\(?\s*(?:[mµμk]?J|Joules?|[mk]?Wh|kilowatt[- ]hours?)\s*(?:/|per)\s*"
    r"(?:query|image|sample|inference|token|example|request|prediction|frame)\b",
    re.IGNORECASE,
)
_CITATION = re.compile(r"\bet al\b|\[\d+(?:[,–-]\s*\d+)*\]|\((?:[A-Z][\w-]+,? )+(?:19|20)\d\d")
_INTENSITY_AFTER = re.compile(r"^[\w-]*\s*(?:/|per)\s*k?Wh\b", re.IGNORECASE)
# An energy or emission figure must be about running something, not energy in general.
_RUN_CONTEXT = re.compile(
    r"\b(?:we|our|us)\b|train|experiment|inference|consum|emit|emission|"
    r"run|model|GPU|TPU|CPU|hours|measured|footprint|cost",
    re.IGNORECASE,
)


def _physical(text: str) -> bool:
    return bool(_PHYSICAL_SYSTEM.search(text)) and not _COMPUTE.search(text)


def _score(unit: TextUnit):
    hit = _figure(unit)
    return None if hit is None or _physical(unit.text) else hit


def _figure(unit: TextUnit):
    text = unit.text
    # checked before the related-work test: a tool cited after the figure ("Calculated
    # using the ML CO2 impact framework (Lacoste et al., 2019)") leaves the figure ours
    label = _EMISSION_LABEL.search(text)
    if label and not _CITATION.search(text[: label.start(1)]):
        return 2.0, common.evidence_from(unit, label.start())
    if common.is_related_work(text):
        return None
    for q in parse_energy(text):
        if q.unit == "W" and not _POWER_CONTEXT.search(text):
            continue
        if q.unit == "kWh" and re.search(r"J\b", q.text) and not _POWER_CONTEXT.search(text):
            continue
        if q.unit == "W" and re.search(
            r"\bTDP\b|rated|maximum power|power limit", text, re.IGNORECASE
        ):
            continue
        weight = 2.0 if q.unit in ("kWh", "kgCO2e") else 1.5
        end = text.find(q.text) + len(q.text)
        if common.cited_nearby(text, end - len(q.text), end):
            continue
        if q.unit == "kWh" and _symbol_j(q.text, text[end : end + 3]):
            continue
        if q.unit == "W" and (
            _POWER_LIMIT_AFTER.match(text[end : end + 30])
            or _POWER_LIMIT_BEFORE.search(text[max(0, end - len(q.text) - 20) : end - len(q.text)])
        ):
            continue
        if q.unit == "kgCO2e" and _INTENSITY_AFTER.match(text[end : end + 8]):
            continue
        if q.unit in ("kWh", "kgCO2e") and not _RUN_CONTEXT.search(text):
            continue
        if _NOT_OURS.search(text):
            weight -= 1.0
        return weight, common.evidence_from(unit, text.find(q.text), q.value, q.unit)
    if (unit.kind in ("caption", "table") or common.is_tabular(text)) and re.search(
        r"\b(?:energy|power)\s*\((?:k?Wh|k?J|W|mJ|mW)\)|CO2e?\s*\((?:kg|g|lbs|t)\)",
        text,
        re.IGNORECASE,
    ):
        return 1.0, common.evidence_from(unit)
    return None


def _table_header(units: Sequence[TextUnit], i: int):
    """A unit that opens a table in energy per item of work, its next unit a table row."""
    unit = units[i]
    nxt = units[i + 1] if i + 1 < len(units) else None
    if (
        _ENERGY_PER_ITEM.search(unit.text)
        and nxt is not None
        and nxt.page == unit.page
        and (nxt.kind == "table" or common.is_tabular(nxt.text))
        and not _physical(unit.text)
    ):
        return 1.0, common.evidence_from(unit)
    return None


def detect(units: Sequence[TextUnit]) -> Finding:
    """Whether the paper gives a figure for energy (J, Wh), power (W) or CO2 of its runs."""
    found = common.run("energy", units, PREFILTER, _score, METHOD)
    if found.reported:
        return found
    for i, unit in enumerate(units):
        if unit.section != "references" and (hit := _table_header(units, i)):
            return common.result("energy", [hit], METHOD)
    return found
