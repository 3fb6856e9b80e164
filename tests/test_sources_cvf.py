"""CVF Open Access source on the real saved CVPR 2019 listing (1,294 papers)."""

from __future__ import annotations

import gzip
import re

import pytest
from bs4 import BeautifulSoup
from source_fetch import MapFetcher

from corpus.sources.cvf import SITE, CVFSource, listing_url, parse_listing
from corpus.sources.protocol import CrawlQuery

pytestmark = pytest.mark.shared
SAVED = "CVPR2019.py.browser-saved.html.gz"


@pytest.fixture(scope="module")
def site_dir(corpus_dir):
    return corpus_dir / "sites" / "openaccess.thecvf.com"


@pytest.fixture(scope="module")
def page(site_dir) -> bytes:
    return gzip.decompress((site_dir / SAVED).read_bytes())


@pytest.fixture(scope="module")
def parsed(page):
    return parse_listing(
        page, venue="cvpr", year=2019, page_url="http://openaccess.thecvf.com/CVPR2019.py"
    )


def test_all_1294_papers_with_titles_authors_and_links(parsed):
    papers = parsed.papers
    assert len(papers) == 1294 and not parsed.issues
    assert len({p.id for p in papers}) == 1294
    first = papers[0]
    assert first.title == (
        "Finding Task-Relevant Features for Few-Shot Learning by Category Traversal"
    )
    assert first.authors == (
        "Hongyang Li",
        "David Eigen",
        "Samuel Dodge",
        "Matthew Zeiler",
        "Xiaogang Wang",
    )
    assert first.id == (
        "cvf:Li_Finding_Task-Relevant_Features_for_Few-Shot_Learning_by_"
        "Category_Traversal_CVPR_2019_paper"
    )
    assert first.url == (
        f"{SITE}/content_CVPR_2019/html/Li_Finding_Task-Relevant_Features_"
        "for_Few-Shot_Learning_by_Category_Traversal_CVPR_2019_paper.html"
    )
    assert first.pdf_url == first.url.replace("/html/", "/papers/").replace(".html", ".pdf")
    assert (first.venue, first.year, first.abstract) == ("CVPR", 2019, None)
    assert all(
        p.pdf_url and p.pdf_url.startswith(f"{SITE}/content_CVPR_2019/papers/") for p in papers
    )


def test_authors_and_titles_agree_with_the_pages_own_bibtex(page, parsed):
    # each entry's BibTeX block (a different part of the same page) lists the same people
    soup = BeautifulSoup(page, "lxml")
    bibs = [b.get_text() for b in soup.select("div.bibref")]
    assert len(bibs) == len(parsed.papers)
    for paper, bib in zip(parsed.papers, bibs, strict=True):
        names = re.search(r"author = \{(.*?)\},", bib).group(1).split(" and ")
        assert len(paper.authors) == len(names), paper.id
        assert paper.authors[0].split()[-1] in names[0], paper.id
        title = re.search(r"title = \{(.*?)\},", bib).group(1)
        assert " ".join(title.split()) == paper.title


def test_live_style_relative_links_and_bad_entries():
    # a hand-written snippet in the live site's markup (relative hrefs, a supp link)
    html = """<dl><dt class="ptitle"><br><a href="/content/CVPR2021/html/A_X_CVPR_2021_paper.html">
    X: a   title</a></dt><dd><form class="authsearch"><input type="hidden" name="query"
    value="Ann A"><a href="#">Ann A</a>,</form></dd><dd>[<a href="/content/CVPR2021/papers/A_X_CVPR_2021_paper.pdf">pdf</a>] [<a href="/content/CVPR2021/supplemental/A_X-supp.pdf">supp</a>]
    </dd><dt class="ptitle"><br></dt><dd></dd></dl>"""
    res = parse_listing(html, venue="cvpr", year=2021, page_url=f"{SITE}/CVPR2021")
    assert len(res.papers) == 1 and len(res.issues) == 1
    p = res.papers[0]
    assert p.title == "X: a title" and p.authors == ("Ann A",)
    assert p.url == f"{SITE}/content/CVPR2021/html/A_X_CVPR_2021_paper.html"
    assert p.pdf_url == f"{SITE}/content/CVPR2021/papers/A_X_CVPR_2021_paper.pdf"
    assert "no title link" in res.issues[0].message
    assert (
        parse_listing(b"<html><body>Not found</body></html>", venue="cvpr", year=2021)
        .issues[0]
        .message.startswith("no <dt")
    )


def test_http_path_asks_the_all_papers_listing(page):
    def resolve(url):
        return page if url == f"{SITE}/CVPR2019?day=all" else None

    fetcher = MapFetcher(resolve)
    src = CVFSource()
    papers = list(src.iter_papers(fetcher, CrawlQuery(("cvpr", "iccv"), (2019, 2020))))
    assert len(papers) == 1294
    assert fetcher.urls == [
        f"{SITE}/CVPR2019?day=all",
        f"{SITE}/CVPR2020?day=all",
        f"{SITE}/ICCV2019?day=all",
    ]  # no ICCV in 2020
    assert [i.where for i in src.issues] == [f"{SITE}/CVPR2020", f"{SITE}/ICCV2019"]
    assert listing_url(SITE, "cvpr", 2019, legacy_py=True) == f"{SITE}/CVPR2019.py"


def test_local_folder_reads_the_saved_page(site_dir):
    src = CVFSource()
    papers = list(src.iter_papers(None, CrawlQuery(("cvpr",), (2019,), str(site_dir))))
    assert len(papers) == 1294 and not src.issues
