"""PMLR source on the real volume repositories' metadata in ../shared/corpus/pmlr."""

from __future__ import annotations

import json
import shutil

import pytest
from source_fetch import MapFetcher

from corpus.errors import ConfigError
from corpus.sources.pmlr import (
    API_BASE,
    ICML_VOLUMES,
    RAW_BASE,
    PMLRSource,
    VolumeInfo,
    parse_config,
    pdf_url,
    pdf_url_aliases,
    volume_numbers,
)
from corpus.sources.protocol import CrawlQuery

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def pmlr_dir(corpus_dir):
    return corpus_dir / "pmlr"


@pytest.fixture(scope="module")
def all_papers(pmlr_dir):
    src = PMLRSource()
    papers = list(src.iter_papers(None, CrawlQuery(local_dir=str(pmlr_dir))))
    return {p.id: p for p in papers}, papers, src.issues


def test_every_volume_with_its_venue_and_count(all_papers):
    by_id, papers, issues = all_papers
    counts = {}
    for p in papers:
        counts[(p.id.split("/")[0], p.venue, p.year)] = (
            counts.get((p.id.split("/")[0], p.venue, p.year), 0) + 1
        )
    assert counts == {
        ("pmlr:v48", "ICML", 2016): 322,
        ("pmlr:v101", "ACML", 2019): 79,
        ("pmlr:v172", "MIDL", 2022): 99,
        ("pmlr:v198", "LoG", 2022): 57,
        ("pmlr:v262", "ENLSP-IV", 2024): 46,
        ("pmlr:v188", "AutoML-Conf", 2022): 20,
    }
    assert not issues and len(by_id) == len(papers)


def test_fields_and_pdf_urls_of_known_papers(all_papers):
    by_id = all_papers[0]
    p = by_id["pmlr:v48/abel16"]
    assert p.title == "Near Optimal Behavior via Approximate State Abstraction"
    assert p.authors == ("David Abel", "David Hershkowitz", "Michael Littman")
    assert p.url == "https://proceedings.mlr.press/v48/abel16.html"
    # the old flat layout, as the post's pdf field (http) gives it, served over https
    assert p.pdf_url == "https://proceedings.mlr.press/v48/abel16.pdf"
    assert p.abstract.startswith("The combinatorial explosion")
    a = by_id["pmlr:v101/amplayo19a"]
    assert a.title == "Text Length Adaptation in Sentiment Classification"
    assert a.authors == ("Reinald Kim Amplayo", "Seonjae Lim", "Seung-won Hwang")
    assert a.pdf_url == "https://proceedings.mlr.press/v101/amplayo19a/amplayo19a.pdf"
    e = by_id["pmlr:v262/agrawal24a"]
    assert e.title.startswith("AdaEDL: Early Draft Stopping for Speculative Decoding")
    assert e.pdf_url == (
        "https://raw.githubusercontent.com/mlresearch/v262/main/assets/agrawal24a/agrawal24a.pdf"
    )
    # names are given [prefix] family, single-spaced
    assert all(
        name == name.strip() and "  " not in name for p in by_id.values() for name in p.authors
    )


def test_pdf_aliases_reach_the_real_mirror_layout(all_papers, corpus_dir):
    # ../shared's PDF mirror stores v101/v172/v198 papers flat (v101/wang19f.pdf) while the
    # posts name /v101/wang19f/wang19f.pdf: each mirrored PDF is reachable through an alias
    mirror = corpus_dir / "pdfs" / "mirror"
    files = sorted(mirror.glob("proceedings.mlr.press/v*/*.pdf"))
    assert len(files) == 40
    by_url = {}
    for p in all_papers[0].values():
        for u in [p.pdf_url, *pdf_url_aliases(p.pdf_url)]:
            by_url[u.removeprefix("https://")] = p.id
    for f in files:
        rel = f.relative_to(mirror).as_posix()
        assert by_url[rel] == f"pmlr:{f.parent.name}/{f.stem}"
    assert pdf_url_aliases("https://example.org/x.pdf") == []


def test_derived_pdf_urls_without_a_pdf_field():
    assert pdf_url(48, "abel16") == "https://proceedings.mlr.press/v48/abel16.pdf"
    assert pdf_url(172, "ali22a") == "https://proceedings.mlr.press/v172/ali22a/ali22a.pdf"
    assert (
        pdf_url(70, "x17a", "http://proceedings.mlr.press/v70/x17a/x17a.pdf")
        == "https://proceedings.mlr.press/v70/x17a/x17a.pdf"
    )


