"""NeurIPS proceedings source: hand-written page fixtures (tests/fixtures/neurips, see its
README) and listings rebuilt from the real mlanthology records of NeurIPS 2019 and 2023."""

from __future__ import annotations

import gzip
import html
import json
import re
from pathlib import Path

import pytest
from source_fetch import MapFetcher

from corpus.sources.neurips import (
    SITE,
    NeurIPSSource,
    parse_listing,
    pdf_from_abstract_url,
)
from corpus.sources.protocol import CrawlQuery

FIXTURES = Path(__file__).parent / "fixtures" / "neurips"


def _serve_fixtures(url: str):
    if not url.startswith(SITE + "/"):
        return None
    rel = url[len(SITE) + 1 :]
    path = FIXTURES / (rel + ".html" if re.fullmatch(r"paper_files/paper/\d{4}", rel) else rel)
    return path.read_bytes() if path.is_file() else None


def test_listing_and_abstract_pages_over_http():
    fetcher = MapFetcher(_serve_fixtures)
    src = NeurIPSSource()
    papers = list(src.iter_papers(fetcher, CrawlQuery(years=(2019, 2023))))
    by_id = {p.id: p for p in papers}
    assert list(by_id) == [
        "neurips:2019/0123456789abcdef0123456789abcdef",
        "neurips:2019/fedcba9876543210fedcba9876543210",
        "neurips:2023/00000000000000000000000000000abc",
        "neurips:2023/00000000000000000000000000000def",
    ]
    p = by_id["neurips:2019/0123456789abcdef0123456789abcdef"]
    assert p.title == "Frugal Gradients: Training Small Nets on a Budget"
    assert p.authors == ("Ada Example", "Bo Placeholder")
    assert p.abstract == (
        "We train small networks on one GPU for 3 hours and report the energy used (1.2 kWh)."
    )
    assert p.pdf_url == (
        f"{SITE}/paper_files/paper/2019/file/0123456789abcdef0123456789abcdef-Paper.pdf"
    )
    assert (p.venue, p.year, p.source) == ("NeurIPS", 2019, "neurips")
    c = by_id["neurips:2023/00000000000000000000000000000abc"]
    assert c.abstract == "Mixture-of-experts layers cut training FLOPs by 40%. We release code."
    assert c.pdf_url.endswith("/2023/file/00000000000000000000000000000abc-Paper-Conference.pdf")
    assert c.authors == ("Eve Fixture", "Fay Mock", "Gus Stand-In")
    # the broken abstract page and the missing one leave the listing's metadata in place
    d = by_id["neurips:2023/00000000000000000000000000000def"]
    assert d.abstract is None and d.title == "GreenBench: A Made-Up Benchmark"
    assert d.pdf_url.endswith(
        "/file/00000000000000000000000000000def-Paper-Datasets_and_Benchmarks.pdf"
    )
    assert (
        by_id["neurips:2019/fedcba9876543210fedcba9876543210"].title
        == "On the Energy of Invented Benchmarks"
    )
    issues = " | ".join(str(i) for i in src.issues)
    assert "another year" in issues  # the 2018 link on the 2019 listing
    assert "fedcba9876543210fedcba9876543210-Abstract.html: abstract page: HTTP 404" in issues
    assert "without an <h4>Abstract</h4>" in issues
    assert fetcher.urls[0] == f"{SITE}/paper_files/paper/2019"


def test_local_folder_with_the_sites_paths_and_no_abstracts():
    src = NeurIPSSource(abstracts=False)
    papers = list(src.iter_papers(None, CrawlQuery(years=(2023, 2024), local_dir=str(FIXTURES))))
    assert [p.abstract for p in papers] == [None, None]
    assert [i.where for i in src.issues] == [f"{SITE}/paper_files/paper/2024"]


def test_pdf_derivation_per_track():
    base = f"{SITE}/paper_files/paper/2022/hash/{'a' * 32}"
    assert pdf_from_abstract_url(base + "-Abstract.html").endswith(f"/file/{'a' * 32}-Paper.pdf")
    assert pdf_from_abstract_url(base + "-Abstract-Datasets_and_Benchmarks_Track.html").endswith(
        f"/2022/file/{'a' * 32}-Paper-Datasets_and_Benchmarks_Track.pdf"
    )
    assert pdf_from_abstract_url(f"{SITE}/paper/2019/x.html") is None


@pytest.mark.shared
@pytest.mark.parametrize("year,count", [(2019, 1428), (2023, 3540)])
def test_listing_rebuilt_from_real_records(corpus_dir, year, count):
    """A listing in the site's markup, generated here from mlanthology's real records."""
    recs = json.loads(
        gzip.decompress((corpus_dir / "mlanthology" / f"neurips-{year}.json.gz").read_bytes())
    )["papers"]
    items = []
    for r in recs:
        # the site's page name carries the PDF's track suffix (README caution for 2022+)
        track = re.search(r"-Paper(-[\w-]+)?\.pdf$", r["pdf_url"]).group(1) or ""
        href = f"/paper_files/paper/{year}/hash/{r['source_id']}-Abstract{track}.html"
        names = ", ".join(f"{a['given']} {a['family']}".strip() for a in r["authors"])
        items.append(
            f'<li class="conference"><div class="paper-content"><a title="paper title" '
            f'href="{href}">{html.escape(r["title"])}</a><span class="paper-authors">'
            f"{html.escape(names)}</span></div></li>"
        )
    page = f'<html><body><ul class="paper-list">{"".join(items)}</ul></body></html>'
    res = parse_listing(page, year=year, page_url=f"{SITE}/paper_files/paper/{year}")
    assert len(res.papers) == count and not res.issues
    for paper, rec in zip(res.papers, recs, strict=True):
        assert paper.id == f"neurips:{year}/{rec['source_id']}"
        assert paper.title == " ".join(rec["title"].split())
        assert paper.pdf_url == rec["pdf_url"]  # derived from the page name alone
        assert len(paper.authors) == len(rec["authors"]) or "," in "".join(
            a["family"] + a["given"] for a in rec["authors"]
        )
