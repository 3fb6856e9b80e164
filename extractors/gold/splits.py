"""Seeded dev/test split of the abstract gold set, stratified by venue and label.

.venv/bin/python -m extractors.gold.splits [--file extractors/gold/abstracts.jsonl] [--write]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter, defaultdict
from pathlib import Path

SPLIT_SEED = 20261127
DEV_FRACTION = 0.6
ABSTRACTS = Path(__file__).resolve().parent / "abstracts.jsonl"


def assign_splits(
    rows: list[dict],
    seed: int = SPLIT_SEED,
    dev_fraction: float = DEV_FRACTION,
    strata: tuple[str, str] = ("venue", "label"),
) -> dict[str, str]:
    """Map id -> 'dev'|'test': cells (by the `strata` fields, default venue and label) in
    sorted order, ids shuffled per cell, dealt so that the running share of dev stays at
    `dev_fraction` (small cells split too)."""
    rng = random.Random(seed)
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        cells[(row[strata[0]], row[strata[1]])].append(row["id"])
    out: dict[str, str] = {}
    seen = dev = 0
    for key in sorted(cells):
        ids = sorted(cells[key])
        rng.shuffle(ids)
        for pid in ids:
            seen += 1
            if dev < round(dev_fraction * seen):
                out[pid] = "dev"
                dev += 1
            else:
                out[pid] = "test"
    return out


def main(argv: list[str] | None = None) -> int:
    """Print split counts; with --write, store the `split` field back into the file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=ABSTRACTS)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    rows = [
        json.loads(line)
        for line in args.file.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    splits = assign_splits(rows)
    for row in rows:
        row["split"] = splits[row["id"]]
    counts = Counter((r["split"], r["venue"], r["label"]) for r in rows)
    for key in sorted(counts):
        print(*key, counts[key])
    print("total", Counter(r["split"] for r in rows))
    if args.write:
        args.file.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
