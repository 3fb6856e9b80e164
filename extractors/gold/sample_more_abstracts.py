"""Draw the second abstract gold sample (600 new papers, seeded) with its dev/test split.

Same frame as `sample_abstracts` (main-conference ACL/EMNLP/NAACL 2017-2021 via
`iter_acl`, NeurIPS/ICML/ICLR/CVPR via `iter_mlanthology`, non-empty abstract), minus every
id already in abstracts.jsonl. Per venue: a plain random draw (stratum `random`, 360 in
all) and then a random draw among the remaining papers matching the efficiency keywords of
`sample_abstracts` (stratum `efficiency_candidates`, 240 in all). The keyword match is only
a sampling frame; every drawn paper is labelled by reading it.

`split` (dev/test, 60/40) is assigned at draw time, stratified by (venue, stratum) since
labels are not known yet, dealt as in `splits.assign_splits`.

Seeds: draw SEED = 20261201, split SPLIT_SEED = 20261202 (the first draw used 20261126
and its split 20261127).

    .venv/bin/python -m extractors.gold.sample_more_abstracts [--corpus DIR] [--jsonl]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from extractors.gold.corpus_abstracts import AbstractRecord, iter_acl, iter_mlanthology
from extractors.gold.sample_abstracts import VENUES, is_efficiency_candidate
from extractors.gold.splits import assign_splits as first_sample_splits

SEED = 20261201
SPLIT_SEED = 20261202
DEV_FRACTION = 0.6
# 600 = 86 * 5 + 85 * 2; random 360 = 52 * 3 + 51 * 4; efficiency 240 = 34 * 5 + 35 * 2.
RANDOM_PER_VENUE = {
    "acl": 52,
    "emnlp": 52,
    "naacl": 52,
    "neurips": 51,
    "icml": 51,
    "iclr": 51,
    "cvpr": 51,
}
EFFICIENCY_PER_VENUE = {
    "acl": 34,
    "emnlp": 34,
    "naacl": 34,
    "neurips": 34,
    "icml": 34,
    "iclr": 35,
    "cvpr": 35,
}
GOLD_DIR = Path(__file__).resolve().parent


def load_frame(corpus_dir: Path) -> dict[str, AbstractRecord]:
    """Every paper of the sampling frame (iter_acl + iter_mlanthology), keyed by id."""
    index: dict[str, AbstractRecord] = {}
    for rec in (*iter_acl(corpus_dir), *iter_mlanthology(corpus_dir)):
        index.setdefault(rec.id, rec)
    return index


def existing_ids(index: dict[str, AbstractRecord]) -> set[str]:
    """Ids of the first abstract sample (its seeded draw, so the merged file can grow)."""
    from extractors.gold.sample_abstracts import draw as first_draw

    return {row["id"] for row in first_draw(index)}


def draw(index: dict[str, AbstractRecord], exclude: set[str], seed: int = SEED) -> list[dict]:
    """The sample: one dict per paper with id, venue, year, title, stratum."""
    rng = random.Random(seed)
    out: list[dict] = []
    for venue in VENUES:
        pool = sorted(
            (r for r in index.values() if r.venue == venue and r.abstract and r.id not in exclude),
            key=lambda r: r.id,
        )
        picked = rng.sample(pool, RANDOM_PER_VENUE[venue])
        taken = {r.id for r in picked}
        cands = [r for r in pool if r.id not in taken and is_efficiency_candidate(r)]
        eff = rng.sample(cands, EFFICIENCY_PER_VENUE[venue])
        for stratum, recs in (("random", picked), ("efficiency_candidates", eff)):
            out.extend(
                {"id": r.id, "venue": r.venue, "year": r.year, "title": r.title, "stratum": stratum}
                for r in recs
            )
    return out


def assign_splits(
    rows: list[dict], seed: int = SPLIT_SEED, dev_fraction: float = DEV_FRACTION
) -> dict[str, str]:
    """Map id -> 'dev'|'test', dealt as the first sample's split but by (venue, stratum):
    labels are not known at draw time."""
    return first_sample_splits(rows, seed, dev_fraction, strata=("venue", "stratum"))


def sample(corpus_dir: Path, seed: int = SEED, split_seed: int = SPLIT_SEED) -> list[dict]:
    """The second sample with `split` filled in, excluding the first sample's ids."""
    index = load_frame(corpus_dir)
    rows = draw(index, existing_ids(index), seed)
    splits = assign_splits(rows, split_seed)
    for row in rows:
        row["split"] = splits[row["id"]]
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the drawn sample (a table, or JSON Lines with --jsonl)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--corpus",
        type=Path,
        default=Path(__file__).resolve().parents[2].parent / "shared" / "corpus",
    )
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--split-seed", type=int, default=SPLIT_SEED)
    ap.add_argument("--jsonl", action="store_true", help="print JSON Lines instead of a table")
    args = ap.parse_args(argv)
    rows = sample(args.corpus, args.seed, args.split_seed)
    for row in rows:
        if args.jsonl:
            print(json.dumps(row, ensure_ascii=False))
        else:
            print(
                f"{row['stratum']:<22} {row['split']:<5} {row['venue']:<8} {row['year']} "
                f"{row['id']:<45} {row['title'][:60]}"
            )
    print(
        f"# drew {len(rows)} papers, seed {args.seed}, split seed {args.split_seed}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
