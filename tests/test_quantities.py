"""Quantity parsers: example cases per unit and normalisation, plus property tests."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.quantities import (
    Quantity,
    parse_duration,
    parse_energy,
    parse_flops,
    parse_hardware,
    parse_number,
    parse_params,
    parse_trials,
)


def _one(found: list[Quantity], unit: str) -> Quantity:
    hits = [q for q in found if q.unit == unit]
    assert len(hits) == 1, found
    return hits[0]


# ----------------------------------------------------------------------- parse_number
@pytest.mark.parametrize(
    "text,value",
    [
        ("1,024", 1024.0),
        ("3.5", 3.5),
        ("eight", 8.0),
        ("Eight", 8.0),
        (".5", 0.5),
        ("12,345,678", 12345678.0),
        ("twelve", 12.0),
        (" 7 ", 7.0),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "one two", "1.2.3"])
def test_parse_number_rejects_non_numbers(text):
    with pytest.raises(ValueError):
        parse_number(text)


# ------------------------------------------------------------------------------ FLOPs
@pytest.mark.parametrize(
    "text,value,unit",
    [
        ("4.1 GFLOPs", 4.1e9, "FLOPs"),
        ("1.2 MFLOPs", 1.2e6, "FLOPs"),
        ("2.3 TFLOPs", 2.3e12, "FLOPs"),
        ("ResNet-50 needs 3.8 × 10^9 FLOPs per image", 3.8e9, "FLOPs"),
        ("3.8 x 10^9 FLOPs", 3.8e9, "FLOPs"),
        ("569M Mult-Adds", 569e6, "MACs"),
        ("300 MACs", 300.0, "MACs"),
        ("1.5 GMACs", 1.5e9, "MACs"),
        ("41 million multiply-adds", 41e6, "MACs"),
        ("1.5 billion operations", 1.5e9, "FLOPs"),
        ("3.5 petaflop/s-days", 3.5 * 1e15 * 86400, "FLOPs"),
        ("1,000 PF-days", 1000 * 1e15 * 86400, "FLOPs"),
        ("140M FLOPs", 140e6, "FLOPs"),
    ],
)
def test_parse_flops(text, value, unit):
    q = _one(parse_flops(text), unit)
    assert q.value == pytest.approx(value, rel=1e-9)
    assert q.text in text


def test_macs_are_not_converted_to_flops():
    # 1 MAC = 2 FLOPs by one convention only: the parser keeps MACs as MACs.
    assert parse_flops("300 MACs")[0].value == 300.0
    assert parse_flops("300 MACs")[0].unit == "MACs"


@pytest.mark.parametrize(
    "text",
    [
        "we apply 3 operations per layer",  # "operations" without a magnitude is no count
        "the FLOPs of the model are reported below",  # no number
        "complexity is O(n^2) in the sequence length",
        "",
    ],
)
def test_parse_flops_nothing(text):
    assert parse_flops(text) == []


# ------------------------------------------------------------- energy, CO2 and power
@pytest.mark.parametrize(
    "text,value,unit",
    [
        ("12 kWh", 12.0, "kWh"),
        ("300 Wh", 0.3, "kWh"),
        ("1.5 MWh", 1500.0, "kWh"),
        ("3.6 MJ", 1.0, "kWh"),
        ("1000 J", 1000 / 3.6e6, "kWh"),
        ("7.2 kJ", 7.2e3 / 3.6e6, "kWh"),
        ("656,347 kilowatt-hours", 656347.0, "kWh"),
        ("626,155 lbs of CO2e", 626155 * 0.45359237, "kgCO2e"),
        ("284 kg CO2e", 284.0, "kgCO2e"),
        ("5 t CO2e", 5000.0, "kgCO2e"),
        ("1.2 tonnes of CO2", 1200.0, "kgCO2e"),
        ("350 g CO2eq", 0.35, "kgCO2e"),
        ("250 W", 250.0, "W"),
        ("the GPU draws 300 watts", 300.0, "W"),
        ("1.5 kW", 1500.0, "W"),
    ],
)
def test_parse_energy(text, value, unit):
    q = _one(parse_energy(text), unit)
    assert q.value == pytest.approx(value, rel=1e-9)


def test_parse_energy_nothing_without_a_figure():
    assert parse_energy("energy efficiency matters for green AI") == []


# ------------------------------------------------------------------------- durations
@pytest.mark.parametrize(
    "text,value,unit",
    [
        ("45 ms", 45 / 3.6e6, "h"),
        ("12 milliseconds", 12 / 3.6e6, "h"),
        ("30 s", 30 / 3600, "h"),
        ("90 seconds", 90 / 3600, "h"),
        ("10 min", 10 / 60, "h"),
        ("45 minutes", 0.75, "h"),
        ("12 hours", 12.0, "h"),
        ("twelve hours", 12.0, "h"),
        ("3.5 days", 84.0, "h"),
        ("1 week", 168.0, "h"),
        ("2 weeks", 336.0, "h"),
        ("12 GPU-hours", 12.0, "GPU-h"),
        ("2 GPU days", 48.0, "GPU-h"),
        ("1.5K GPU hours", 1500.0, "GPU-h"),
        ("100 TPU-hours", 100.0, "GPU-h"),
    ],
)
def test_parse_duration(text, value, unit):
    q = _one(parse_duration(text), unit)
    assert q.value == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize(
    "text",
    [
        "a 3-year-old child",
        "x = 5 s+t",
        "",
        "trained for 300 epochs",
    ],
)
def test_parse_duration_ignores_non_durations(text):
    assert [q for q in parse_duration(text) if q.unit == "h"] == []


# -------------------------------------------------------------------------- hardware
@pytest.mark.parametrize(
    "text,count,model",
    [
        ("8 V100 GPUs", 8, "V100"),
        ("eight P100 GPUs", 8, "P100"),
        ("a single NVIDIA Titan X", 1, "Titan X"),
        ("on TPU v3 pods", 1, "TPU v3"),
        ("4x A100", 4, "A100"),
        ("4 × A100 80GB", 4, "A100"),
        ("GTX 1080 Ti", 1, "GTX 1080 Ti"),
        ("a single Nvidia GTX 1080Ti GPU", 1, "GTX 1080 Ti"),
        ("RTX 3090", 1, "RTX 3090"),
        ("GTX 750", 1, "GTX 750"),
        ("two NVIDIA Tesla V100", 2, "V100"),
        ("Tesla K80", 1, "K80"),
        ("Intel Xeon E5-2690", 1, "Xeon"),
        ("a GeForce 940MX laptop GPU", 1, "GeForce 940MX"),
        ("16 TPUv3 chips", 16, "TPU v3"),  # canonicalised spelling
    ],
)
def test_parse_hardware(text, count, model):
    q = _one(parse_hardware(text), model)
    assert q.value == count


@pytest.mark.parametrize(
    "text",
    [
        "we train on 8 GPUs",
        "our GPU cluster",
        "V100-based",
        "ResNet-50",
        "",
    ],
)
def test_parse_hardware_nothing_without_a_model(text):
    assert parse_hardware(text) == []


# ------------------------------------------------------------------ parameter counts
@pytest.mark.parametrize(
    "text,value",
    [
        ("110M parameters", 110e6),
        ("1.5 billion params", 1.5e9),
        ("two billion parameters", 2e9),
        ("340 million parameters", 340e6),
        ("24M trainable parameters", 24e6),
        ("3 × 10^6 parameters", 3e6),
        ("175B parameters", 175e9),
        ("60,000 parameters", 60000.0),
        ("4.2 million weights", 4.2e6),
    ],
)
def test_parse_params(text, value):
    q = _one(parse_params(text), "params")
    assert q.value == pytest.approx(value, rel=1e-9)


def test_parse_params_compact_only_when_asked():
    assert parse_params("ResNet-50 25.6M 76.1") == []
    q = _one(parse_params("ResNet-50 25.6M 76.1", compact=True), "params")
    assert q.value == pytest.approx(25.6e6)
    # compact counts skip quantities that are FLOPs or tokens
    assert parse_params("4.1B FLOPs", compact=True) == []
    assert parse_params("300B tokens", compact=True) == []


@pytest.mark.parametrize(
    "text",
    [
        "we tuned the hyperparameters",
        "the parameters are shared",
        "hidden size 1024",
    ],
)
def test_parse_params_nothing(text):
    assert parse_params(text) == []


# ---------------------------------------------------------------------------- trials
@pytest.mark.parametrize(
    "text,value",
    [
        ("100 trials", 100),
        ("we tried 50 random configurations", 50),
        ("1000 trials of hyperparameter optimization", 1000),
        ("twenty hyperparameter settings", 20),
        ("lr in {1e-3, 1e-4} and batch size in {16, 32, 64} by grid search", 6),
        ("grid search over dropout {0.1, 0.2, 0.3, 0.5}", 4),
    ],
)
def test_parse_trials(text, value):
    q = _one(parse_trials(text), "trials")
    assert q.value == value


def test_grid_needs_a_search_word():
    assert parse_trials("the set {1, 2, 3} of labels") == []


# ------------------------------------------------------------------ property tests
_amount = st.decimals(
    min_value="0.001", max_value="99999", places=3, allow_nan=False, allow_infinity=False
).map(lambda d: format(d.normalize(), "f"))
_FLOP_UNITS = {
    "FLOPs": 1.0,
    "KFLOPs": 1e3,
    "MFLOPs": 1e6,
    "GFLOPs": 1e9,
    "TFLOPs": 1e12,
    "PFLOPs": 1e15,
}
_ENERGY_UNITS = {"kWh": 1.0, "Wh": 1e-3, "MWh": 1e3, "J": 1 / 3.6e6, "kJ": 1 / 3.6e3, "MJ": 1 / 3.6}
_DURATION_UNITS = {
    "ms": 1 / 3.6e6,
    "s": 1 / 3600,
    "seconds": 1 / 3600,
    "min": 1 / 60,
    "minutes": 1 / 60,
    "hours": 1.0,
    "h": 1.0,
    "days": 24.0,
    "weeks": 168.0,
}
_PARAM_UNITS = {
    "parameters": 1.0,
    "K parameters": 1e3,
    "M parameters": 1e6,
    "million parameters": 1e6,
    "B params": 1e9,
    "billion parameters": 1e9,
}


@settings(max_examples=60, deadline=None)
@given(_amount, st.sampled_from(sorted(_FLOP_UNITS)))
def test_flops_round_trip(num, unit):
    q = _one(parse_flops(f"{num} {unit}"), "FLOPs")
    assert q.value == pytest.approx(float(num) * _FLOP_UNITS[unit], rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(_amount, st.sampled_from(sorted(_ENERGY_UNITS)))
def test_energy_round_trip(num, unit):
    q = _one(parse_energy(f"{num} {unit}"), "kWh")
    assert q.value == pytest.approx(float(num) * _ENERGY_UNITS[unit], rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(_amount, st.sampled_from(sorted(_DURATION_UNITS)))
def test_duration_round_trip(num, unit):
    q = _one(parse_duration(f"trained for {num} {unit}."), "h")
    assert q.value == pytest.approx(float(num) * _DURATION_UNITS[unit], rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(_amount, st.sampled_from(sorted(_PARAM_UNITS)))
def test_params_round_trip(num, unit):
    q = _one(parse_params(f"{num} {unit}"), "params")
    assert q.value == pytest.approx(float(num) * _PARAM_UNITS[unit], rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=9999),
    st.sampled_from(["V100", "A100", "P100", "TPU v3", "Titan X"]),
)
def test_hardware_count_round_trip(n, model):
    q = _one(parse_hardware(f"we used {n} {model} GPUs"), model)
    assert q.value == n


@settings(max_examples=60, deadline=None)
@given(_amount)
def test_scaling_invariants(num):
    assert parse_flops(f"{num} GFLOPs")[0].value == pytest.approx(
        1e9 * parse_flops(f"{num} FLOPs")[0].value, rel=1e-9
    )
    assert _one(parse_energy(f"{num} kWh"), "kWh").value == pytest.approx(
        3.6e6 * _one(parse_energy(f"{num} J"), "kWh").value, rel=1e-9
    )
    assert _one(parse_duration(f"{num} days"), "h").value == pytest.approx(
        24 * _one(parse_duration(f"{num} hours"), "h").value, rel=1e-9
    )
    assert _one(parse_duration(f"{num} GPU days"), "GPU-h").value == pytest.approx(
        24 * _one(parse_duration(f"{num} GPU hours"), "GPU-h").value, rel=1e-9
    )
    assert _one(parse_params(f"{num} billion parameters"), "params").value == pytest.approx(
        1e3 * _one(parse_params(f"{num} million parameters"), "params").value, rel=1e-9
    )


_PARSERS = (parse_flops, parse_energy, parse_duration, parse_hardware, parse_params, parse_trials)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_no_exception_on_arbitrary_text(text):
    for parser in _PARSERS:
        found = parser(text)
        assert isinstance(found, list)
        for q in found:
            assert isinstance(q, Quantity) and math.isfinite(q.value) and q.value >= 0
            assert q.text


_pieces = st.sampled_from(
    [
        "3.5",
        "1,024",
        " ",
        "GFLOPs",
        "kWh",
        "J",
        "hours",
        "GPU",
        "V100",
        "M",
        "parameters",
        "{1, 2}",
        "grid",
        "x 10^",
        "9",
        "-",
        "days",
        "of",
        "CO2e",
        "lbs",
        "trials",
        "eight",
        "ms",
        "W",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_pieces, max_size=12).map(" ".join))
def test_no_exception_on_unit_soup(text):
    # arbitrary text rarely hits a unit; this mixes numbers and unit words at random
    for parser in _PARSERS:
        for q in parser(text):
            assert math.isfinite(q.value)
