"""Round-5 abstract gold: schema, all dev, no sealed-test venue or gold paper in it, the
second pass covers a fifth, and the draw reproduces from the PMLR volumes' clones."""

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
