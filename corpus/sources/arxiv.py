"""arXiv: the official API (`https://export.arxiv.org/api/query`, an Atom feed), paged.

Paging follows arXiv's API terms: `start`/`max_results` slices of at most 2,000, at most
30,000 results per query, 3 s between calls (`ArxivSource.min_interval_s`, for the client
to honour). Query: `search_query` and/or `id_list` options; `query.venues` are arXiv
categories (`cs.LG` -> `cat:cs.LG`), `query.years` restrict the submission date. Ids are
`arxiv:{id without version}` (`arxiv:1706.03762`, `arxiv:astro-ph/0601001`); `url` and
`pdf_url` keep the version the feed gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from lxml import etree

from corpus.errors import ConfigError, FetchError, ParseError
from corpus.records import Paper
from corpus.sources.parsing import IssueLog, SourceIssue, clean
from corpus.sources.protocol import CrawlQuery, Fetcher

NAME = "arxiv"
API = "https://export.arxiv.org/api/query"
PAGE_LIMIT = 2000  # arXiv: at most 2000 results per call
TOTAL_LIMIT = 30000  # arXiv: at most 30000 results per query
NS = {
    "a": "http://www.w3.org/2005/Atom",
    "os": "http://a9.com/-/spec/opensearch/1.1/",
    "arxiv": "http://arxiv.org/schemas/atom",
}
_ABS = re.compile(r"arxiv\.org/abs/(.+?)(v\d+)?$")


@dataclass
class FeedPage:
    """One API answer: its papers, the paging numbers, and entries that could not be read."""

    papers: list[Paper] = field(default_factory=list)
    total: int = 0
    start: int = 0
    per_page: int = 0
    issues: list[SourceIssue] = field(default_factory=list)


def split_version(arxiv_id: str) -> tuple[str, int | None]:
    """'2104.12255v1' -> ('2104.12255', 1); 'astro-ph/0601001' -> ('astro-ph/0601001', None)."""
    m = re.fullmatch(r"(.+?)v(\d+)", arxiv_id)
    return (m.group(1), int(m.group(2))) if m else (arxiv_id, None)


def parse_feed(body: bytes | str, *, where: str = API) -> FeedPage:
    """An Atom feed -> FeedPage; ParseError for malformed XML or an API error entry."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    try:
        root = etree.fromstring(body)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed arXiv feed: {exc}", url=where) from exc
    if root.tag != f"{{{NS['a']}}}feed":
        raise ParseError(f"not an Atom feed (root {root.tag})", url=where)
    page = FeedPage(
        total=_int(root, "os:totalResults"),
        start=_int(root, "os:startIndex"),
        per_page=_int(root, "os:itemsPerPage"),
    )
    for i, entry in enumerate(root.findall("a:entry", NS)):
        entry_id = clean(entry.findtext("a:id", namespaces=NS))
        if "/api/errors" in entry_id:
            # arXiv reports a bad query as a feed with one error entry (HTTP 400)
            msg = clean(entry.findtext("a:summary", namespaces=NS)) or entry_id
            raise ParseError(f"arXiv API error: {msg}", url=where)
        try:
            page.papers.append(_paper(entry, entry_id))
        except ValueError as exc:
            page.issues.append(SourceIssue(NAME, f"{where} entry #{i} {entry_id}", str(exc)))
    return page


def _why(body: bytes) -> str:
    """What an error answer says (arXiv puts it in an error entry of a feed)."""
    try:
        parse_feed(body)
    except ParseError as exc:
        return exc.message
    return "no error entry"


def _int(root, path: str) -> int:
    try:
        return int(clean(root.findtext(path, namespaces=NS)))
    except ValueError:
        return 0