def test_venue_selection(pmlr_dir):
    src = PMLRSource()
    midl = list(src.iter_papers(None, CrawlQuery(("midl",), (), str(pmlr_dir))))
    assert len(midl) == 99 and {p.venue for p in midl} == {"MIDL"}
    icml = list(src.iter_papers(None, CrawlQuery(("icml",), (2016, 2020), str(pmlr_dir))))
    assert len(icml) == 322
    assert [i.where for i in src.issues] == ["v119"]  # ICML 2020 is not in this folder
    one = list(src.iter_papers(None, CrawlQuery((), (), str(pmlr_dir / "v188"))))
    assert len(one) == 20
    assert volume_numbers(["V48", "101", "icml", "log"], [2019]) == ([48, 101, 97], ["log"])
    assert ICML_VOLUMES[2018] == 80 and ICML_VOLUMES[2024] == 235


def test_bad_posts_and_config_are_flagged(tmp_path, pmlr_dir):
    shutil.copytree(pmlr_dir / "v198", tmp_path / "v198")
    shutil.copytree(pmlr_dir / "v188", tmp_path / "v188")
    posts = sorted((tmp_path / "v198" / "_posts").glob("*.md"))
    posts[0].write_text("no front matter here\n")
    posts[1].write_text("---\ntitle: [unclosed\n---\n")
    (tmp_path / "v188" / "_config.yml").write_text("volume: [\n")
    src = PMLRSource()
    papers = list(src.iter_papers(None, CrawlQuery(local_dir=str(tmp_path))))
    assert len(papers) == 57 - 2
    wheres = sorted(i.where.split(str(tmp_path))[-1] for i in src.issues)
    assert wheres == [
        "/v188/_config.yml",
        f"/v198/_posts/{posts[0].name}",
        f"/v198/_posts/{posts[1].name}",
    ]
    with pytest.raises(ConfigError):
        list(src.iter_papers(None, CrawlQuery(local_dir=str(tmp_path / "v198" / "_posts"))))


def test_config_parse_strips_the_year_from_the_shortname(pmlr_dir):
    info = parse_config((pmlr_dir / "v262" / "_config.yml").read_bytes())
    assert info == VolumeInfo(262, "ENLSP-IV", 2024, info.booktitle)
    assert "Efficient Natural Language and Speech Processing" in info.booktitle


def test_http_path_uses_the_git_tree_listing_and_raw_posts(pmlr_dir):
    vol = pmlr_dir / "v101"
    # The trees API answer is built here from the real folder listing (its JSON shape:
    # {"sha", "tree": [{"path", "type"}...], "truncated"}); the files served are real.
    tree = {
        "sha": "x",
        "truncated": False,
        "tree": [{"path": "_config.yml", "type": "blob"}, {"path": "_posts", "type": "tree"}]
        + [{"path": f"_posts/{p.name}", "type": "blob"} for p in vol.glob("_posts/*.md")]
        + [{"path": "assets/x/x.pdf", "type": "blob"}],
    }

    def resolve(url: str):
        if url == f"{API_BASE}/repos/mlresearch/v101/git/trees/HEAD?recursive=1":
            return json.dumps(tree).encode()
        prefix = f"{RAW_BASE}/v101/HEAD/"
        if url.startswith(prefix) and (vol / url[len(prefix) :]).is_file():
            return (vol / url[len(prefix) :]).read_bytes()
        return None

    fetcher = MapFetcher(resolve)
    src = PMLRSource()
    papers = list(src.iter_papers(fetcher, CrawlQuery(("v101", "v999"))))
    assert len(papers) == 79 and papers[0].id == "pmlr:v101/amplayo19a"
    assert fetcher.urls[0] == f"{RAW_BASE}/v101/HEAD/_config.yml"
    assert f"{RAW_BASE}/v101/HEAD/_posts/2019-10-15-amplayo19a.md" in fetcher.urls
    assert len(fetcher.urls) == 2 + 79 + 1  # config, tree, posts, then v999's config
    assert [i.where for i in src.issues] == ["v999"]
    with pytest.raises(ConfigError):
        list(src.iter_papers(fetcher, CrawlQuery(("midl",))))
