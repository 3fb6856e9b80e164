"""Parse the quantities papers report into normalised values and units.

Pure functions of text. Normalised units:
  FLOPs        floating-point operations (GFLOPs x 1e9, petaflop/s-days x 8.64e19)
  MACs         multiply-accumulates, kept as MACs (1 MAC = 2 FLOPs; not converted, since
               papers disagree on the factor)
  kWh          energy (J, Wh, kWh, MWh converted)
  kgCO2e       emissions (g, kg, t / lbs CO2 or CO2e converted)
  W            power drawn
  h            durations and wall-clock time (s, ms, min, hours, days, weeks converted)
  GPU-h        accelerator-hours (GPU-hours, TPU-hours, GPU days)
  params       parameter counts (110M, 1.5B, 340 million)
  trials       number of hyperparameter configurations tried
  <GPU model>  hardware: value = device count (1 when not stated), unit = model name
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.hardware_facts import MODEL_NAMES, MODEL_PATTERNS

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_WORD_NUMBERS = {
    "one": 1,
    "a": 1,
    "an": 1,
    "single": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "sixteen": 16,
    "twenty": 20,
    "thirty-two": 32,
    "sixty-four": 64,
    "hundred": 100,
}
_WORD_NUM = (
    r"(?:\b(?:"
    + "|".join(sorted((w for w in _WORD_NUMBERS if len(w) > 2), key=len, reverse=True))
    + r")(?=\s))"
)
_MAGNITUDE = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "million": 1e6,
    "mil": 1e6,
    "b": 1e9,
    "billion": 1e9,
    "bn": 1e9,
    "g": 1e9,
    "t": 1e12,
    "trillion": 1e12,
    "p": 1e15,
    "e": 1e18,
}
_SCI = r"(?:\s*(?:[x×∗*·]|\\times)\s*10\s*\^?\s*\{?\s*(?P<exp>[-−–]?\s*\d+)\s*\}?)?"


@dataclass(frozen=True)
class Quantity:
    """A parsed amount: normalised value and unit, and the text it was read from."""

    value: float
    unit: str
    text: str


def parse_number(text: str) -> float:
    """'1,024' -> 1024.0, '3.5' -> 3.5, 'eight' -> 8.0; ValueError otherwise."""
    t = text.strip().lower().replace("\u2009", "").replace(" ", "")
    if t in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[t])
    return float(t.replace(",", ""))


_MAX_EXPONENT = 300  # beyond a float's range: "10^400" is not a quantity anyone ran


def _exponent(match: re.Match) -> int:
    exp = match.groupdict().get("exp")
    return int(exp.replace("−", "-").replace("–", "-").replace(" ", "")) if exp else 0


def _exp(match: re.Match) -> float:
    return 10.0 ** _exponent(match)


def _sane(match: re.Match) -> bool:
    """The match's power of ten (if any) is within a float's range."""
    return abs(_exponent(match)) <= _MAX_EXPONENT


# ---------------------------------------------------------------------------- FLOPs
_FLOP_PREFIX = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9, "b": 1e9, "t": 1e12, "p": 1e15, "e": 1e18}
_HYPHEN = "[-‐‑–]"  # PDFs write "multiply-adds" with any of these
_E_NOTATION = r"(?:[eE](?P<e>[+-]?\d{1,3}))?"
_FLOPS_RE = re.compile(
    rf"(?P<num>{_NUM}){_E_NOTATION}{_SCI}\s*(?P<mag>thousand|million|billion|trillion|[KMBGTPE])?\s*"
    r"(?P<unit>(?P<pre>[kKMGTPEB])?(?:FLOPs|FLOPS|Flops|flops|FLOP|MACs|MACS|MAC|Macs)"
    rf"|[Mm]ult{_HYPHEN}[Aa]dds|[Mm]ultiply{_HYPHEN}[Aa]dds|MAdds|Madds"
    rf"|multiply{_HYPHEN}accumulates|multiply{_HYPHEN}accumulate operations"
    rf"|multiplications{_HYPHEN}additions|(?:floating{_HYPHEN}?\s?point|arithmetic)\s+operations"
    r"|operations|OPs|ops)\b"
)
# The unit first, then the amount with a magnitude: "FLOPs of 4.1G", "MACs: 569M",
# "FLOPs around 4.5×10^9" (a bare "FLOPs of 2 models" has no magnitude and is no count).
_FLOPS_UNIT_FIRST_RE = re.compile(
    rf"\b(?P<pre>[GMTBK])?(?P<unit>FLOPs|MACs|Mult{_HYPHEN}Adds|MAdds)\s*"
    r"(?:of|:|=|≈|~|is|are|around|about|approximately|reaches|reduced to)\s*"
    r"(?:about|around|approximately|only|just|~|≈)?\s*"
    rf"(?P<num>{_NUM}){_SCI}\s*(?P<mag>[KMBGT]\b|thousand|million|billion|trillion)?(?!\w)"
)
_PFS_DAYS_RE = re.compile(
    rf"(?P<num>{_NUM})\s*(?:petaflop/s-days?|PF-days?|pfs-days?)", re.IGNORECASE
)


def _flops_kind(unit: str) -> str:
    return "MACs" if re.search(r"mac|mult|multipl|madd", unit, re.IGNORECASE) else "FLOPs"


def parse_flops(text: str) -> list[Quantity]:
    """FLOP and MAC counts: '4.1 GFLOPs', '569M Mult-Adds', '3.8 × 10^9 FLOPs', '6e23
    FLOPs', '4.1 billion floating-point operations', 'FLOPs of 4.1G'."""
    out = []
    for m in _FLOPS_RE.finditer(text):
        if not _sane(m):
            continue
        unit = m.group("unit")
        pre = (m.group("pre") or "").lower()
        mag = (m.group("mag") or "").lower()
        scale = _FLOP_PREFIX.get(pre, 1.0) * _MAGNITUDE.get(mag, 1.0)
        e = int(m.group("e")) if m.group("e") else 0
        if e < 0:
            continue  # "1e-3 ops": a rate or a tolerance, not a count
        if unit.lower() in ("operations", "ops") and not mag and scale == 1.0 and not e:
            continue  # "3 operations" is not a FLOP count without a magnitude
        value = parse_number(m.group("num")) * 10.0**e * _exp(m) * scale
        out.append(Quantity(value, _flops_kind(unit), m.group(0)))
    for m in _FLOPS_UNIT_FIRST_RE.finditer(text):
        mag = (m.group("mag") or "").lower()
        if not _sane(m) or not (m.group("pre") or mag or m.group("exp")):
            continue
        scale = _FLOP_PREFIX.get((m.group("pre") or "").lower(), 1.0) * _MAGNITUDE.get(mag, 1.0)
        value = parse_number(m.group("num")) * _exp(m) * scale
        out.append(Quantity(value, _flops_kind(m.group("unit")), m.group(0)))
    for m in _PFS_DAYS_RE.finditer(text):
        out.append(Quantity(parse_number(m.group("num")) * 1e15 * 86400, "FLOPs", m.group(0)))
    return out


