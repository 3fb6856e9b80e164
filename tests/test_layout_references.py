"""A figure or table caption among the references is not a reference (layout, PDF layer 3)."""

from __future__ import annotations

from extractors.layout import build_document
from extractors.pdftext import RawPdf

_BODY = (
    "Abstract",
    "We study a method and report its results on two benchmarks.",
    "1 Introduction",
    "We trained the model on one GPU and report the results below.",
)


def _references(n: int, first: int = 0) -> tuple[str, ...]:
    lines = []
    for k in range(first, first + n):
        lines += [
            f"Author{k} A. and Writer{k} B.",
            f"A study of topic {k}. In Proceedings, {2000 + k}.",
        ]
    return tuple(lines)


def _sections(pages) -> dict[str, str]:
    doc = build_document(RawPdf("t.pdf", tuple(pages), "T", ()))
    return {u.text: u.section for u in doc.units}


def test_a_float_among_the_references_is_its_caption_only():
    caption = "Figure 3: Training loss against epochs for both models."
    pages = [
        _BODY + ("References",) + _references(12),
        (caption,) + _references(12, first=12),
    ]
    sections = _sections(pages)
    assert sections[caption] == "appendix"
    later = next(t for t in sections if "Author20 A." in t)
    assert sections[later] == "references"


def test_an_appendix_without_a_heading_starts_at_its_first_caption():
    caption = "Table 4: Hyperparameters searched for each model."
    appendix = (
        caption,
        "Learning rate {0.1, 0.01, 0.001}",
        "We tuned the learning rate with a grid search over these values.",
        "Each run took about two hours on one GPU.",
    )
    pages = [_BODY + ("References",) + _references(12), appendix]
    sections = _sections(pages)
    assert sections[caption] == "appendix"
    tuned = next(t for t in sections if "grid search over these values" in t)
    assert sections[tuned] == "appendix"
    first = next(t for t in sections if "Author0 A." in t)
    assert sections[first] == "references"


def test_references_without_a_caption_stay_references():
    pages = [_BODY + ("References",) + _references(12), _references(6, first=12)]
    sections = _sections(pages)
    refs = [t for t in sections if t.startswith("Author")]
    assert refs and all(sections[t] == "references" for t in refs)
