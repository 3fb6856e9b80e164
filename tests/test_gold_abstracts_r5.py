"""Round-5 abstract gold: the PMLR part (schema, all dev, no sealed-test venue or gold paper
in it) and the ACL / ML Anthology part (dev/test, nothing labelled before); each second
pass covers a fifth; both draws reproduce (from the PMLR clones, from ../shared)."""

from __future__ import annotations

import json

from conftest import REPO, need_dir

from extractors.gold.agreement import cohen_kappa
from extractors.gold.pmlr_sample import DEFAULT_REPOS_DIR, ROUND5_TEST_VOLUMES
from extractors.gold.sample_r5_abstracts import VOLUMES, excluded_ids
from extractors.gold.validate import validate_abstracts

GOLD = REPO / "extractors" / "gold"
FIRST = GOLD / "abstracts_r5.jsonl"
SECOND = GOLD / "abstracts_r5_second_pass.jsonl"


def _rows(path):
    return [json.loads(line) for line in path.open() if line.strip()]


def test_r5_abstracts_schema_and_frame():
    assert validate_abstracts(FIRST) == [] and validate_abstracts(SECOND) == []
    rows = _rows(FIRST)
    assert len(rows) >= 700 and {r["split"] for r in rows} == {"dev"}
    assert {r["venue"] for r in rows} <= {f"pmlr-{v}" for v in VOLUMES}
    assert not {f"pmlr-{v}" for v in ROUND5_TEST_VOLUMES} & {r["venue"] for r in rows}
    # neither an earlier gold abstract nor any gold paper (rounds 1-5)
    assert not excluded_ids() & {r["id"] for r in rows}


def test_r5_second_pass_covers_a_fifth_and_agrees():
    first = {r["id"]: r["label"] for r in _rows(FIRST)}
    second = {r["id"]: r["label"] for r in _rows(SECOND)}
    assert set(second) <= set(first) and len(second) >= 0.2 * len(first) - 1
    ids = sorted(second)
    kappa = cohen_kappa([first[i] for i in ids], [second[i] for i in ids])
    assert kappa is not None and kappa > 0.6  # the README gives the figure


def test_r5_abstract_draw_reproduces_from_the_clones():
    from extractors.gold.sample_r5_abstracts import draw

    repos = need_dir(
        DEFAULT_REPOS_DIR, "clones of the PMLR volumes (vNN/ folders; GREENLENS_PMLR_REPOS)"
    )
    drawn = [(r["id"], r["stratum"]) for r in draw(repos)]
    assert drawn == [(r["id"], r["stratum"]) for r in _rows(FIRST)]


ANTHOLOGY = GOLD / "abstracts_r5_anthology.jsonl"
ANTHOLOGY_SECOND = GOLD / "abstracts_r5_anthology_second_pass.jsonl"


def test_r5_anthology_abstracts_validate_and_are_new(corpus_dir):
    assert validate_abstracts(ANTHOLOGY, corpus_dir) == []
    assert validate_abstracts(ANTHOLOGY_SECOND) == []
    rows = _rows(ANTHOLOGY)
    assert len(rows) >= 1200 and {r["split"] for r in rows} == {"dev", "test"}
    earlier = {
        r["id"]
        for name in ("abstracts.jsonl", "abstracts_wide.jsonl", "abstracts_r5.jsonl")
        for r in _rows(GOLD / name)
    }
    assert not earlier & {r["id"] for r in rows}
    first = {r["id"]: r["label"] for r in rows}
    second = {r["id"]: r["label"] for r in _rows(ANTHOLOGY_SECOND)}
    assert set(second) <= set(first) and len(second) >= 0.2 * len(first) - 1


def test_r5_anthology_draw_reproduces_from_the_corpus(corpus_dir):
    from extractors.gold.corpus_abstracts import load_wide_index
    from extractors.gold.sample_r5_abstracts import draw_anthology

    drawn = [
        (r["id"], r["stratum"], r["split"]) for r in draw_anthology(load_wide_index(corpus_dir))
    ]
    assert drawn == [(r["id"], r["stratum"], r["split"]) for r in _rows(ANTHOLOGY)]
