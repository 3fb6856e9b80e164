"""The parsed PDF as detectors see it: pages of text split into typed units."""

from __future__ import annotations

from dataclasses import dataclass, field

SECTIONS = ("front", "abstract", "body", "appendix", "references")
UNIT_KINDS = ("sentence", "caption", "table")


@dataclass(frozen=True)
class TextUnit:
    """One sentence, caption or table line, with its 1-based physical page and section."""

    page: int
    section: str  # one of SECTIONS; detectors ignore "references"
    kind: str  # one of UNIT_KINDS
    text: str  # whitespace-normalised (extractors.textnorm.normalize_ws)


@dataclass(frozen=True)
class Document:
    """A PDF's text: per-page text in reading order plus the units cut from it."""

    file: str
    pages: int
    page_texts: tuple[str, ...]
    units: tuple[TextUnit, ...]
    title: str | None = None
    abstract: str | None = None
    introduction: str | None = None
    scanned_pages: tuple[int, ...] = field(default_factory=tuple)  # pages with no text layer