# ---------------------------------------------------------------- energy, CO2, power
# A number glued to a letter or operator before it ("ε_{t+1}W_h", "x2J") is part of a
# formula: energy and power amounts start after a space, bracket or the text's start.
_NOT_IN_FORMULA = r"(?<![\w.+*/^=∗·])"
_ENERGY_RE = re.compile(
    rf"{_NOT_IN_FORMULA}(?P<num>{_NUM}){_SCI}\s*(?P<unit>MWh|kWh|KWh|kwh|mWh|Wh|kJ|MJ|GJ|mJ|[µμu]J|J|joules?|"
    r"kilowatt[- ]hours?|megawatt[- ]hours?)\b"
)
# milli/micro units whose lower case would read as mega (mWh/MWh, mJ/MJ): case-sensitive
_SMALL_ENERGY = {"mWh": 1e-6, "mJ": 1e-3 / 3.6e6, "µJ": 1e-6 / 3.6e6, "μJ": 1e-6 / 3.6e6}
_SMALL_ENERGY["uJ"] = _SMALL_ENERGY["µJ"]
_ENERGY_SCALE = {
    "mwh": 1000.0,
    "kwh": 1.0,
    "wh": 1e-3,
    "j": 1 / 3.6e6,
    "joule": 1 / 3.6e6,
    "joules": 1 / 3.6e6,
    "kj": 1 / 3.6e3,
    "mj": 1 / 3.6,
    "gj": 1e3 / 3.6,
    "kilowatt-hour": 1.0,
    "kilowatt-hours": 1.0,
    "kilowatt hour": 1.0,
    "kilowatt hours": 1.0,
    "megawatt-hour": 1000.0,
    "megawatt-hours": 1000.0,
    "megawatt hour": 1000.0,
    "megawatt hours": 1000.0,
}
_CO2_RE = re.compile(
    rf"(?P<num>{_NUM}){_SCI}\s*(?P<unit>tonnes?|tons?|t|kg|g|lbs?|pounds?|metric tons?)\s*"
    r"(?:of\s+)?(?:CO2|CO₂|CO 2|carbon)(?:-eq|eq| equivalent|e)?",
    re.IGNORECASE,
)
_CO2_SCALE = {
    "t": 1000.0,
    "ton": 1000.0,
    "tons": 1000.0,
    "tonne": 1000.0,
    "tonnes": 1000.0,
    "metric ton": 1000.0,
    "metric tons": 1000.0,
    "kg": 1.0,
    "g": 1e-3,
    "lb": 0.45359237,
    "lbs": 0.45359237,
    "pound": 0.45359237,
    "pounds": 0.45359237,
}
_POWER_RE = re.compile(
    rf"{_NOT_IN_FORMULA}(?P<num>{_NUM})\s*(?P<unit>kW|MW|mW|W|watts?|kilowatts?|milliwatts?)\b"
)
_SMALL_POWER = {"mW": 1e-3, "milliwatt": 1e-3, "milliwatts": 1e-3}
_POWER_SCALE = {
    "w": 1.0,
    "watt": 1.0,
    "watts": 1.0,
    "kw": 1e3,
    "kilowatt": 1e3,
    "kilowatts": 1e3,
    "mw": 1e6,
}


