"""Round-7 gold: a dev draw from 10 PMLR volumes nobody had labelled (more papers for the
categories whose learning curve was still rising); quotes verbatim; a second pass over a
fifth of it; the draw reproduces from the volumes' clones, less the files that are not
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
    ROUND5_TEST_VOLUMES,
    ROUND6_TEST,
    ROUND6A_DEV,
    ROUND6B_DEV,
    ROUND7_DEV,
    ROUND7_FILE,
    ROUND7_NOT_PAPERS,
    VOLUMES,
    load_gold_papers,
)
from extractors.gold.validate import validate_papers

SECOND = REPO / "extractors" / "gold" / "papers_pmlr_r7_second_pass.jsonl"


def test_round7_schema_provenance_and_split():
    assert ROUND7_FILE.name in PAPER_FILES
    assert validate_papers(ROUND7_FILE, None) == []
    papers = load_gold_papers(ROUND7_FILE)
    assert len(papers) >= 150
    earlier = set(VOLUMES) | set(ROUND4_VOLUMES) | set(ROUND5_DEV_VOLUMES)
    earlier |= set(ROUND5_TEST_VOLUMES) | set(ROUND5_TEST_ENRICH_VOLUMES)
    earlier |= set(ROUND6A_DEV.volumes) | set(ROUND6B_DEV.volumes) | set(ROUND6_TEST.volumes)
    assert not set(ROUND7_DEV.volumes) & (RESERVED | earlier)
    for p in papers:
        assert p["volume"] in ROUND7_DEV.volumes and p["split"] == "dev"
        assert p["url"] == f"https://proceedings.mlr.press/{p['volume']}/{p['id']}/{p['id']}.pdf"
        assert p["file"] == f"pmlr/{p['volume']}/{p['id']}.pdf" and len(p["sha256"]) == 64
        assert p["file"] not in ROUND7_NOT_PAPERS


def test_round7_quotes_are_verbatim_on_their_pages():
    pdfs = need_dir(DEFAULT_PDF_DIR, "the rebuilt PMLR gold PDFs (greenlens gold rebuild-pdfs)")
    assert validate_papers(ROUND7_FILE, pdfs) == []
    assert validate_papers(SECOND, pdfs) == []


def test_round7_second_pass_covers_a_fifth_of_the_draw():
    shares = second_pass_by_split(ROUND7_FILE, SECOND)
    assert set(shares) == {"dev"}
    common, n = shares["dev"]
    assert common >= 0.2 * n - 2, (common, n)


def test_round7_abstracts_were_never_training_data():
    # the stacker reads the abstract model's scores as out-of-sample on every gold paper
    prefixes = tuple(f"pmlr:{v}/" for v in ROUND7_DEV.volumes)
    for path in (REPO / "extractors" / "gold").glob("abstracts*.jsonl"):
        for line in path.open():
            assert not json.loads(line)["id"].startswith(prefixes), path.name


def test_round7_draw_reproduces_from_the_clones():
    drawn = drawn_from_clones(ROUND7_DEV, not_papers=ROUND7_NOT_PAPERS)
    gold = {(p["volume"], p["id"], p["stratum"]) for p in load_gold_papers(ROUND7_FILE)}
    assert gold == drawn
