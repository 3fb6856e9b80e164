"""Draw the abstract gold sample (seeded, reproducible) and print what it drew.

Frame: main-conference ACL/EMNLP/NAACL 2017-2021 and NeurIPS/ICML/ICLR/CVPR (all years in
../shared/corpus/mlanthology), papers with a non-empty abstract. Per venue, a plain random
draw (stratum `random`) and then a random draw among the remaining papers whose title or
abstract matches an efficiency keyword (stratum `efficiency_candidates`). The keyword match
is only a sampling frame; every drawn paper is labelled by reading it.

    .venv/bin/python -m extractors.gold.sample_abstracts [--corpus DIR] [--jsonl]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

from extractors.gold.corpus_abstracts import AbstractRecord, load_index

SEED = 20261126
VENUES = ("acl", "emnlp", "naacl", "neurips", "icml", "iclr", "cvpr")
RANDOM_PER_VENUE = 42
EFFICIENCY_PER_VENUE = 18

# Substrings matched case-insensitively (lower-cased text); `macs` only as a whole word.
EFFICIENCY_KEYWORDS: tuple[str, ...] = (
    "efficien",
    "faster",
    "speedup",
    "speed-up",
    "accelerat",
    "compress",
    "prun",
    "quantiz",
    "quantis",
    "distill",
    "lightweight",
    "light-weight",
    "low-cost",
    "lower cost",
    "cheap",
    "flops",
    "energy",
    "memory-efficient",
    "memory footprint",
    "sparse",
    "sparsity",
    "latency",
    "throughput",
    "fewer parameters",
    "parameter-efficient",
    "inference time",
    "training time",
    "compute budget",
    "low-resource",
)
_MACS = re.compile(r"\bmacs\b")


def is_efficiency_candidate(rec: AbstractRecord) -> bool:
    """Whether title or abstract mentions an efficiency keyword (sampling frame only)."""
    text = f"{rec.title} {rec.abstract}".lower()
    return any(k in text for k in EFFICIENCY_KEYWORDS) or bool(_MACS.search(text))


def draw(index: dict[str, AbstractRecord], seed: int = SEED) -> list[dict]:
    """The sample: one dict per paper with id, venue, year, title, stratum."""
    rng = random.Random(seed)
    out: list[dict] = []
    for venue in VENUES:
        pool = sorted(
            (r for r in index.values() if r.venue == venue and r.abstract), key=lambda r: r.id
        )
        picked = rng.sample(pool, RANDOM_PER_VENUE)
        taken = {r.id for r in picked}
        cands = [r for r in pool if r.id not in taken and is_efficiency_candidate(r)]
        for stratum, recs in (
            ("random", picked),
            ("efficiency_candidates", rng.sample(cands, EFFICIENCY_PER_VENUE)),
        ):
            out.extend(
                {"id": r.id, "venue": r.venue, "year": r.year, "title": r.title, "stratum": stratum}
                for r in recs
            )
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the drawn sample (a table, or JSON Lines with --jsonl)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--corpus",
        type=Path,
        default=Path(__file__).resolve().parents[2].parent / "shared" / "corpus",
    )
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--jsonl", action="store_true", help="print JSON Lines instead of a table")
    args = ap.parse_args(argv)
    sample = draw(load_index(args.corpus), args.seed)
    for row in sample:
        if args.jsonl:
            print(json.dumps(row, ensure_ascii=False))
        else:
            print(
                f"{row['stratum']:<22} {row['venue']:<8} {row['year']} {row['id']:<45} "
                f"{row['title'][:70]}"
            )
    print(f"# drew {len(sample)} papers, seed {args.seed}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