def parse_energy(text: str) -> list[Quantity]:
    """Energy (-> kWh), emissions (-> kgCO2e) and power (-> W)."""
    out = []
    for m in _ENERGY_RE.finditer(text):
        if not _sane(m):
            continue
        raw = m.group("unit")
        scale = _SMALL_ENERGY.get(raw) or _ENERGY_SCALE[raw.lower()]
        out.append(Quantity(parse_number(m.group("num")) * _exp(m) * scale, "kWh", m.group(0)))
    for m in _CO2_RE.finditer(text):
        if not _sane(m):
            continue
        unit = m.group("unit").lower()
        out.append(
            Quantity(
                parse_number(m.group("num")) * _exp(m) * _CO2_SCALE[unit], "kgCO2e", m.group(0)
            )
        )
    for m in _POWER_RE.finditer(text):
        out.append(
            Quantity(
                parse_number(m.group("num"))
                * (_SMALL_POWER.get(m.group("unit")) or _POWER_SCALE[m.group("unit").lower()]),
                "W",
                m.group(0),
            )
        )
    return out


# ------------------------------------------------------------------------- durations
_DURATION_UNITS = {
    "ms": 1 / 3.6e6,
    "msec": 1 / 3.6e6,
    "millisecond": 1 / 3.6e6,
    "milliseconds": 1 / 3.6e6,
    "µs": 1 / 3.6e9,
    "us": 1 / 3.6e9,
    "s": 1 / 3600,
    "sec": 1 / 3600,
    "secs": 1 / 3600,
    "second": 1 / 3600,
    "seconds": 1 / 3600,
    "min": 1 / 60,
    "mins": 1 / 60,
    "minute": 1 / 60,
    "minutes": 1 / 60,
    "h": 1.0,
    "hr": 1.0,
    "hrs": 1.0,
    "hour": 1.0,
    "hours": 1.0,
    "day": 24.0,
    "days": 24.0,
    "week": 168.0,
    "weeks": 168.0,
}
_DURATION_RE = re.compile(
    rf"(?<![\w.])(?P<num>{_NUM}|{_WORD_NUM})\s*(?:-\s*)?(?P<unit>milliseconds?|msec|ms|µs|seconds?|secs?|"
    r"minutes?|mins?|hours?|hrs?|days?|weeks?|h|s|min)\b(?![-/]?\s*(?:old|ahead))",
    re.IGNORECASE,
)
_IN_FORMULA = re.compile(r"^\s*[-+=*/^)(,]\s*[\w(]|^\s*[)\]]")
_ACCEL_HOURS_RE = re.compile(
    rf"(?P<num>{_NUM})\s*(?P<mag>[kKM]|thousand|million)?\s*(?P<dev>GPU|TPU|TPUv\d|core)"
    r"[- ]?(?P<unit>hours?|hrs?|days?|years?)\b",
    re.IGNORECASE,
)


