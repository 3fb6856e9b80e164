"""ML Anthology (rbnyng/mlanthology): one JSON per venue and year, local or raw GitHub.

Files are `data/papers/{venue}-{year}.json.gz` (`.json` is read too). Venues: neurips,
icml, iclr, cvpr, iccv (any other file name works the same). Ids are
`mlanthology:{bibtex_key}`, e.g. `mlanthology:abel2016icml-near`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from corpus.records import Paper
from corpus.sources.parsing import (
    IssueLog,
    ParseResult,
    SourceIssue,
    clean,
    default_years,
    local_root,
    maybe_gunzip,
    norm_list,
)
from corpus.sources.protocol import CrawlQuery, Fetcher

NAME = "mlanthology"
RAW_BASE = "https://raw.githubusercontent.com/rbnyng/mlanthology/main/data/papers"
VENUES = {"neurips": "NeurIPS", "icml": "ICML", "iclr": "ICLR", "cvpr": "CVPR", "iccv": "ICCV"}


def venue_name(venue_id: str) -> str:
    """The stored venue name of an mlanthology venue id (neurips -> NeurIPS)."""
    return VENUES.get(venue_id.lower(), venue_id.upper())


def parse_venue_file(data: bytes, *, where: str = "") -> ParseResult:
    """Papers of one `{venue}-{year}.json(.gz)` file; bad records become issues."""
    result = ParseResult()
    where = where or "mlanthology file"
    try:
        doc = json.loads(maybe_gunzip(data))
    except (ValueError, OSError, EOFError) as exc:
        result.issues.append(SourceIssue(NAME, where, f"malformed JSON: {exc}"))
        return result
    if not isinstance(doc, dict) or not isinstance(doc.get("papers"), list):
        result.issues.append(SourceIssue(NAME, where, "no 'papers' list"))
        return result
    file_venue, file_year = str(doc.get("venue") or ""), doc.get("year")
    for i, rec in enumerate(doc["papers"]):
        try:
            result.papers.append(_paper(rec, file_venue, file_year))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            key = rec.get("bibtex_key") if isinstance(rec, dict) else None
            result.issues.append(
                SourceIssue(NAME, f"{where} paper #{i} {key or ''}".strip(), f"bad record: {exc!r}")
            )
    return result


def _paper(rec: dict, file_venue: str, file_year) -> Paper:
    key = clean(rec["bibtex_key"])
    title = clean(rec.get("title"))
    if not key or not title:
        raise ValueError("record without bibtex_key or title")
    year = int(rec.get("year") or file_year)
    authors = tuple(a for a in (_author(x) for x in rec.get("authors") or ()) if a)
    return Paper(
        id=f"{NAME}:{key}",
        source=NAME,
        venue=venue_name(rec.get("venue") or file_venue),
        year=year,
        title=title,
        authors=authors,
        abstract=clean(rec.get("abstract")) or None,
        url=rec.get("venue_url") or None,
        pdf_url=rec.get("pdf_url") or None,
    )


def _author(a) -> str:
    if isinstance(a, str):
        return clean(a)
    return clean(f"{a.get('given') or ''} {a.get('family') or ''}")


class MLAnthologySource(IssueLog):
    """NeurIPS/ICML/ICLR/CVPR/ICCV metadata from mlanthology's per-venue JSON files."""

    name = NAME

    def __init__(self, base_url: str = RAW_BASE) -> None:
        self.base_url = base_url.rstrip("/")
        self.issues = []

    def plan(self, query: CrawlQuery) -> list[tuple[str, int]]:
        """(venue, year) pairs to read, venue-major in the query's order."""
        venues = norm_list(query.venues) or list(VENUES)
        root = local_root(query.local_dir)
        if query.years:
            years = sorted(query.years)
        elif root is not None:
            years = sorted(
                {
                    int(p.name.split(".")[0].rsplit("-", 1)[1])
                    for p in _dir(root).glob("*-*.json*")
                    if p.name.split(".")[0].rsplit("-", 1)[1].isdigit()
                }
            )
        else:
            years = list(default_years())
        # ICCV is biennial (odd years): no file exists for an even year
        return [(v, y) for v in venues for y in years if not (v == "iccv" and y % 2 == 0)]

    def iter_papers(self, fetcher: Fetcher, query: CrawlQuery) -> Iterator[Paper]:
        """Every paper of the query's venues and years, file by file."""
        self._reset_issues()
        root = local_root(query.local_dir)
        for venue, year in self.plan(query):
            stem = f"{venue}-{year}"
            data, where = self._load(
                fetcher,
                stem,
                _dir(root) if root else None,
                (f"{stem}.json.gz", f"{stem}.json"),
                f"{self.base_url}/{stem}.json.gz",
            )
            if data is None:
                continue
            yield from self._take(parse_venue_file(data, where=where))


def _dir(root: Path) -> Path:
    sub = root / "data" / "papers"
    return sub if sub.is_dir() else root
