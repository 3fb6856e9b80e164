"""arXiv source on the real recorded API responses in ../shared/corpus/sites/export.arxiv.org."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from source_fetch import MapFetcher

from corpus.errors import ConfigError, FetchError, ParseError
from corpus.sources.arxiv import (
    API,
    ArxivSource,
    build_search,
    parse_feed,
    split_version,
)
from corpus.sources.protocol import CrawlQuery, Response

pytestmark = pytest.mark.shared


def _key(url: str) -> tuple:
    parts = urlsplit(url)
    return (parts.netloc, parts.path, tuple(sorted(parse_qsl(parts.query, keep_blank_values=True))))


@pytest.fixture(scope="module")
def recorded(corpus_dir) -> dict[tuple, dict]:
    """Every recorded response by its (host, path, sorted query) key; body as bytes."""
    out = {}
    for path in (corpus_dir / "sites" / "export.arxiv.org" / "arxiv.py-fixtures").glob("*.json"):
        rec = json.loads(path.read_text())
        rec["bytes"] = rec["body"].encode("latin-1")  # the recording stored latin-1 text
        rec["file"] = path.name
        out[_key(rec["url"])] = rec
    assert len(out) == 20
    return out


def _by_file(recorded, prefix: str) -> dict:
    return next(r for r in recorded.values() if r["file"].startswith(prefix))


class RecordedFetcher:
    """Serves the recordings by URL (status included); unknown URLs are a 404 FetchError."""

    def __init__(self, recorded, remap=None):
        self.recorded, self.remap, self.urls = recorded, remap or {}, []

    def get(self, url, *, params=None):
        full = f"{url}?{urlencode(params or {})}"
        self.urls.append(dict(params or {}))
        key = _key(full)
        for want, serve in self.remap.items():
            if dict(params or {}).items() >= dict(want).items():
                key = _key(serve)
        rec = self.recorded.get(key)
        if rec is None:
            raise FetchError("HTTP 404", status=404, url=full)
        return Response(url=rec["url"], status=rec["status_code"], body=rec["bytes"])


def test_versioned_and_old_style_ids(recorded):
    page = parse_feed(_by_file(recorded, "id_2104.12255v1")["bytes"])
    (p,) = page.papers
    assert p.id == "arxiv:2104.12255" and p.title == "0" and p.year == 2021
    assert p.url == "https://arxiv.org/abs/2104.12255v1"
    assert p.pdf_url == "https://arxiv.org/pdf/2104.12255v1"
    assert p.authors == ("Quan Thoi Minh Nguyen",)
    assert p.abstract.startswith("What is the funniest number in cryptography? 0.")
    old = parse_feed(_by_file(recorded, "id_astro-ph_0601001")["bytes"]).papers[0]
    assert old.id == "arxiv:astro-ph/0601001" and old.year == 2006
    assert old.title.startswith("Frequency of Hot Jupiters and Very Hot Jupiters")
    assert old.pdf_url == "https://arxiv.org/pdf/astro-ph/0601001v1"
    assert not old.abstract.startswith(" ")
    q = parse_feed(_by_file(recorded, "id_quant-ph_0201082v1")["bytes"]).papers[0]
    assert q.id == "arxiv:quant-ph/0201082"
    assert split_version("2104.12255v1") == ("2104.12255", 1)
    assert split_version("astro-ph/0601001") == ("astro-ph/0601001", None)


def test_empty_feed_and_unknown_ids(recorded):
    empty = parse_feed(_by_file(recorded, "id_0000.0000")["bytes"])
    assert empty.papers == [] and empty.total == 0 and not empty.issues
    two = parse_feed(_by_file(recorded, "id_0808.05394_1707.08567")["bytes"])
    assert [p.id for p in two.papers] == ["arxiv:1707.08567"]


def test_error_entry_is_an_error_not_a_paper(recorded):
    rec = _by_file(recorded, "id_abc")
    assert rec["status_code"] == 400
    with pytest.raises(ParseError, match="incorrect id format for abc"):
        parse_feed(rec["bytes"])
    src = ArxivSource(id_list=["abc"])
    assert list(src.iter_papers(RecordedFetcher(recorded), CrawlQuery())) == []
    assert "HTTP 400: arXiv API error: incorrect id format for abc" in src.issues[0].message
    with pytest.raises(ParseError, match="malformed"):
        parse_feed(b"<feed><entry>")


def test_paging_collects_each_paper_once(recorded):
    src = ArxivSource(search_query="testing", page_size=10, max_results=60)
    fetcher = RecordedFetcher(recorded)
    papers = list(src.iter_papers(fetcher, CrawlQuery()))
    assert [c["start"] for c in fetcher.urls] == ["0", "10", "20", "30", "40", "50"]
    assert all(c["max_results"] == "10" and c["search_query"] == "testing" for c in fetcher.urls)
    big = parse_feed(_by_file(recorded, "q_testing_s0_m100")["bytes"]).papers
    assert [p.id for p in papers] == [p.id for p in big[:60]]  # same order as one big page
    assert not src.issues and src.min_interval_s == 3.0


def test_overlapping_pages_give_no_duplicates(recorded):
    # arXiv's ranking can shift between calls: serve the recorded start=9 page when start=15
    # is asked, so the second page repeats six papers of the first
    s9 = _by_file(recorded, "q_testing_s9_m15")["url"]
    src = ArxivSource(search_query="testing", page_size=15, max_results=30)
    fetcher = RecordedFetcher(recorded, remap={(("start", "15"),): s9})
    papers = list(src.iter_papers(fetcher, CrawlQuery()))
    big = parse_feed(_by_file(recorded, "q_testing_s0_m100")["bytes"]).papers
    assert len(papers) == 24 and len({p.id for p in papers}) == 24
    assert [p.id for p in papers] == [p.id for p in big[:24]]


def test_cap_and_limits():
    with pytest.raises(ConfigError):
        ArxivSource(search_query="x", page_size=2001)
    with pytest.raises(ConfigError):
        ArxivSource(search_query="x", max_results=30001)
    with pytest.raises(ConfigError):
        list(ArxivSource().iter_papers(None, CrawlQuery()))
    assert build_search("", ("cs.LG",), ()) == "cat:cs.LG"
    assert build_search("all:energy", ("cs.LG", "cs.CL"), (2020, 2021)) == (
        "(all:energy) AND (cat:cs.LG OR cat:cs.CL) AND submittedDate:[202001010000 TO 202112312359]"
    )


def test_first_page_url_is_the_recorded_one(recorded):
    src = ArxivSource(search_query="testing", page_size=100, max_results=100)
    urls = []
    fetcher = MapFetcher(lambda u: urls.append(u) or None)
    assert list(src.iter_papers(fetcher, CrawlQuery())) == []
    assert _key(urls[0]) in recorded  # the exact parameters arXiv's own client sent
    assert urls[0].startswith(API + "?search_query=testing&id_list=&sortBy=relevance")