def parse_duration(text: str) -> list[Quantity]:
    """Durations (-> h) and accelerator time (-> GPU-h): '3 days', '45 ms', '12 GPU-hours'."""
    out = []
    for m in _ACCEL_HOURS_RE.finditer(text):
        unit = m.group("unit").lower()
        scale = 24.0 if unit.startswith("day") else 8760.0 if unit.startswith("year") else 1.0
        mag = _MAGNITUDE.get((m.group("mag") or "").lower(), 1.0)
        out.append(Quantity(parse_number(m.group("num")) * scale * mag, "GPU-h", m.group(0)))
    for m in _DURATION_RE.finditer(text):
        unit = m.group("unit").lower()
        if unit not in _DURATION_UNITS:
            continue
        follow = text[m.end() : m.end() + 5]
        if unit in ("s", "h", "min") and _IN_FORMULA.search(follow):
            # "f(2s)" is a formula, "(computation time 1.14s)" a measurement
            if not ("." in m.group("num") and follow.lstrip().startswith(")")):
                continue
        out.append(Quantity(parse_number(m.group("num")) * _DURATION_UNITS[unit], "h", m.group(0)))
    return out


# -------------------------------------------------------------------------- hardware
# Accelerator and processor models, most specific first, and families named by a pattern:
# kept once, in corpus.hardware_facts (with their peak FLOP/s).
GPU_MODELS = MODEL_NAMES
_MODEL_PATTERNS = MODEL_PATTERNS
_MODEL_ALT = "|".join(
    [
        re.escape(m).replace(r"\ ", " ").replace(" ", r"\s?")
        for m in sorted(set(GPU_MODELS), key=len, reverse=True)
    ]
    + list(_MODEL_PATTERNS)
)
HARDWARE_RE = re.compile(
    rf"(?<![\w.-])(?:(?P<count>\d{{1,4}}|{_WORD_NUM})\s*(?:[x×]\s*)?"
    r"(?:(?:NVIDIA|Nvidia|nVidia|Google|Intel|AMD|GeForce|Tesla|Quadro)\s+){0,3})?"
    rf"(?P<model>{_MODEL_ALT})s?(?![\w]|-(?:packed|based|like|style|friendly))",
    re.IGNORECASE,
)


def _canonical_model(raw: str) -> str:
    cleaned = re.sub(r"\s+", " ", raw).strip()
    for model in GPU_MODELS:
        if cleaned.lower().replace(" ", "") == model.lower().replace(" ", ""):
            return re.sub(r"^Tesla ", "", model)
    return cleaned


def parse_hardware(text: str) -> list[Quantity]:
    """Devices named with a model: '8 V100 GPUs' -> Quantity(8, 'V100'); count 1 if unstated."""
    out = []
    for m in HARDWARE_RE.finditer(text):
        count = parse_number(m.group("count")) if m.group("count") else 1.0
        out.append(Quantity(count, _canonical_model(m.group("model")), m.group(0).strip()))
    return out


