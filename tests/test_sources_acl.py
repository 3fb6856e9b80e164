"""ACL Anthology source on the real Anthology XML in ../shared/corpus/acl-anthology."""

from __future__ import annotations

import gzip
from collections import Counter

import pytest
from lxml import etree
from source_fetch import MapFetcher

from corpus.sources.acl import (
    RAW_BASE,
    AclAnthologySource,
    anthology_id,
    collection_ids,
    flatten,
    parse_collection,
)
from corpus.sources.protocol import CrawlQuery

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def xml_dir(corpus_dir):
    return corpus_dir / "acl-anthology" / "xml"


def _raw(xml_dir, coll: str) -> bytes:
    return gzip.decompress((xml_dir / f"{coll}.xml.gz").read_bytes())


def _prefixes(papers) -> Counter:
    """Papers per volume id (P18-1, 2021.acl-long) as the ids give it."""
    out = Counter()
    for p in papers:
        aid = p.id.split(":", 1)[1]
        out[aid.rsplit(".", 1)[0] if "." in aid else aid[:5]] += 1
    return out


@pytest.fixture(scope="module")
def papers_2018_2021(xml_dir):
    src = AclAnthologySource()
    q = CrawlQuery(
        venues=("acl", "emnlp", "naacl", "findings"),
        years=(2018, 2019, 2021),
        local_dir=str(xml_dir),
    )
    papers = list(src.iter_papers(None, q))
    return papers, src.issues


def test_main_conference_counts_match_the_corpus_table(papers_2018_2021):
    papers, issues = papers_2018_2021
    counts = _prefixes(papers)
    # the README's volume table (computed from the same XML by a different script)
    assert counts["P18-1"] == 256 and counts["P18-2"] == 125
    assert counts["D18-1"] == 549 and counts["N18-1"] == 205 and counts["N18-2"] == 125
    assert counts["P19-1"] == 660 and counts["D19-1"] == 681 and counts["N19-1"] == 423
    assert counts["2021.acl-long"] == 571 and counts["2021.acl-short"] == 139
    assert counts["2021.emnlp-main"] == 847 and counts["2021.naacl-main"] == 477
    assert counts["2021.findings-acl"] == 457 and counts["2021.findings-emnlp"] == 424
    # no demos, tutorials, SRW, industry track or D19's co-located workshops (D19-50..66)
    assert not any(
        k.startswith(
            (
                "P18-3",
                "P18-4",
                "P18-5",
                "N18-3",
                "D19-2",
                "D19-5",
                "D19-6",
                "2021.acl-srw",
                "2021.naacl-industry",
            )
        )
        for k in counts
    )
    assert len({p.id for p in papers}) == len(papers)
    # 2018-2019 findings collections do not exist: not even asked for
    assert not [i for i in issues if "findings" in i.where]


def test_fields_of_known_papers(papers_2018_2021, xml_dir):
    by_id = {p.id: p for p in papers_2018_2021[0]}
    p = by_id["acl:P18-1001"]
    assert p.title == "Probabilistic FastText for Multi-Sense Word Embeddings"
    assert p.authors == ("Ben Athiwaratkun", "Andrew Wilson", "Anima Anandkumar")
    assert (p.year, p.venue, p.source) == (2018, "ACL", "acl")
    assert p.pdf_url == "https://aclanthology.org/P18-1001.pdf"
    assert p.url == "https://aclanthology.org/P18-1001/"
    assert p.abstract.startswith("We introduce Probabilistic FastText")
    assert by_id["acl:D19-1001"].venue == "EMNLP" and by_id["acl:D19-1001"].year == 2019
    f = by_id["acl:2021.findings-emnlp.1"]
    assert f.venue == "Findings-EMNLP" and f.year == 2021
    assert f.pdf_url == "https://aclanthology.org/2021.findings-emnlp.1.pdf"
    src = AclAnthologySource()
    new = {p.id: p for p in src.iter_papers(None, CrawlQuery(("naacl",), (2025,), str(xml_dir)))}
    n = new["acl:2025.naacl-long.1"]
    assert n.title == "Understanding Figurative Meaning through Explainable Visual Entailment"
    assert n.authors[0] == "Arkadiy Saakyan" and n.year == 2025 and n.venue == "NAACL"
    assert len(new) == 637 + 81


@pytest.mark.parametrize("coll", ["P18", "D19", "2021.emnlp", "2024.findings"])
def test_computed_ids_equal_the_anthology_url_elements(xml_dir, coll):
    root = etree.fromstring(_raw(xml_dir, coll))
    n = 0
    for vol in root.iter("volume"):
        for p in vol.findall("paper"):
            if p.find("url") is not None:
                assert anthology_id(coll, vol.get("id"), p.get("id")) == p.findtext("url")
                n += 1
    assert n > 100


def test_papers_without_url_have_no_pdf_and_url_ids_win(xml_dir):
    d19 = {
        p.id: p
        for p in parse_collection(_raw(xml_dir, "D19"), wanted=("emnlp",), main_only=False).papers
    }
    tutorial = d19["acl:D19-2001"]  # a tutorial abstract without <url>: no PDF
    assert tutorial.pdf_url is None and tutorial.status == "no_pdf"
    assert d19["acl:D19-1001"].status == "listed"
    acl23 = {p.id: p for p in parse_collection(_raw(xml_dir, "2023.acl"), wanted=("acl",)).papers}
    report = acl23["acl:2023.acl-long.report"]  # <paper id="911"> whose <url> says .report
    assert report.title == "Program Chairs’ Report on Peer Review at ACL 2023"
    assert report.pdf_url == "https://aclanthology.org/2023.acl-long.report.pdf"
    assert "acl:2023.acl-long.911" not in acl23 and len(acl23) == 911 + 164


