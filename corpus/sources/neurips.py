"""NeurIPS proceedings (proceedings.neurips.cc): a year's listing plus each abstract page.

Listing `https://proceedings.neurips.cc/paper_files/paper/{year}`: one `<li>` per paper
with a link to `…/paper_files/paper/{year}/hash/{hash32}-Abstract[-{Track}].html`
(`-Abstract.html` to 2021, `-Abstract-Conference.html` / `-Abstract-Datasets_and_Benchmarks…`
from 2022) and the authors. The abstract page adds the abstract (`<h4>Abstract</h4>`) and
the PDF link (`…/file/{hash32}-Paper[-{Track}].pdf`, derived from the hash when absent).
`abstracts=False` skips the abstract pages (one request per paper). A local folder is read
with the site's paths: `paper_files/paper/{year}.html` and `paper_files/paper/{year}/hash/…`.
Ids are `neurips:{year}/{hash32}`; the venue is `NeurIPS` for every track.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

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
    read_local,
)
from corpus.sources.protocol import CrawlQuery, Fetcher

NAME = "neurips"
SITE = "https://proceedings.neurips.cc"
VENUE = "NeurIPS"
FIRST_YEAR = 1987
_HASH_PAGE = re.compile(r"/paper_files/paper/(\d{4})/hash/([0-9a-f]{32})-Abstract(-[\w-]+)?\.html$")


def listing_path(year: int) -> str:
    """The URL path of a year's listing."""
    return f"/paper_files/paper/{year}"


def pdf_from_abstract_url(url: str) -> str | None:
    """…/hash/{h}-Abstract[-Track].html -> …/file/{h}-Paper[-Track].pdf (None if no match)."""
    m = _HASH_PAGE.search(urlsplit(url).path)
    if not m:
        return None
    year, h, track = m.group(1), m.group(2), m.group(3) or ""
    root = url[: url.index("/paper_files/")]
    return f"{root}/paper_files/paper/{year}/file/{h}-Paper{track}.pdf"


def parse_listing(
    html: bytes | str, *, year: int, page_url: str = SITE, where: str = ""
) -> ParseResult:
    """Papers (title, authors, abstract page, derived PDF) of one year's listing."""
    result = ParseResult()
    where = where or page_url
    soup = BeautifulSoup(html, "lxml")
    seen: set[str] = set()
    items = [
        (li, a) for li in soup.find_all("li") if isinstance(a := li.find("a", href=_HASH_PAGE), Tag)
    ]
    if not items:
        result.issues.append(
            SourceIssue(
                NAME, where, "no paper links (…/hash/…-Abstract….html): not a NeurIPS listing?"
            )
        )
        return result
    for i, (li, a) in enumerate(items):
        href = _attr(a, "href") or ""
        url = urljoin(page_url, href)
        m = _HASH_PAGE.search(urlsplit(url).path)
        title = clean(a.get_text(" ")) or clean(_attr(a, "title"))
        if m is None or not title or int(m.group(1)) != year:
            result.issues.append(
                SourceIssue(NAME, f"{where} item #{i}", f"no title or another year: {href}")
            )
            continue
        if m.group(2) in seen:
            continue
        seen.add(m.group(2))
        holder = li.find(class_="paper-authors") or li.find("i")
        authors = _split_authors(holder.get_text(" ") if holder else "")
        result.papers.append(
            Paper(
                id=f"{NAME}:{year}/{m.group(2)}",
                source=NAME,
                venue=VENUE,
                year=year,
                title=title,
                authors=authors,
                url=url,
                pdf_url=pdf_from_abstract_url(url),
            )
        )
    return result


def parse_abstract_page(html: bytes | str, paper: Paper) -> Paper:
    """The listing's paper completed from its abstract page (abstract, title, authors, PDF)."""
    soup = BeautifulSoup(html, "lxml")
    heads = {clean(h.get_text()).lower(): h for h in soup.find_all("h4")}
    if "abstract" not in heads:
        raise ParseError("abstract page without an <h4>Abstract</h4> section", url=paper.url)
    abstract = _section_text(heads["abstract"])
    meta_title = _attr(soup.find("meta", attrs={"name": "citation_title"}), "content")
    title = clean(meta_title) if meta_title else paper.title
    authors = paper.authors
    if "authors" in heads:
        authors = _split_authors(_section_text(heads["authors"])) or authors
    pdf = paper.pdf_url
    meta_pdf = _attr(soup.find("meta", attrs={"name": "citation_pdf_url"}), "content")
    link = _attr(soup.find("a", href=re.compile(r"-Paper[\w-]*\.pdf$")), "href")
    if meta_pdf:
        pdf = meta_pdf
    elif link:
        pdf = urljoin(paper.url or "", link)
    return replace(
        paper, title=title or paper.title, authors=authors, abstract=abstract or None, pdf_url=pdf
    )


def _attr(tag: object, name: str) -> str | None:
    """A single-valued attribute of `tag` (None when there is no tag or no such attribute)."""
    if not isinstance(tag, Tag):
        return None
    value = tag.get(name)
    if value is None or isinstance(value, str):
        return value
    return " ".join(value)  # a multi-valued attribute such as class


def _section_text(h4) -> str:
    """The text of the elements after an <h4> up to the next <h4>."""
    parts = []
    for sib in h4.find_next_siblings():
        if sib.name == "h4":
            break
        parts.append(sib.get_text(" "))
    return clean(" ".join(parts))


def _split_authors(text: str) -> tuple[str, ...]:
    return tuple(a for a in (clean(x) for x in text.split(",")) if a)


class NeurIPSSource(IssueLog):
    """NeurIPS papers from the proceedings site (listing, then each abstract page)."""

    name = NAME

    def __init__(self, base_url: str = SITE, *, abstracts: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.abstracts = abstracts
        self.issues = []

    def iter_papers(self, fetcher: Fetcher, query: CrawlQuery) -> Iterator[Paper]:
        """Every paper of the query's years (the venues are ignored: this site is NeurIPS)."""
        self._reset_issues()
        root = local_root(query.local_dir)
        for year in sorted(query.years) or list(default_years()):
            url = self.base_url + listing_path(year)
            try:
                data = self._get(fetcher, root, url, listing=True)
            except (FetchError, ParseError) as exc:
                self._issue(url, str(exc))
                continue
            for paper in self._take(parse_listing(data, year=year, page_url=url)):
                yield self._complete(fetcher, root, paper) if self.abstracts else paper

    def _complete(self, fetcher: Fetcher, root: Path | None, paper: Paper) -> Paper:
        if paper.url is None:
            self._issue(paper.id, "abstract page: the listing gave no URL")
            return paper
        try:
            return parse_abstract_page(self._get(fetcher, root, paper.url), paper)
        except (FetchError, ParseError) as exc:
            self._issue(paper.url, f"abstract page: {exc}")
            return paper  # the listing's metadata still stands

    def _get(self, fetcher: Fetcher, root: Path | None, url: str, listing: bool = False) -> bytes:
        if root is None:
            return fetch_bytes(fetcher, url)
        rel = urlsplit(url).path.lstrip("/")
        path = root / (rel + ".html" if listing else rel)
        if not path.is_file() and (path.parent / (path.name + ".gz")).is_file():
            path = path.parent / (path.name + ".gz")
        if not path.is_file():
            raise FetchError(f"not in the local folder: {path}", url=url)
        return read_local(path)