# ------------------------------------------------------------------ parameter counts
_PARAMS_RE = re.compile(
    rf"(?<![\w.])(?P<num>{_NUM}|{_WORD_NUM}(?=\s+(?:thousand|million|billion|trillion)))"
    rf"{_SCI}\s*(?P<mag>thousand|million|billion|trillion|[KMBT]|mil|bn)?\s*"
    r"(?:trainable\s+|learnable\s+|total\s+|free\s+|model\s+|network\s+)?"
    r"(?P<unit>parameters|params|weights|param)\b",
    re.IGNORECASE,
)
_PARAMS_COMPACT_RE = re.compile(
    rf"(?<![\w.])(?P<num>{_NUM})\s?(?P<mag>[KMBT])\b(?![-/]?\s*(?:FLOP|MAC|Mult|token|"
    r"sample|image|example|word|sentence|step|iter|hour|GPU|pixel|instance|pair))"
)


def parse_params(text: str, *, compact: bool = False) -> list[Quantity]:
    """Parameter counts: '110M parameters', '1.5 billion params'; with compact=True also
    bare '25.6M' (used on table rows and captions that are about parameters)."""
    out = [
        Quantity(
            parse_number(m.group("num"))
            * _exp(m)
            * _MAGNITUDE.get((m.group("mag") or "").lower(), 1.0),
            "params",
            m.group(0),
        )
        for m in _PARAMS_RE.finditer(text)
        if _sane(m)
    ]
    if compact and not out:
        out = [
            Quantity(
                parse_number(m.group("num")) * _MAGNITUDE[m.group("mag").lower()],
                "params",
                m.group(0),
            )
            for m in _PARAMS_COMPACT_RE.finditer(text)
        ]
    return out


# ---------------------------------------------------------------------------- trials
_TRIALS_RE = re.compile(
    rf"(?<![\w.])(?P<num>{_NUM}|{_WORD_NUM})\s+(?:random\s+|different\s+|hyper-?parameter\s+|"
    r"independent\s+|candidate\s+|search\s+|tuning\s+)*"
    r"(?P<unit>trials|configurations|configs|hyper-?parameter (?:settings|combinations)|"
    r"(?:candidate |child |sampled )?architectures|"
    r"samples of hyperparameters|runs|evaluations|"
    r"sets of (?:[a-z]+ ){0,4}?(?:hyper-?)?parameters)\b",
    re.IGNORECASE,
)
_GRID_RE = re.compile(r"\{([^{}]{1,120})\}")


_SET_ELEMENT = re.compile(r"[\w.+\-−%×/' ]{1,24}")
_VARIABLE = re.compile(r"[A-Za-z]\w?\d*|\d+")  # "x1", "n", "3": indices, not values tried


def _value_set(inner: str) -> bool:
    """A set of values a hyperparameter takes ("0.1, 0.01", "adam, sgd"), not a set of
    symbols or an index range ("x1, x2, x3", "1, . . . , 8", "f (x1), · · ·")."""
    items = [x.strip() for x in inner.split(",")]
    if len(items) < 2 or any(
        not _SET_ELEMENT.fullmatch(x) or not re.search(r"[^\W_]", x) for x in items
    ):
        return False
    return not all(_VARIABLE.fullmatch(x) for x in items) or all(x.isdigit() for x in items)


def parse_trials(text: str) -> list[Quantity]:
    """Number of hyperparameter configurations: '100 trials', or a grid's size from its
    value sets ('lr in {1e-3, 1e-4} and batch size in {16, 32, 64}' -> 6)."""
    out = [
        Quantity(parse_number(m.group("num")), "trials", m.group(0))
        for m in _TRIALS_RE.finditer(text)
    ]
    sets = [s for s in _GRID_RE.findall(text) if _value_set(s)]
    if not out and len(sets) >= 1 and re.search(r"grid|search|sweep|tun", text, re.IGNORECASE):
        size = 1
        for s in sets:
            size *= len([x for x in s.split(",") if x.strip()])
        out.append(
            Quantity(
                float(size), "trials", "grid of " + " x ".join("{" + s.strip() + "}" for s in sets)
            )
        )
    return out


# the parser of the values each category's evidence carries (training_curve's carry none)
PARSERS = {
    "flops": parse_flops,
    "energy": parse_energy,
    "runtime": parse_duration,
    "hardware": parse_hardware,
    "params": parse_params,
    "search_budget": parse_trials,
}