def test_markup_is_flattened_on_real_titles_and_abstracts(xml_dir):
    papers = {
        p.id: p for p in parse_collection(_raw(xml_dir, "2021.emnlp"), wanted=("emnlp",)).papers
    }
    # <tex-math>k</tex-math><fixed-case>F</fixed-case>olden: <tex-math>k</tex-math>-Fold ...
    assert (
        papers["acl:2021.emnlp-main.248"].title
        == "$k$Folden: $k$-Fold Ensemble for Out-Of-Distribution Detection"
    )
    acl20 = {p.id: p for p in parse_collection(_raw(xml_dir, "2020.acl"), wanted=("acl",)).papers}
    assert (
        "The code is available at https://github.com/zliucr/coach."
        in acl20["acl:2020.acl-main.3"].abstract
    )
    p18 = {p.id: p for p in parse_collection(_raw(xml_dir, "P18"), wanted=("acl",)).papers}
    assert "<" not in "".join(p.title + (p.abstract or "") for p in p18.values())


def test_flatten_spacing_on_inline_markup():
    elem = etree.fromstring(
        "<title>Olive Oil is Made <i>of</i> Olives, <b>Baby</b> Oil\n  "
        "<fixed-case>B</fixed-case>ERT <url>http://x.org</url> "
        "<tex-math>\\approx</tex-math>.</title>"
    )
    assert flatten(elem) == "Olive Oil is Made of Olives, Baby Oil BERT http://x.org $\\approx$."


def test_all_tracks_when_main_only_is_off(xml_dir):
    result = parse_collection(_raw(xml_dir, "P18"), wanted=("acl",), main_only=False)
    assert len(result.papers) == 256 + 125 + 22 + 24 + 8
    assert not result.issues


def test_other_venue_ids_are_read_from_their_volumes(xml_dir):
    src = AclAnthologySource()
    papers = list(src.iter_papers(None, CrawlQuery(("wnut",), (2019,), str(xml_dir))))
    assert len(papers) == 58 and {p.venue for p in papers} == {"WNUT"}
    assert all(p.id.startswith("acl:D19-55") for p in papers)


def test_malformed_files_become_issues_and_the_rest_is_read(tmp_path, xml_dir):
    (tmp_path / "P18.xml").write_bytes(_raw(xml_dir, "P18"))
    (tmp_path / "D18.xml").write_bytes(_raw(xml_dir, "D18")[:5000])  # truncated download
    (tmp_path / "N18.xml.gz").write_bytes(b"\x1f\x8bnot really gzip")
    bad_paper = (
        _raw(xml_dir, "P17")
        .replace(b"<title>", b"<titleX>", 1)
        .replace(b"</title>", b"</titleX>", 1)
    )
    (tmp_path / "P17.xml").write_bytes(bad_paper)  # first paper loses its title
    src = AclAnthologySource()
    papers = list(
        src.iter_papers(None, CrawlQuery(("acl", "emnlp", "naacl"), (2017, 2018), str(tmp_path)))
    )
    counts = _prefixes(papers)
    assert counts["P18-1"] == 256 and counts["P17-1"] == 194 and counts["P17-2"] == 107
    where = {i.where.rsplit("/", 1)[-1]: i.message for i in src.issues}
    assert "malformed XML" in where["D18.xml"]
    assert "gzip" in where["N18.xml.gz"]
    assert any("P17-1001 has no title" in m for m in where.values())
    assert "no D17.xml" in " ".join(i.message for i in src.issues)


def test_http_path_builds_raw_github_urls(xml_dir):
    def resolve(url: str):
        assert url.startswith(RAW_BASE + "/")
        name = url[len(RAW_BASE) + 1 :].removesuffix(".xml")
        path = xml_dir / f"{name}.xml.gz"
        return gzip.decompress(path.read_bytes()) if path.exists() else None

    fetcher = MapFetcher(resolve)
    src = AclAnthologySource()
    papers = list(src.iter_papers(fetcher, CrawlQuery(("naacl", "findings"), (2017, 2020))))
    assert fetcher.urls == [
        f"{RAW_BASE}/N17.xml",
        f"{RAW_BASE}/2020.naacl.xml",
        f"{RAW_BASE}/2020.findings.xml",
    ]
    assert len(papers) == 447 and {p.venue for p in papers} == {"Findings-EMNLP"}
    assert [i.message for i in src.issues] == [
        f"HTTP 404 (url={RAW_BASE}/N17.xml)",
        f"HTTP 404 (url={RAW_BASE}/2020.naacl.xml)",
    ]


def test_collection_ids_old_and_new_style():
    assert collection_ids("acl", 2015) == ["P15"]
    assert collection_ids("EMNLP", 2019) == ["D19"]
    assert collection_ids("naacl", 2024) == ["2024.naacl"]
    assert collection_ids("findings", 2019) == []
    assert collection_ids("findings", 2023) == ["2023.findings"]
