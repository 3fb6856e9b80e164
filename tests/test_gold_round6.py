"""Round-6 gold: two dev draws from 17 PMLR volumes nobody had labelled (more papers to
learn from) and a sealed test draw from 8 more; quotes verbatim; a second pass over a fifth
of each split; the draws reproduce from the volumes' clones, less the files that are not
papers."""

from __future__ import annotations

import json

from conftest import REPO, drawn_from_clones, need_dir, second_pass_by_split

from extractors.gold import PAPER_FILES
from extractors.gold.pmlr_sample import (
    DEFAULT_PDF_DIR,
    RESERVED,
    ROUND4_VOLUMES,
    ROUND5_DEV_VOLUMES,
    ROUND5_TEST_ENRICH_VOLUMES,
    ROUND6_FILE,
    ROUND6_NOT_PAPERS,
    ROUND6_TEST,
    ROUND6A_DEV,
    ROUND6B_DEV,
    VOLUMES,
    load_gold_papers,
)
from extractors.gold.validate import validate_papers

SECOND = REPO / "extractors" / "gold" / "papers_pmlr_r6_second_pass.jsonl"


def test_round6_schema_provenance_and_splits():
    assert ROUND6_FILE.name in PAPER_FILES
    assert validate_papers(ROUND6_FILE, None) == []
    papers = load_gold_papers(ROUND6_FILE)
    assert len(papers) >= 250
    earlier = set(VOLUMES) | set(ROUND4_VOLUMES) | set(ROUND5_DEV_VOLUMES)
    earlier |= set(ROUND5_TEST_ENRICH_VOLUMES)
    dev = set(ROUND6A_DEV.volumes) | set(ROUND6B_DEV.volumes)
    test = set(ROUND6_TEST.volumes)
    assert not (dev | test) & (RESERVED | earlier)
    assert not set(ROUND6A_DEV.volumes) & set(ROUND6B_DEV.volumes) and not dev & test
    for p in papers:
        assert p["volume"] in (test if p["split"] == "test" else dev)
        assert p["split"] in ("dev", "test")
        assert p["url"] == f"https://proceedings.mlr.press/{p['volume']}/{p['id']}/{p['id']}.pdf"
        assert p["file"] == f"pmlr/{p['volume']}/{p['id']}.pdf" and len(p["sha256"]) == 64
        assert p["file"] not in ROUND6_NOT_PAPERS


def test_round6_quotes_are_verbatim_on_their_pages():
    pdfs = need_dir(DEFAULT_PDF_DIR, "the rebuilt PMLR gold PDFs (greenlens gold rebuild-pdfs)")
    assert validate_papers(ROUND6_FILE, pdfs) == []
    assert validate_papers(SECOND, pdfs) == []


def test_round6_second_pass_covers_a_fifth_of_each_split():
    shares = second_pass_by_split(ROUND6_FILE, SECOND)
    assert set(shares) == {"dev", "test"}
    for split, (common, n) in shares.items():
        assert common >= 0.2 * n - 2, (split, common, n)


def test_round6_test_papers_were_never_training_data():
    tests = {f"pmlr:{p['volume']}/{p['id']}" for p in load_gold_papers(ROUND6_FILE)}
    for path in (REPO / "extractors" / "gold").glob("abstracts*.jsonl"):
        for line in path.open():
            row = json.loads(line)
            assert row["id"] not in tests, (path.name, row["id"])
            assert not row["id"].startswith(tuple(f"pmlr:{v}/" for v in ROUND6_TEST.volumes))


def test_round6_draws_reproduce_from_the_clones():
    drawn = drawn_from_clones(ROUND6A_DEV, ROUND6B_DEV, ROUND6_TEST, not_papers=ROUND6_NOT_PAPERS)
    gold = {(p["volume"], p["id"], p["stratum"]) for p in load_gold_papers(ROUND6_FILE)}
    assert gold == drawn
