"""Round-6 gold: two dev draws from 17 PMLR volumes nobody had labelled (more papers to
learn from) and a sealed test draw from 8 more; quotes verbatim; a second pass over a fifth
of each split; the draws reproduce from the volumes' clones, less the files that are not
papers."""

from __future__ import annotations

import json

from conftest import REPO, need_dir

from extractors.gold import PAPER_FILES
from extractors.gold.agreement import compare, load_gold
from extractors.gold.pmlr_sample import (
    DEFAULT_PDF_DIR,
    DEFAULT_REPOS_DIR,
    RESERVED,
    ROUND4_VOLUMES,
    ROUND5_DEV_VOLUMES,
    ROUND5_TEST_ENRICH_VOLUMES,
    ROUND6_FILE,
    ROUND6_NOT_PAPERS,
    ROUND6_TEST_VOLUMES,
    ROUND6A_DEV_VOLUMES,
    ROUND6B_DEV_VOLUMES,
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
    dev = set(ROUND6A_DEV_VOLUMES) | set(ROUND6B_DEV_VOLUMES)
    test = set(ROUND6_TEST_VOLUMES)
    assert not (dev | test) & (RESERVED | earlier)
    assert not set(ROUND6A_DEV_VOLUMES) & set(ROUND6B_DEV_VOLUMES) and not dev & test
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
    report = compare(load_gold(ROUND6_FILE), load_gold(SECOND))
    assert not report.only_second
    splits = {p["file"]: p["split"] for p in load_gold_papers(ROUND6_FILE)}
    for split in ("dev", "test"):
        n = sum(s == split for s in splits.values())
        common = sum(splits[f] == split for f in report.common)
        assert common >= 0.2 * n - 2, (split, common, n)


def test_round6_test_papers_were_never_training_data():
    tests = {f"pmlr:{p['volume']}/{p['id']}" for p in load_gold_papers(ROUND6_FILE)}
    for path in (REPO / "extractors" / "gold").glob("abstracts*.jsonl"):
        for line in path.open():
            row = json.loads(line)
            assert row["id"] not in tests, (path.name, row["id"])
            assert not row["id"].startswith(tuple(f"pmlr:{v}/" for v in ROUND6_TEST_VOLUMES))


def test_round6_draws_reproduce_from_the_clones():
    from extractors.gold.pmlr_sample import (
        draw_round6_test,
        draw_round6a_dev,
        draw_round6b_dev,
        pdf_text,
    )

    repos = need_dir(
        DEFAULT_REPOS_DIR, "clones of the PMLR volumes (vNN/ folders; GREENLENS_PMLR_REPOS)"
    )

    def text_of(rec):
        return pdf_text(repos, rec)

    drawn = {(d.volume, d.id, d.stratum) for d in draw_round6a_dev(repos, text_of)}
    drawn |= {(d.volume, d.id, d.stratum) for d in draw_round6b_dev(repos, text_of)}
    drawn |= {(d.volume, d.id, d.stratum) for d in draw_round6_test(repos, text_of)}
    not_papers = {
        tuple(f.removeprefix("pmlr/").removesuffix(".pdf").split("/")) for f in ROUND6_NOT_PAPERS
    }
    drawn = {d for d in drawn if d[:2] not in not_papers}
    gold = {(p["volume"], p["id"], p["stratum"]) for p in load_gold_papers(ROUND6_FILE)}
    assert gold == drawn