def _paper(entry, entry_id: str) -> Paper:
    m = _ABS.search(entry_id)
    if not m:
        raise ValueError(f"entry id is not an arXiv abstract URL: {entry_id!r}")
    base_id = m.group(1)
    title = clean(entry.findtext("a:title", namespaces=NS))
    published = clean(entry.findtext("a:published", namespaces=NS))
    if not title or not re.match(r"\d{4}-", published):
        raise ValueError("entry without title or published date")
    abs_url = pdf = None
    for link in entry.findall("a:link", NS):
        if link.get("rel") == "alternate":
            abs_url = link.get("href")
        elif link.get("title") == "pdf" or link.get("type") == "application/pdf":
            pdf = link.get("href")
    authors = tuple(
        n
        for n in (clean(a.findtext("a:name", namespaces=NS)) for a in entry.findall("a:author", NS))
        if n
    )
    return Paper(
        id=f"{NAME}:{base_id}",
        source=NAME,
        venue="arXiv",
        year=int(published[:4]),
        title=title,
        authors=authors,
        abstract=clean(entry.findtext("a:summary", namespaces=NS)) or None,
        url=abs_url or entry_id.replace("http://", "https://"),
        pdf_url=pdf,
        status="listed" if pdf else "no_pdf",
    )


def build_search(search_query: str, categories: Sequence[str], years: Sequence[int]) -> str:
    """The API's search_query: the user's query AND any category AND the years' date range."""
    parts = [f"({search_query})" if search_query and (categories or years) else search_query]
    if categories:
        cats = " OR ".join(f"cat:{c}" for c in categories)
        parts.append(f"({cats})" if len(categories) > 1 else cats)
    if years:
        parts.append(f"submittedDate:[{min(years)}01010000 TO {max(years)}12312359]")
    return " AND ".join(p for p in parts if p)


class ArxivSource(IssueLog):
    """Papers from the arXiv API for a search and/or id list, paged politely."""

    name = NAME
    min_interval_s = 3.0  # arXiv asks for 3 s between calls

    def __init__(
        self,
        base_url: str = API,
        *,
        search_query: str = "",
        id_list: Sequence[str] = (),
        page_size: int = 100,
        max_results: int = 1000,
        sort_by: str = "relevance",
        sort_order: str = "descending",
    ) -> None:
        if not 1 <= page_size <= PAGE_LIMIT:
            raise ConfigError(f"arXiv page_size must be 1..{PAGE_LIMIT}, got {page_size}")
        if not 1 <= max_results <= TOTAL_LIMIT:
            raise ConfigError(f"arXiv max_results must be 1..{TOTAL_LIMIT}, got {max_results}")
        self.base_url = base_url
        self.search_query = search_query
        self.id_list = tuple(id_list)
        self.page_size = page_size
        self.max_results = max_results
        self.sort_by = sort_by
        self.sort_order = sort_order
        self.issues = []

    def params(self, query: CrawlQuery, start: int, count: int) -> dict[str, str]:
        """The API parameters of one page (in the order arXiv's own client sends them)."""
        return {
            "search_query": build_search(self.search_query, query.venues, query.years),
            "id_list": ",".join(self.id_list),
            "sortBy": self.sort_by,
            "sortOrder": self.sort_order,
            "start": str(start),
            "max_results": str(count),
        }

    def iter_papers(self, fetcher: Fetcher, query: CrawlQuery) -> Iterator[Paper]:
        """Page through the results; stop at the cap, the total, an empty page or an error."""
        self._reset_issues()
        if not (self.search_query or self.id_list or query.venues):
            raise ConfigError("arxiv needs a search_query, an id_list or categories as venues")
        seen: set[str] = set()
        start = 0
        years = set(query.years)
        while start < self.max_results:
            count = min(self.page_size, self.max_results - start)
            params = self.params(query, start, count)
            try:
                resp = fetcher.get(self.base_url, params=params)
                if resp.status != 200:
                    raise FetchError(
                        f"HTTP {resp.status}: {_why(resp.body)}", status=resp.status, url=resp.url
                    )
                page = parse_feed(resp.body, where=resp.url)
            except (FetchError, ParseError) as exc:
                self._issue(f"{self.base_url} start={start}", str(exc))
                return
            self.issues.extend(page.issues)
            for p in page.papers:
                if p.id in seen or (years and p.year not in years):
                    continue  # pages can overlap when arXiv's ranking shifts between calls
                seen.add(p.id)
                yield p
            entries = len(page.papers) + len(page.issues)
            if not entries:
                if start < page.total:
                    self._issue(
                        f"{self.base_url} start={start}",
                        f"empty page before the end ({page.total} results)",
                    )
                return
            start += entries
            if start >= page.total:
                return
