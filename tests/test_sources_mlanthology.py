"""ML Anthology source on the real per-venue JSON in ../shared/corpus/mlanthology."""

from __future__ import annotations

import gzip
import json

import pytest
from source_fetch import MapFetcher

from corpus.sources.mlanthology import RAW_BASE, MLAnthologySource, parse_venue_file
from corpus.sources.protocol import CrawlQuery

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def ml_dir(corpus_dir):
    return corpus_dir / "mlanthology"


@pytest.fixture(scope="module")
def some_papers(ml_dir):
    src = MLAnthologySource()
    q = CrawlQuery(
        venues=("neurips", "icml", "iclr", "cvpr", "iccv"),
        years=(2016, 2019, 2023),
        local_dir=str(ml_dir),
    )
    return {p.id: p for p in src.iter_papers(None, q)}, src.issues


def test_counts_match_the_corpus_table(some_papers):
    papers, issues = some_papers
    counts = {}
    for p in papers.values():
        counts[(p.venue, p.year)] = counts.get((p.venue, p.year), 0) + 1
    assert counts[("NeurIPS", 2019)] == 1428 and counts[("NeurIPS", 2023)] == 3540
    assert counts[("ICML", 2016)] == 322 and counts[("ICML", 2019)] == 766
    assert counts[("ICLR", 2019)] == 502 and counts[("ICLR", 2023)] == 1573
    assert counts[("CVPR", 2016)] == 643 and counts[("CVPR", 2023)] == 2353
    assert counts[("ICCV", 2023)] == 2156
    # absent upstream: one issue per missing file, the rest is read
    missing = sorted(i.where for i in issues)
    assert missing == ["cvpr-2019", "iccv-2019", "iclr-2016"]
    assert ("ICCV", 2016) not in counts  # no ICCV in even years: not even asked for


def test_fields_of_known_papers(some_papers):
    papers = some_papers[0]
    p = papers["mlanthology:abel2016icml-near"]
    assert p.title == "Near Optimal Behavior via Approximate State Abstraction"
    assert p.authors == ("David Abel", "David Hershkowitz", "Michael Littman")
    assert (p.venue, p.year, p.source) == ("ICML", 2016, "mlanthology")
    assert p.pdf_url == "http://proceedings.mlr.press/v48/abel16.pdf"
    assert p.url == "https://proceedings.mlr.press/v48/abel16.html"
    n = papers["mlanthology:devin2019neurips-compositional"]
    assert n.title == "Compositional Plan Vectors" and n.year == 2019
    assert n.pdf_url.endswith("/2019/file/00989c20ff1386dc386d8124ebcba1a5-Paper.pdf")
    assert n.authors[-1] == "Sergey Levine"
    assert "\n" not in n.abstract and n.abstract.startswith("Autonomous agents")
    ids = [p for p in papers if p.startswith("mlanthology:") and "2023iclr" in p]
    assert len(ids) == 1573


def test_malformed_file_and_records_are_flagged(tmp_path, ml_dir):
    doc = json.loads(gzip.decompress((ml_dir / "iclr-2018.json.gz").read_bytes()))
    doc["papers"][3] = {"title": "no key"}
    doc["papers"][5]["year"] = "not a year"
    (tmp_path / "iclr-2018.json").write_text(json.dumps(doc))
    (tmp_path / "iclr-2019.json.gz").write_bytes(gzip.compress(b'{"papers": [ {"tit'))
    src = MLAnthologySource()
    papers = list(src.iter_papers(None, CrawlQuery(("iclr",), (2018, 2019), str(tmp_path))))
    assert len(papers) == 337 - 2
    msgs = {i.where.rsplit("/", 1)[-1]: i.message for i in src.issues}
    assert "malformed JSON" in msgs["iclr-2019.json.gz"]
    assert any(w.startswith("iclr-2018.json paper #3") for w in msgs)
    assert any(w.startswith("iclr-2018.json paper #5") for w in msgs)
    assert parse_venue_file(b"[1, 2]").issues[0].message == "no 'papers' list"


def test_http_path_builds_raw_github_urls(ml_dir):
    def resolve(url: str):
        name = url.removeprefix(RAW_BASE + "/")
        path = ml_dir / name
        return path.read_bytes() if url.startswith(RAW_BASE) and path.exists() else None

    fetcher = MapFetcher(resolve)
    src = MLAnthologySource()
    papers = list(src.iter_papers(fetcher, CrawlQuery(("iccv", "cvpr"), (2017, 2018))))
    assert fetcher.urls == [
        f"{RAW_BASE}/iccv-2017.json.gz",
        f"{RAW_BASE}/cvpr-2017.json.gz",
        f"{RAW_BASE}/cvpr-2018.json.gz",
    ]
    assert len(papers) == 621 + 783
    assert [i.where for i in src.issues] == [f"{RAW_BASE}/cvpr-2018.json.gz"]
