"""Round-5 gold: a sealed test draw and a dev draw from PMLR volumes nobody tuned on; the
earlier rounds' test papers retired to a validation split; quotes verbatim; a second pass
over a fifth of each split; the draw reproduces from the volumes' clones."""

from __future__ import annotations

import json

import pytest
from conftest import REPO, drawn_from_clones, need_dir, second_pass_by_split

from corpus.errors import ConfigError
from extractors.evaluate import load_gold as load_split
from extractors.gold import PAPER_FILES, VALIDATION_FILES, split_name
from extractors.gold.pmlr_sample import (
    DEFAULT_PDF_DIR,
    RESERVED,
    ROUND4_VOLUMES,
    ROUND5_DEV_VOLUMES,
    ROUND5_FILE,
    ROUND5_TEST_ENRICH_VOLUMES,
    ROUND5_TEST_VOLUMES,
    VOLUMES,
    load_gold_papers,
)
from extractors.gold.validate import validate_papers

GOLD = REPO / "extractors" / "gold"
SECOND = GOLD / "papers_pmlr_r5_second_pass.jsonl"


def test_round5_schema_provenance_and_splits():
    assert validate_papers(ROUND5_FILE, None) == []
    papers = load_gold_papers(ROUND5_FILE)
    assert len(papers) >= 300
    earlier = set(VOLUMES) | set(ROUND4_VOLUMES)
    dev_vols, test_vols = set(ROUND5_DEV_VOLUMES), set(ROUND5_TEST_ENRICH_VOLUMES)
    assert not (dev_vols | test_vols) & (RESERVED | earlier)
    assert not dev_vols & test_vols  # no venue-year is in both parts
    for p in papers:
        assert p["split"] in ("dev", "test")
        assert p["volume"] in (test_vols if p["split"] == "test" else dev_vols)
        assert p["stratum"] == "random" or p["volume"] in test_vols | dev_vols
        assert p["url"] == f"https://proceedings.mlr.press/{p['volume']}/{p['id']}/{p['id']}.pdf"
        assert p["file"] == f"pmlr/{p['volume']}/{p['id']}.pdf" and len(p["sha256"]) == 64
    random_test = [p for p in papers if p["split"] == "test" and p["stratum"] == "random"]
    assert {p["volume"] for p in random_test} == set(ROUND5_TEST_VOLUMES)


def test_round5_test_papers_were_never_training_data():
    tests = {f"pmlr:{p['volume']}/{p['id']}" for p in load_gold_papers(ROUND5_FILE)}
    vols = {f"pmlr-{v}" for v in ROUND5_TEST_VOLUMES}
    for path in GOLD.glob("abstracts*.jsonl"):
        for line in path.open():
            row = json.loads(line)
            assert row["id"] not in tests and row.get("venue") not in vols, (path.name, row)


def test_round5_quotes_are_verbatim_on_their_pages():
    pdfs = need_dir(DEFAULT_PDF_DIR, "the rebuilt PMLR gold PDFs (greenlens gold rebuild-pdfs)")
    assert validate_papers(ROUND5_FILE, pdfs) == []
    assert validate_papers(SECOND, pdfs) == []


def test_round5_second_pass_covers_a_fifth_of_each_split():
    shares = second_pass_by_split(ROUND5_FILE, SECOND)
    assert set(shares) == {"dev", "test"}
    for split, (common, n) in shares.items():
        assert common >= 0.2 * n - 1, (split, common, n)


def test_earlier_test_papers_are_validation_and_round5_test_is_sealed_apart():
    assert set(VALIDATION_FILES) < set(PAPER_FILES) and ROUND5_FILE.name not in VALIDATION_FILES
    assert split_name("papers_pmlr.jsonl", "test") == "val"
    assert split_name(ROUND5_FILE.name, "test") == "test"
    assert split_name("papers_pmlr.jsonl", "dev") == "dev"
    val = load_split(GOLD / "papers_pmlr.jsonl", "val")
    assert val and load_split(GOLD / "papers_pmlr.jsonl", "test") == []
    test = load_split(ROUND5_FILE, "test")
    assert test and {r["split"] for r in test} == {"test"}
    both = load_split(ROUND5_FILE, "val+test") + load_split(GOLD / "papers_pmlr.jsonl", "val+test")
    assert len(both) == len(test) + len(val)
    assert load_split(GOLD / "papers.jsonl", "val")  # paper_splits.json's test, as val
    with pytest.raises(ConfigError):
        load_split(ROUND5_FILE, "dev+train")


def test_eval_refuses_lovo_outside_dev():
    from click.testing import CliRunner

    from app.cli import cli

    result = CliRunner().invoke(cli, ["eval", "--lovo", "--split", "val"])
    assert result.exit_code != 0 and "dev split only" in result.output


def test_round5_draw_reproduces_from_the_clones():
    from extractors.gold.pmlr_sample import ROUND5_DEV, ROUND5_TEST

    drawn = drawn_from_clones(ROUND5_TEST, ROUND5_DEV)
    gold = {(p["volume"], p["id"], p["stratum"]) for p in load_gold_papers(ROUND5_FILE)}
    assert gold == drawn
