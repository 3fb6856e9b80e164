"""The hardware token check without spaCy answers as spaCy does, or not at all."""

from __future__ import annotations

import json
import re

import pytest

from extractors import hwtokens
from extractors.quantities import GPU_MODELS


def _spacy_answer(text: str) -> bool:
    from extractors.detectors import hardware

    return bool(hardware._matcher()(hardware.common.nlp().make_doc(text)))


def _variants() -> list[str]:
    out = []
    for model in GPU_MODELS:
        for pre in (
            "",
            "8 ",
            "8x",
            "8x ",
            "eight ",
            "two NVIDIA ",
            "4 Nvidia Tesla ",
            "1,024 ",
            "8\u00d7 ",
            "single ",
        ):
            for var in (
                model,
                model.lower(),
                model.upper(),
                model.replace(" ", ""),
                model + "s",
                model + "-based",
            ):
                out.append(re.sub(r"s$", "", pre + var))
    return sorted(set(out))


def test_table_is_that_of_the_installed_spacy(tmp_path):
    pytest.importorskip("spacy")
    hwtokens.build(tmp_path / "t.json")
    assert json.loads((tmp_path / "t.json").read_text()) == json.loads(
        hwtokens.TABLE.read_text()
    ), "run: python -m extractors.hwtokens"


def test_same_answer_as_spacy_or_none():
    pytest.importorskip("spacy")
    texts = _variants() + [
        "GTX750",
        "RTX2080Ti",
        "one p100",
        "Jetson AGX Xavier",
        "A10G",
        "GeForce 940MX",
        "Cortex-A",
        "  V100",
        "V100\tGPU",
    ]
    decided = 0
    for text in texts:
        fast = hwtokens.confirmed(text)
        if fast is not None:
            decided += 1
            assert fast == _spacy_answer(text), text
    assert decided > 0.7 * len(texts)  # "-based", "1,024": affixes that spaCy must split


def test_a_model_missing_from_the_table_defers_to_spacy(monkeypatch):
    import extractors.quantities as q

    hwtokens._table.cache_clear()
    monkeypatch.setattr(q, "GPU_MODELS", (*q.GPU_MODELS, "Brand New X1"))
    try:
        assert hwtokens.confirmed("8 V100") is None
    finally:
        hwtokens._table.cache_clear()


# CPU parts, named systems, FPGAs and cloud instance types as papers write them (issue 11's
# patterns), and GPU families: hardware._NAMED_SHAPE keeps these without the token check.
_NAMED = (
    "Intel(R) i9-9900X",
    "Intel(R) Core(TM) i7-6700",
    "Intel R CoreTM i7-6700",
    "Intel Core i5",
    "Intel i7-10750H",
    "i7-3770K",
    "i7-6600",
    "i9-9900X",
    "Intel Xeon E5-2620 v4",
    "Intel E5-2620",
    "Intel L5520",
    "Intelr Xeonr E5-2670",
    "AMD Opteron",
    "Pentium",
    "Core 2 Duo",
    "MacBook Pro",
    "Mac mini",
    "NVIDIA DGX",
    "DGX-1",
    "DGX A100",
    "AMD MI50",
    "Apple M1 Max",
    "Xilinx Zynq",
    "Alveo",
    "Graviton2",
    "Intel NUC",
    "Tesla-V100",
    "TPU v3",
    "GTX 750",
    "GTX-1070",
    "RTX2080Ti",
    "GeForce 940MX",
    "Quadro 6000P",
    "NVIDIA 1080Ti",
    "AWS p3.2xlarge",
    "m6i.4xlarge",
    "m5.metal",
    "n1-standard-8",
    "a2-highgpu-1g",
    "Standard_NC6s_v3",
)


def _hardware_sentences() -> list[str]:
    out = []
    for name in (*_NAMED, *GPU_MODELS):
        for pre in ("", "8 ", "two ", "4x ", "a ", "an "):
            for tail in ("CPU", "GPUs", "processor @ 3.6GHz", "computer", "machines", ""):
                out.append(f"We ran all experiments on {pre}{name} {tail}.".replace(" .", "."))
    return out


def test_named_shapes_need_no_token_check(monkeypatch):
    from extractors.detectors import hardware
    from extractors.document import TextUnit
    from extractors.quantities import parse_hardware

    def no_check(text):
        raise AssertionError(f"token check asked for {text!r}")

    monkeypatch.setattr(hardware, "_confirmed_by_tokens", no_check)
    for name in _NAMED:
        text = f"We ran all experiments on {name} CPU."
        assert any(hardware._NAMED_SHAPE.search(q.text) for q in parse_hardware(text)), name
        assert hardware._score(TextUnit(3, "body", "sentence", text)) is not None, name


def test_the_token_check_cannot_change_a_named_shape(monkeypatch):
    # the rule is "named shape OR confirmed by tokens": where the shape holds, either
    # answer of the check gives the same evidence, so skipping it changes nothing
    from extractors.detectors import hardware
    from extractors.document import TextUnit
    from extractors.quantities import parse_hardware

    checked = 0
    for text in _hardware_sentences():
        if not all(hardware._NAMED_SHAPE.search(q.text) for q in parse_hardware(text)):
            continue
        unit = TextUnit(3, "body", "sentence", text)
        answers = []
        for verdict in (True, False):
            monkeypatch.setattr(hardware, "_confirmed_by_tokens", lambda _t, v=verdict: v)
            answers.append(hardware._score(unit))
        assert answers[0] == answers[1], text
        checked += 1
    assert checked > 500


def test_hardware_answers_as_with_spacy_everywhere(monkeypatch):
    # every fast path (the named shape first, the token table) against spaCy for each check
    pytest.importorskip("spacy")
    from extractors.detectors import hardware
    from extractors.document import TextUnit

    units = [TextUnit(3, "body", "sentence", t) for t in _hardware_sentences()]
    fast = [hardware._score(u) for u in units]
    monkeypatch.setattr(hwtokens, "confirmed", lambda _t: None)
    assert [hardware._score(u) for u in units] == fast
    assert sum(f is not None for f in fast) > 0.5 * len(units)


def test_a_whole_model_name_with_affixes_is_decided_as_spacy_does():
    # "A10G" (a unit-like suffix) and "Cortex-A" (a hyphen infix) are models themselves
    pytest.importorskip("spacy")
    texts = ["A10G", "8 A10G", "two NVIDIA A10G", "Cortex-A", "4 Cortex-A", "an A10G GPU"]
    for text in texts:
        assert hwtokens.confirmed(text) is True, text
        assert _spacy_answer(text), text
    for text in ("A10Gx", "Cortex-A-based", "a10g", "CORTEX-A"):  # other spellings
        fast = hwtokens.confirmed(text)
        assert fast is None or fast == _spacy_answer(text), text
