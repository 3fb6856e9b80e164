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
