"""A sentence cut by a page break or a float is read as one unit (PDF layer 4)."""

from __future__ import annotations

from extractors.detectors import detect_all
from extractors.extract_pdf import _drop_reference_evidence
from extractors.layout import build_document
from extractors.pdftext import RawPdf

_HEAD = (
    "Abstract",
    "We study a method and report its results on two benchmarks.",
    "1 Introduction",
)


def _doc(pages):
    return build_document(RawPdf("t.pdf", tuple(pages), "T", ()))


def _sentences(doc) -> list[tuple[int, str]]:
    return [(u.page, u.text) for u in doc.units if u.kind == "sentence"]


def test_a_sentence_over_a_page_break_is_one_unit_on_its_first_page():
    pages = [
        _HEAD + ("Our largest model was trained on eight V100 GPUs for",),
        ("three days in total, and the smaller ones took a day.", "We then tested it."),
    ]
    sentences = _sentences(_doc(pages))
    joined = "Our largest model was trained on eight V100 GPUs for three days in total,"
    assert (1, joined + " and the smaller ones took a day.") in sentences
    assert (2, "We then tested it.") in sentences


def test_a_float_between_the_halves_keeps_its_place_and_the_sentence_is_whole():
    caption = "Figure 2: Validation accuracy against epochs."
    pages = [
        _HEAD
        + ("We report the training time of each model, which on one GPU was",)
        + (caption, "about two hours for the base model.", "The rest follows.")
    ]
    units = [(u.kind, u.text) for u in _doc(pages).units]
    whole = (
        "sentence",
        "We report the training time of each model, which on one GPU was about two hours "
        "for the base model.",
    )
    assert whole in units
    assert units.index(whole) < units.index(("caption", caption))  # reading order kept


def test_a_word_broken_over_the_page_break_is_joined_by_the_lexicon():
    pages = [
        _HEAD + ("The computation is structured to reduce the compu-",),
        ("tation that the backward pass needs.", "The computation is cheap."),
    ]
    sentences = [t for _, t in _sentences(_doc(pages))]
    assert (
        "The computation is structured to reduce the computation that the backward pass needs."
        in sentences
    )


def test_figure_words_and_a_new_sentence_are_not_joined():
    pages = [
        _HEAD + ("Sequence Length Runtime (ms) Dilated Attention Vanilla Attention",),
        ("are split across devices in the figure.", "Next we report results"),
        ("Table 1 shows them.",),
    ]
    sentences = [t for _, t in _sentences(_doc(pages))]
    assert "Sequence Length Runtime (ms) Dilated Attention Vanilla Attention" in sentences
    assert "are split across devices in the figure." in sentences
    # an upper-case start after the break is a new sentence: the fragment stays as it was
    assert "Next we report results" in sentences
    assert "Table 1 shows them." in sentences


def test_evidence_from_a_sentence_over_a_break_is_quoted_verbatim_on_a_page():
    pages = [
        _HEAD + ("In all, the model is small, and training it on one machine took",),
        ("only 11 minutes on a 32 core CPU, compared to 5 hours for the baseline.",),
    ]
    doc = _doc(pages)
    found = _drop_reference_evidence(detect_all(doc)["runtime"], doc)
    assert found.reported
    for e in found.evidence:
        assert " ".join(e.text.split()) in " ".join(doc.page_texts[e.page - 1].split())
    quoted = next(e for e in found.evidence if "11 minutes" in e.text)
    assert quoted.page == 2  # the longer run of the joined sentence is on the second page
    assert quoted.value is not None and abs(quoted.value - 11 / 60) < 1e-9  # still stated
