"""Round-3 gold: the PMLR papers and the wider abstracts validate, their second passes
agree as documented, and the draws reproduce from the volumes' clones."""

from __future__ import annotations

import json

from conftest import REPO, need_dir

from extractors.gold.agreement import compare, load_gold
from extractors.gold.pmlr_sample import (
    DEFAULT_PDF_DIR,
    DEFAULT_REPOS_DIR,
    RESERVED,
    VOLUMES,
    load_gold_papers,
)
from extractors.gold.validate import validate_abstracts, validate_papers

GOLD = REPO / "extractors" / "gold"


def test_pmlr_gold_schema_and_provenance():
    assert validate_papers(GOLD / "papers_pmlr.jsonl", None) == []
    papers = load_gold_papers()
    assert len(papers) >= 300
    assert len({p["venue"] for p in papers}) >= 8 and len({p["community"] for p in papers}) >= 8
    assert {p["volume"] for p in papers} <= set(VOLUMES) and not RESERVED & set(VOLUMES)
    for p in papers:
        assert p["url"] == f"https://proceedings.mlr.press/{p['volume']}/{p['id']}/{p['id']}.pdf"
        assert len(p["sha256"]) == 64 and p["split"] in ("dev", "test")
        assert p["file"] == f"pmlr/{p['volume']}/{p['id']}.pdf"
    split = {p["split"] for p in papers if p["volume"] == "v37"}
    assert split == {"dev", "test"}


def test_pmlr_gold_quotes_are_verbatim_on_their_pages():
    pdfs = need_dir(DEFAULT_PDF_DIR, "the rebuilt PMLR gold PDFs (greenlens gold rebuild-pdfs)")
    assert validate_papers(GOLD / "papers_pmlr.jsonl", pdfs) == []


def test_wide_abstracts_validate(corpus_dir):
    assert validate_abstracts(GOLD / "abstracts_wide.jsonl", corpus_dir) == []
    rows = [json.loads(line) for line in (GOLD / "abstracts_wide.jsonl").open()]
    assert len(rows) >= 2000 and {r["split"] for r in rows} == {"dev", "test"}
    old = {json.loads(line)["id"] for line in (GOLD / "abstracts.jsonl").open()}
    assert not old & {r["id"] for r in rows}


def test_second_passes_agree_as_documented():
    report = compare(
        load_gold(GOLD / "papers_pmlr.jsonl"), load_gold(GOLD / "papers_pmlr_second_pass.jsonl")
    )
    assert len(report.common) == 61 and not report.only_second
    assert all(f.n == 61 for f in report.fields)
    first = {
        json.loads(line)["id"]: json.loads(line)["label"]
        for line in (GOLD / "abstracts_wide.jsonl").open()
    }
    second = [json.loads(line) for line in (GOLD / "abstracts_wide_second_pass.jsonl").open()]
    assert len(second) == 402 and all(s["id"] in first for s in second)


def test_pmlr_draw_reproduces_from_the_clones():
    from extractors.gold.pmlr_sample import draw

    repos = need_dir(
        DEFAULT_REPOS_DIR, "clones of the PMLR volumes (vNN/ folders; GREENLENS_PMLR_REPOS)"
    )
    drawn = {(d.volume, d.id) for d in draw(repos) if d.stratum == "random"}
    gold = {(p["volume"], p["id"]) for p in load_gold_papers() if p["stratum"] == "random"}
    assert drawn == gold
