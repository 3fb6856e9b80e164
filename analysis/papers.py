"""Finding papers and building a paper's reporting card from the store."""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis import queries as Q
from analysis.db import MAX_YEAR, MIN_YEAR, Reader, current_version, has_findings, query, tables
from extractors.schema import CATEGORIES

SEARCH_LIMIT = 200


@dataclass(frozen=True)
class PaperQuery:
    """A paper search: literal substrings of title and author, venues, years, a label."""

    title: str = ""
    author: str = ""
    venues: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    label: str = ""  # a category the paper must report ('' = any)
    limit: int = SEARCH_LIMIT


@dataclass(frozen=True)
class EvidenceLine:
    """One evidence sentence of a finding, with its page and a link to that PDF page."""

    text: str | None
    page: int | None
    value: float | None
    unit: str | None
    link: str | None


@dataclass(frozen=True)
class CategoryCard:
    """What the paper reports for one category, with evidence (strongest first)."""

    category: str
    reported: bool | None  # None: not extracted
    method: str | None
    evidence: tuple[EvidenceLine, ...] = ()


@dataclass(frozen=True)
class PaperCard:
    """A paper's metadata and its reporting card (one entry per category)."""

    paper: dict
    categories: tuple[CategoryCard, ...] = field(default_factory=tuple)


def venues_years(db: Reader) -> list[dict]:
    """Every (venue, year) in the store with its paper count."""
    if "papers" not in tables(db):
        return []
    return query(db, Q.VENUE_YEARS)


def _params(db: Reader, q: PaperQuery, version: str | None) -> dict:
    return {
        "title": q.title or "",
        "author": q.author or "",
        "venues": [str(v) for v in q.venues],
        "y0": int(q.year_from) if q.year_from is not None else MIN_YEAR,
        "y1": int(q.year_to) if q.year_to is not None else MAX_YEAR,
        "label": q.label or "",
        "version": version or "",
    }


def search_papers(db: Reader, q: PaperQuery, version: str | None = None) -> list[dict]:
    """Papers matching the query (at most q.limit), newest first."""
    if not has_findings(db):
        return []
    version = current_version(db, version)
    return query(db, Q.SEARCH_PAPERS, {**_params(db, q, version), "limit": int(q.limit)})


def count_papers(db: Reader, q: PaperQuery, version: str | None = None) -> int:
    """How many papers match the query (no limit)."""
    if not has_findings(db):
        return 0
    version = current_version(db, version)
    return int(query(db, Q.COUNT_PAPERS, _params(db, q, version))[0]["n"])


def page_link(pdf_url: str | None, page: int | None) -> str | None:
    """`<pdf_url>#page=N` (PDF viewers open that page), or the bare URL without a page."""
    if not pdf_url:
        return None
    return f"{pdf_url}#page={int(page)}" if page else pdf_url


def paper_card(db: Reader, paper_id: str, version: str | None = None) -> PaperCard | None:
    """The paper's metadata and, per category, its findings of the current version."""
    if not has_findings(db):
        return None
    rows = query(db, Q.PAPER, {"id": paper_id})
    if not rows:
        return None
    paper = rows[0]
    version = current_version(db, version)
    findings = [
        f
        for f in query(db, Q.PAPER_FINDINGS, {"id": paper_id})
        if f["extractor_version"] == version
    ]
    cards = []
    for category in CATEGORIES:
        mine = [f for f in findings if f["category"] == category]
        if not mine:
            cards.append(CategoryCard(category, None, None))
            continue
        evidence = tuple(
            EvidenceLine(
                f["evidence"],
                f["page"],
                f["value"],
                f["unit"],
                page_link(paper.get("pdf_url"), f["page"]),
            )
            for f in mine
            if f["evidence"]
        )
        cards.append(
            CategoryCard(category, any(f["reported"] for f in mine), mine[0]["method"], evidence)
        )
    return PaperCard(paper, tuple(cards))
