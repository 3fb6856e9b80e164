"""CVF Open Access (openaccess.thecvf.com): a conference's all-papers listing page.

Listing `https://openaccess.thecvf.com/{CVPR|ICCV}{year}?day=all` (the site's URL today;
`legacy_py=True` asks the 2019-era `CVPR2019.py` instead). Each `<dt class="ptitle">`
holds the title and the HTML page link; the `<dd>`s after it hold one
`<form class="authsearch">` per author and the `[pdf]` link. The listing has no
abstracts. Ids are `cvf:{html file stem}`, e.g. `cvf:Li_Finding_..._CVPR_2019_paper`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from corpus.errors import FetchError, ParseError
from corpus.records import Paper
from corpus.sources.parsing import (
    IssueLog,
    ParseResult,
    SourceIssue,
    clean,
    default_years,
    fetch_bytes,
    local_root,
    norm_list,
    read_local,
)
from corpus.sources.protocol import CrawlQuery, Fetcher

NAME = "cvf"
SITE = "https://openaccess.thecvf.com"
VENUES = {"cvpr": "CVPR", "iccv": "ICCV"}


def listing_url(base_url: str, venue: str, year: int, *, legacy_py: bool = False) -> str:
    """The all-papers listing of a venue and year (without the ?day=all query)."""
    name = f"{VENUES.get(venue.lower(), venue.upper())}{year}"
    return f"{base_url.rstrip('/')}/{name}.py" if legacy_py else f"{base_url.rstrip('/')}/{name}"


def _https(url: str) -> str:
    # the CVF site answers on https; saved pages carry the old http:// links
    return re.sub(r"^http://openaccess\.thecvf\.com/", f"{SITE}/", url)


def parse_listing(
    html: bytes | str, *, venue: str, year: int, page_url: str = SITE + "/", where: str = ""
) -> ParseResult:
    """Papers of one listing page; entries without a title link become issues."""
    result = ParseResult()
    where = where or page_url
    try:
        doc = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        result.issues.append(SourceIssue(NAME, where, f"unparseable HTML: {exc}"))
        return result
    entries = doc.xpath('//dt[contains(concat(" ", normalize-space(@class), " "), " ptitle ")]')
    if not entries:
        result.issues.append(
            SourceIssue(NAME, where, 'no <dt class="ptitle"> entries: not a CVF listing page?')
        )
        return result
    venue_name = VENUES.get(venue.lower(), venue.upper())
    for i, dt in enumerate(entries):
        links = dt.xpath(".//a[@href]")
        title = clean(links[0].text_content()) if links else ""
        if not title:
            result.issues.append(SourceIssue(NAME, f"{where} entry #{i}", "no title link"))
            continue
        html_url = _https(urljoin(page_url, links[0].get("href").strip()))
        authors: list[str] = []
        pdf = None
        for dd in _dds(dt):
            for form in dd.xpath('.//form[contains(concat(" ", @class, " "), " authsearch ")]'):
                inp = form.xpath('.//input[@name="query"]')
                name = clean(inp[0].get("value")) if inp else clean(form.text_content()).rstrip(",")
                if name:
                    authors.append(name)
            for a in dd.xpath(".//a[@href]"):
                if pdf is None and clean(a.text_content()).lower() == "pdf":
                    pdf = _https(urljoin(page_url, a.get("href").strip()))
        stem = Path(urlsplit(html_url).path).stem
        result.papers.append(
            Paper(
                id=f"{NAME}:{stem}",
                source=NAME,
                venue=venue_name,
                year=year,
                title=title,
                authors=tuple(authors),
                url=html_url,
                pdf_url=pdf,
                status="listed" if pdf else "no_pdf",
            )
        )
    return result


def _dds(dt) -> Iterator:
    """The <dd> siblings after a <dt>, up to the next <dt>."""
    for sib in dt.itersiblings():
        if sib.tag == "dt":
            return
        if sib.tag == "dd":
            yield sib


class CVFSource(IssueLog):
    """CVPR/ICCV papers (title, authors, HTML and PDF links) from CVF's listing pages."""

    name = NAME

    def __init__(self, base_url: str = SITE, *, legacy_py: bool = False) -> None:
        self.base_url = base_url.rstrip("/")
        self.legacy_py = legacy_py
        self.issues = []

    def iter_papers(self, fetcher: Fetcher, query: CrawlQuery) -> Iterator[Paper]:
        """Every paper of the query's venues (cvpr, iccv) and years."""
        self._reset_issues()
        root = local_root(query.local_dir)
        venues = norm_list(query.venues) or list(VENUES)
        years = sorted(query.years) or list(default_years())
        seen: set[str] = set()
        for venue in venues:
            for year in years:
                if venue == "iccv" and year % 2 == 0:
                    continue  # ICCV is held in odd years
                url = listing_url(self.base_url, venue, year, legacy_py=self.legacy_py)
                where = url
                try:
                    if root is not None:
                        path = _local_listing(root, venue, year)
                        if path is None:
                            self._issue(f"{venue}{year}", f"no listing file in {root}")
                            continue
                        where = str(path)
                        data = read_local(path)
                    else:
                        params = None if self.legacy_py else {"day": "all"}
                        data = fetch_bytes(fetcher, url, params)
                except (FetchError, ParseError) as exc:
                    self._issue(where, str(exc))
                    continue
                result = parse_listing(data, venue=venue, year=year, page_url=url, where=where)
                for p in self._take(result):
                    if p.id not in seen:
                        seen.add(p.id)
                        yield p


def _local_listing(root: Path, venue: str, year: int) -> Path | None:
    """A saved listing `{CVPR|ICCV}{year}*.htm(l)(.gz)` in the local folder."""
    name = VENUES.get(venue, venue.upper()) + str(year)
    for path in sorted(root.glob(f"{name}*")):
        if re.search(r"\.html?(\.gz)?$", path.name):
            return path
    return None
