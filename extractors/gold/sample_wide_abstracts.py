"""Draw the third abstract gold sample (seeded): wider venues, years and communities.

Frame: main-conference ACL/EMNLP/NAACL 2017-2024 and NeurIPS/ICML/ICLR/CVPR/ICCV 2015-2024
from ../shared/corpus (`corpus_abstracts.load_wide_index`), plus the abstracts in the
`_posts` of the PMLR volumes of the paper sample (`pmlr_sample.VOLUMES`) and two more
(`v250` MIDL 2024, `v262` ENLSP 2024), read from clones of `mlresearch/vNN`; minus every
id already labelled. Per venue group: a plain random draw (stratum `random`) and a draw
among the remaining papers matching the efficiency keywords (`efficiency_candidates`);
the keywords are only a frame, every paper is labelled by reading it. `split` (60/40
dev/test) is dealt at draw time per (group, stratum).

    .venv/bin/python -m extractors.gold.sample_wide_abstracts --pmlr-repos DIR [--jsonl]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import yaml

from extractors.gold.corpus_abstracts import AbstractRecord, load_wide_index
from extractors.gold.pmlr_sample import RESERVED, VOLUMES, _git, repo_dir
from extractors.gold.sample_abstracts import is_efficiency_candidate

SEED = 20261208
SPLIT_SEED = 20261209
DEV_FRACTION = 0.6
ANTHOLOGY_VENUES = ("acl", "emnlp", "naacl", "neurips", "icml", "iclr", "cvpr", "iccv")
PMLR_VOLUMES = (*VOLUMES, "v250", "v262")
RANDOM_PER_VENUE, EFFICIENCY_PER_VENUE = 137, 45  # 8 anthology venues: 1,456
RANDOM_PER_VOLUME, EFFICIENCY_PER_VOLUME = 32, 8  # 15 PMLR volumes: 600
GOLD_DIR = Path(__file__).resolve().parent
_WS = re.compile(r"\s+")


def iter_pmlr_posts(repos: Path, volumes=PMLR_VOLUMES) -> list[AbstractRecord]:
    """Title and abstract of every post of the given PMLR volumes, id `pmlr:vNN/ID`."""
    out = []
    for volume in volumes:
        assert volume not in RESERVED, volume
        repo = repo_dir(repos, volume)
        names = _git(repo, "ls-tree", "-r", "--name-only", "HEAD").decode().splitlines()
        for name in sorted(n for n in names if n.startswith("_posts/") and n.endswith(".md")):
            text = _git(repo, "show", f"HEAD:{name}").decode("utf-8", "replace")
            front = text.split("---")[1] if text.startswith("---") else ""
            meta = yaml.safe_load(front) or {}
            year = int(str(meta.get("date", "0"))[:4] or 0)
            out.append(
                AbstractRecord(
                    f"pmlr:{volume}/{meta.get('id')}",
                    f"pmlr-{volume}",
                    year,
                    _WS.sub(" ", str(meta.get("title", ""))).strip(),
                    _WS.sub(" ", str(meta.get("abstract", ""))).strip(),
                )
            )
    return out


def draw(index: dict[str, AbstractRecord], exclude: set[str], seed: int = SEED) -> list[dict]:
    """The sample: one dict per paper with id, venue, year, title, stratum, split."""
    groups = [(v, RANDOM_PER_VENUE, EFFICIENCY_PER_VENUE) for v in ANTHOLOGY_VENUES]
    groups += [(f"pmlr-{v}", RANDOM_PER_VOLUME, EFFICIENCY_PER_VOLUME) for v in PMLR_VOLUMES]
    return draw_venues(
        list(index.values()), groups, exclude, random.Random(seed), random.Random(SPLIT_SEED)
    )


def draw_venues(
    records: list[AbstractRecord],
    groups: list[tuple[str, int, int]],
    exclude: set[str],
    rng: random.Random,
    split_rng: random.Random | None = None,
) -> list[dict]:
    """Per (venue, n_random, n_efficiency) group in order: n_random of the venue's abstracts
    outside `exclude` drawn uniformly by `rng` (stratum `random`), then n_efficiency
    efficiency candidates from the rest; each (venue, stratum) dealt DEV_FRACTION / rest
    into dev / test by `split_rng`, or all dev without one. One dict per abstract with id,
    venue, year, title, stratum, split."""
    out: list[dict] = []
    for venue, n_random, n_eff in groups:
        pool = sorted(
            (r for r in records if r.venue == venue and r.abstract and r.id not in exclude),
            key=lambda r: r.id,
        )
        picked = rng.sample(pool, min(n_random, len(pool)))
        taken = {r.id for r in picked}
        cands = [r for r in pool if r.id not in taken and is_efficiency_candidate(r)]
        for stratum, recs in (
            ("random", picked),
            ("efficiency_candidates", rng.sample(cands, min(n_eff, len(cands)))),
        ):
            dev = set(range(len(recs)))
            if split_rng is not None:
                order = list(range(len(recs)))
                split_rng.shuffle(order)
                dev = set(order[: round(len(recs) * DEV_FRACTION)])
            out.extend(
                {
                    "id": r.id,
                    "venue": r.venue,
                    "year": r.year,
                    "title": r.title,
                    "stratum": stratum,
                    "split": "dev" if i in dev else "test",
                }
                for i, r in enumerate(recs)
            )
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the draw (one line per paper, or JSON Lines with --jsonl)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=GOLD_DIR.parents[2] / "shared" / "corpus")
    ap.add_argument(
        "--pmlr-repos",
        type=Path,
        required=True,
        help="folder of mlresearch/vNN clones (vNN/ or mlresearch+vNN/repo)",
    )
    ap.add_argument("--jsonl", action="store_true")
    args = ap.parse_args(argv)
    index = load_wide_index(args.corpus)
    for rec in iter_pmlr_posts(args.pmlr_repos):
        index.setdefault(rec.id, rec)
    existing = {
        json.loads(line)["id"]
        for line in (GOLD_DIR / "abstracts.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip() and json.loads(line).get("round", 1) != 3
    }
    for row in draw(index, existing):
        print(
            json.dumps(row, ensure_ascii=False)
            if args.jsonl
            else f"{row['id']}\t{row['venue']}\t{row['stratum']}\t{row['split']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
