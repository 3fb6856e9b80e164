"""OpenReview API v2 (`https://api2.openreview.net/notes`), paged with offset/limit.

Accepted papers of a venue: `content.venueid={Group}/{year}/Conference` (the query
openreview-py sends for `content={"venueid": …}`); with `accepted_only=False` every
submission: `invitation={Group}/{year}/Conference/-/Submission`. Venues: `iclr`,
`neurips`, `icml` or an OpenReview group id (`ICLR.cc`). API v2 holds ICLR from 2024 and
NeurIPS from 2023; older years live in API v1 (not read here; mlanthology covers ICLR
2018-2024). A local folder holds saved answers `{Group}-{year}-{offset}.json`. Ids are
`openreview:{note id}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from corpus.errors import ConfigError, FetchError, ParseError
from corpus.records import Paper
from corpus.sources.parsing import IssueLog, ParseResult, SourceIssue, clean, local_root
from corpus.sources.protocol import CrawlQuery, Fetcher

NAME = "openreview"
API = "https://api2.openreview.net"
SITE = "https://openreview.net"
PAGE_LIMIT = 1000  # the API answers at most 1000 notes per call
GROUPS = {"iclr": "ICLR.cc", "neurips": "NeurIPS.cc", "icml": "ICML.cc"}


def group_of(venue: str) -> str:
    """The OpenReview group of a venue id (iclr -> ICLR.cc; ICLR.cc stays)."""
    return GROUPS.get(venue.lower(), venue)


def venue_name(group: str) -> str:
    """The stored venue name of a group (ICLR.cc -> ICLR)."""
    return group.split("/")[0].removesuffix(".cc")


def _value(content: dict, key: str):
    """A content field: API v2 wraps each as {"value": …}; API v1 gave the bare value."""
    field = content.get(key)
    return field.get("value") if isinstance(field, dict) else field


def parse_notes(
    data: bytes | str, *, venue: str, year: int, where: str = ""
) -> tuple[ParseResult, int, int]:
    """A /notes answer -> (papers and bad notes, notes on this page, the API's total count)."""
    result = ParseResult()
    where = where or f"{API}/notes"
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise ParseError(f"malformed OpenReview JSON: {exc}", url=where) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("notes"), list):
        raise ParseError("OpenReview answer without a 'notes' list", url=where)
    for i, note in enumerate(doc["notes"]):
        try:
            result.papers.append(_paper(note, venue, year))
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            nid = note.get("id") if isinstance(note, dict) else None
            result.issues.append(
                SourceIssue(NAME, f"{where} note #{i} {nid or ''}".strip(), f"bad note: {exc!r}")
            )
    count = doc.get("count")
    return result, len(doc["notes"]), int(count) if isinstance(count, int) else -1


def _paper(note: dict, venue: str, year: int) -> Paper:
    nid = clean(note["id"])
    content = note["content"]
    title = clean(_value(content, "title"))
    if not nid or not title:
        raise ValueError("note without id or title")
    authors = tuple(a for a in (clean(x) for x in _value(content, "authors") or ()) if a)
    pdf = _value(content, "pdf")
    pdf_url = (
        f"{SITE}{pdf}"
        if isinstance(pdf, str) and pdf.startswith("/")
        else (pdf if isinstance(pdf, str) and pdf.startswith("http") else None)
    )
    venueid = _value(content, "venueid") or ""
    m = re.search(r"/(\d{4})/", venueid)
    if m:
        year = int(m.group(1))
    elif note.get("pdate"):
        year = datetime.fromtimestamp(note["pdate"] / 1000, UTC).year
    return Paper(
        id=f"{NAME}:{nid}",
        source=NAME,
        venue=venue,
        year=year,
        title=title,
        authors=authors,
        abstract=clean(_value(content, "abstract")) or None,
        url=f"{SITE}/forum?id={note.get('forum') or nid}",
        pdf_url=pdf_url,
        status="listed" if pdf_url else "no_pdf",
    )


class OpenReviewSource(IssueLog):
    """Accepted papers (or all submissions) of OpenReview venues, via API v2."""

    name = NAME

    def __init__(
        self, base_url: str = API, *, accepted_only: bool = True, page_size: int = PAGE_LIMIT
    ) -> None:
        if not 1 <= page_size <= PAGE_LIMIT:
            raise ConfigError(f"openreview page_size must be 1..{PAGE_LIMIT}")
        self.base_url = base_url.rstrip("/")
        self.accepted_only = accepted_only
        self.page_size = page_size
        self.issues = []

    def params(self, group: str, year: int, offset: int) -> dict[str, str]:
        """The /notes parameters of one page."""
        venue_id = f"{group}/{year}/Conference"
        sel = (
            {"content.venueid": venue_id}
            if self.accepted_only
            else {"invitation": f"{venue_id}/-/Submission"}
        )
        return {**sel, "offset": str(offset), "limit": str(self.page_size)}

    def iter_papers(self, fetcher: Fetcher, query: CrawlQuery) -> Iterator[Paper]:
        """Every note of the query's venues (default iclr) and years, page by page."""
        self._reset_issues()
        if not query.years:
            raise ConfigError("openreview needs years (e.g. --year 2024)")
        root = local_root(query.local_dir)
        # group ids are case-sensitive (ICLR.cc): no lower-casing here
        groups = dict.fromkeys(group_of(v.strip()) for v in query.venues if v.strip())
        for group in groups or [GROUPS["iclr"]]:
            for year in sorted(query.years):
                yield from self._venue_year(fetcher, root, group, year)

    def _venue_year(
        self, fetcher: Fetcher, root: Path | None, group: str, year: int
    ) -> Iterator[Paper]:
        seen: set[str] = set()
        offset = 0
        while True:
            params = self.params(group, year, offset)
            where = f"{self.base_url}/notes offset={offset} {group}/{year}"
            try:
                if root is not None:
                    path = root / f"{group}-{year}-{offset}.json"
                    if not path.is_file():
                        raise FetchError(f"not in the local folder: {path}")
                    data = path.read_bytes()
                else:
                    resp = fetcher.get(f"{self.base_url}/notes", params=params)
                    if resp.status != 200:
                        raise FetchError(f"HTTP {resp.status}", status=resp.status, url=resp.url)
                    data = resp.body
                result, n, total = parse_notes(
                    data, venue=venue_name(group), year=year, where=where
                )
            except (FetchError, ParseError) as exc:
                self._issue(where, str(exc))
                return
            for p in self._take(result):
                if p.id not in seen:
                    seen.add(p.id)
                    yield p
            offset += n
            if n < self.page_size or n == 0 or (0 <= total <= offset):
                return
