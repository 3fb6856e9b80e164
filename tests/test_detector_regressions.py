"""Regressions: bugs a reviewer found in the detectors and parsers, each pinned by a test
(real sentences from dev-split PDFs where one exists, constructed ones marked as such)."""

import pytest

from extractors.detectors import DETECTORS
from extractors.document import TextUnit
from extractors.layout import build_document
from extractors.pdftext import read_pdf
from extractors.quantities import parse_energy, parse_flops, parse_hardware, parse_params

_docs = {}


@pytest.fixture(scope="module")
def pdfs(pdfs_dir):
    return pdfs_dir


def unit(pdfs, f, page, frag):
    if f not in _docs:
        _docs[f] = build_document(read_pdf(pdfs / f))
    return next(u for u in _docs[f].units if u.page == page and frag in u.text)


def u(text):
    return TextUnit(3, "body", "sentence", text)


# 1. quantities: huge exponent -> OverflowError instead of no match / a clean value
@pytest.mark.parametrize(
    "parser,text",
    [
        (parse_flops, "3 × 10^400 FLOPs"),
        (parse_params, "3 x 10^999 parameters"),
        (parse_energy, "2 x 10^500 J"),
    ],
)
def test_no_overflow(parser, text):
    # no OverflowError, and no infinite or absurd value: an impossible count is no match
    assert parser(text) == []
    assert parser(text.replace("400", "2").replace("999", "2").replace("500", "2"))


# 2. hardware: plural model names are not matched
@pytest.mark.parametrize(
    "text",
    [
        "We train on 8 V100s for two days.",
        "Experiments ran on four A100s.",
        "Training was performed on 16 Cloud TPUs.",
    ],
)
def test_plural_models(text):
    assert parse_hardware(text)
    assert DETECTORS["hardware"]([u(text)]).reported


def test_bert_cloud_tpus_real(pdfs):
    # naacl2019-devlin-bert.pdf p13 (gold hardware evidence of this paper)
    x = unit(
        pdfs,
        "naacl2019-devlin-bert.pdf",
        13,
        "Training of BERTLARGE was performed on 16 Cloud TPUs",
    )
    assert DETECTORS["hardware"]([x]).reported


# 3. related-work filter is switched off by any "we" in the sentence
def test_bert_related_work_params_real(pdfs):
    # naacl2019-devlin-bert.pdf p8: other work's parameter counts
    x = unit(
        pdfs,
        "naacl2019-devlin-bert.pdf",
        8,
        "the largest Transformer explored in Vaswani et al. (2017)",
    )
    assert not DETECTORS["params"]([x]).reported


def test_related_work_flops_with_we():
    assert not DETECTORS["flops"](
        [
            u(
                "Unlike MobileNet (Howard et al., 2017), which needs 569M "
                "Mult-Adds, we focus on memory."
            )
        ]
    ).reported


# 4. runtime: time limits, data amounts, word problems, hypothetical speedups
@pytest.mark.parametrize(
    "f,page,frag",
    [
        ("mirror/proceedings.mlr.press/v198/pandy22a.pdf", 9, "denotes being out of a 4-day"),
        ("arxiv2016-iandola-squeezenet.pdf", 7, "it is not trivial to achieve a speedup of"),
    ],
)
def test_runtime_false_positives_real(pdfs, f, page, frag):
    assert not DETECTORS["runtime"]([unit(pdfs, f, page, frag)]).reported


@pytest.mark.parametrize(
    "text",
    [
        "We train on 960 hours of LibriSpeech.",
        "The model is trained on 1000 hours of transcribed audio.",
        "The training set consists of 300 hours of Switchboard conversations.",
        "Models are trained on 50 hours of Librispeech audio.",
        "We train with a maximum sequence length of 512 tokens and stop after 24 hours of "
        "wall-clock budget is exhausted.",
    ],
)
def test_runtime_data_amounts_and_limits(text):
    assert not DETECTORS["runtime"]([u(text)]).reported


# 6. minor
def test_three_value_list_we_tried():
    assert DETECTORS["search_budget"](
        [u("We tried learning rates of 0.1, 0.01 and 0.001.")]
    ).reported


def test_macs_as_hardware_units():
    assert not DETECTORS["flops"](
        [u("The accelerator contains 4096 MACs arranged in a systolic array.")]
    ).reported


def test_power_budget_is_not_power_drawn():
    assert not DETECTORS["energy"]([u("Our design fits within a 2 W power budget.")]).reported
