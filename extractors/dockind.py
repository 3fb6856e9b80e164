"""Is this PDF a research paper, a volume's front matter (a preface, foreword, organisers'
list, a track's "revised selected papers" introduction) or a form (a publication
agreement, a withdrawal statement)?

Proceedings repositories list front matter among the papers (PMLR gives each volume's
preface a paper id), and counted as a paper it reports nothing: every share's denominator
would grow by one. A pure function of the title and the first two pages' text: a
front-matter title or heading, a form's heading, or three different organisers' phrases
("program committee", "this volume", "accepted papers", ...) on the first two pages of a
paper without an abstract. The decision comes with the phrase it rests on and its page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

KIND_VERSION = "kind/v1"  # bump when the rules below change what they decide
PAPER, FRONT_MATTER, FORM = "paper", "front_matter", "form"

_TITLE = re.compile(
    r"^\s*(?:preface|foreword|editorial|front\s?matter)\b|\brevised selected papers\b|"
    r"\bfront\s?matter\s*$",
    re.IGNORECASE,
)
_HEAD_CHARS = 400  # a heading "Preface" sits in the first lines of page 1
_HEADING = re.compile(r"\b(?:preface|foreword|front\s?matter)\b", re.IGNORECASE)
_ORGANISERS = re.compile(
    r"\bthis volume\b|\bprogram(?:me)? (?:committee|chairs?)\b|\barea chairs\b|\btrack chairs?\b|"
    r"\borgani[sz](?:ers|ing committee)\b|\baccepted papers\b|\bpapers were accepted\b|"
    r"\binvited talks?\b|\bkeynotes?\b|\b(?:was|were) held\b|\bsubmissions\b|"
    r"\brevised selected papers\b|\bpreface\b|\bforeword\b",
    re.IGNORECASE,
)
_FORM = re.compile(
    r"\bpublication agreement\b|\bcopyright (?:transfer|agreement|form)\b|"
    r"\blicen[cs]e (?:agreement|to publish)\b|\bwithdrawal statement\b",
    re.IGNORECASE,
)
_MIN_CUES = 3
_ABSTRACT = re.compile(r"^\s*abstract\b|\n\s*abstract\b|\babstract[:.—–-]", re.IGNORECASE)


@dataclass(frozen=True)
class DocumentKind:
    """A document's kind and what it rests on (`page` 0: the title, from metadata or PDF)."""

    kind: str
    evidence: str = ""
    page: int = 0

    @property
    def is_paper(self) -> bool:
        return self.kind == PAPER

    def described(self) -> str:
        """The evidence as stored: "p1: <phrase in context>", "title: ...", or ""."""
        return f"p{self.page}: {self.evidence}" if self.page else self.evidence


def document_kind(title: str | None, first_pages: Sequence[str]) -> DocumentKind:
    """Front matter or a paper, from the title and the text of the first two pages."""
    if title and _TITLE.search(title):
        return DocumentKind(FRONT_MATTER, f"title: {title.strip()[:200]}", 0)
    pages = first_pages[:2]
    if pages:
        head = pages[0][:_HEAD_CHARS]
        m = _FORM.search(head)
        if m:
            return DocumentKind(FORM, _around(head, m), 1)
        m = _HEADING.search(head)
        if m:
            return DocumentKind(FRONT_MATTER, _around(head, m), 1)
    if any(_ABSTRACT.search(p) for p in pages):
        return DocumentKind(PAPER)
    cues: dict[str, tuple[int, re.Match]] = {}
    for number, text in enumerate(pages, start=1):
        for m in _ORGANISERS.finditer(text):
            cues.setdefault(m.group(0).lower(), (number, m))
    if len(cues) >= _MIN_CUES:
        number, m = next(iter(cues.values()))
        phrases = ", ".join(f'"{c}"' for c in cues)
        return DocumentKind(
            FRONT_MATTER,
            f"{_around(pages[number - 1], m)} [organisers' phrases: {phrases}]",
            number,
        )
    return DocumentKind(PAPER)


def kind_of_pdf(path: str | Path) -> DocumentKind:
    """document_kind of a PDF file by its text alone (its first two pages as pypdfium2
    gives them, no title), for documents outside a store such as the gold PDFs."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        pages = [pdf[i].get_textpage().get_text_range() for i in range(min(2, len(pdf)))]
    finally:
        pdf.close()
    return document_kind(None, pages)


def _around(text: str, m: re.Match, width: int = 80) -> str:
    """The matched phrase with some of its context, whitespace collapsed."""
    return " ".join(text[max(0, m.start() - width) : m.end() + width].split())
