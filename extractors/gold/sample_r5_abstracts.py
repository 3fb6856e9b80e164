"""Round 5's seeded draws of titles + abstracts for `target` labels: PMLR (all split dev)
and the ACL / ML Anthology venues of ../shared/corpus (60/40 dev/test).

Frame: the `_posts` of twelve PMLR volumes (the round-5 dev paper volumes that have enough
posts, and four newer ones: UAI 2024, CoRL 2024, ACML 2025, AutoML 2024), leaving out every
abstract already in the abstract gold and every gold paper (a gold paper's target is
judged on its full text). None of the round-5 test volumes is in the frame. Per volume,
with one `random.Random(SEED)` stream: RANDOM_PER_VOLUME drawn uniformly (stratum
`random`), then EFFICIENCY_PER_VOLUME from the rest whose abstract names a cost
(`is_efficiency_candidate`; stratum `efficiency_candidates`). Run:

    .venv/bin/python -m extractors.gold.sample_r5_abstracts --pmlr-repos DIR [--jsonl]

The anthology draw (`draw_anthology`, seed ANTHOLOGY_SEED, file `abstracts_r5_anthology.jsonl`):
per venue of `sample_wide_abstracts.ANTHOLOGY_VENUES`, ANTHOLOGY_RANDOM drawn uniformly
from the corpus abstracts no gold file holds yet (`random`), then ANTHOLOGY_EFFICIENCY
efficiency candidates from the rest; each (venue, stratum) dealt 60/40 into dev/test by
a second seeded stream, as round 3's draw did:

    .venv/bin/python -m extractors.gold.sample_r5_abstracts --anthology [--corpus DIR] [--jsonl]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from extractors.gold import GOLD_DIR
from extractors.gold.pmlr_sample import RESERVED, ROUND5_TEST_VOLUMES
from extractors.gold.sample_wide_abstracts import draw_venues, iter_pmlr_posts

SEED = 20261218
VOLUMES = (
    "v244", "v270", "v260", "v256", "v211", "v84", "v95", "v149", "v32", "v222", "v227", "v143",
)  # fmt: skip
RANDOM_PER_VOLUME, EFFICIENCY_PER_VOLUME = 64, 16
EARLIER_ABSTRACTS = ("abstracts.jsonl", "abstracts_wide.jsonl")
# every gold paper file, round 5's included (drawn first): a gold paper's abstract would be
# left out of training anyway (`target.gold_paper_keys`)
EARLIER_PAPERS = (
    "papers.jsonl",
    "papers_pmlr.jsonl",
    "papers_pmlr_r4.jsonl",
    "papers_pmlr_r5.jsonl",
)


def _ids(names: tuple[str, ...], key) -> set[str]:
    out = set()
    for name in names:
        path = GOLD_DIR / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip() and (k := key(json.loads(line))):
                    out.add(k)
    return out


def excluded_ids() -> set[str]:
    """Ids already in the abstract gold, and the `pmlr:` ids of every gold paper."""
    paper = _ids(EARLIER_PAPERS, lambda r: r.get("volume") and f"pmlr:{r['volume']}/{r['id']}")
    return _ids(EARLIER_ABSTRACTS, lambda r: r["id"]) | paper


def draw(repos: Path, seed: int = SEED) -> list[dict]:
    """The sample: one dict per abstract with id, venue, year, title, stratum, split."""
    assert not set(VOLUMES) & (RESERVED | set(ROUND5_TEST_VOLUMES))
    groups = [(f"pmlr-{v}", RANDOM_PER_VOLUME, EFFICIENCY_PER_VOLUME) for v in VOLUMES]
    return draw_venues(iter_pmlr_posts(repos, VOLUMES), groups, excluded_ids(), random.Random(seed))


ANTHOLOGY_SEED, ANTHOLOGY_SPLIT_SEED = 20261221, 20261222
ANTHOLOGY_RANDOM, ANTHOLOGY_EFFICIENCY = 128, 32
ANTHOLOGY_FILE = "abstracts_r5_anthology.jsonl"


def draw_anthology(index: dict, seed: int = ANTHOLOGY_SEED) -> list[dict]:
    """The anthology sample: one dict per abstract with id, venue, year, title, stratum,
    split (`index`: `corpus_abstracts.load_wide_index`)."""
    from extractors.gold.sample_wide_abstracts import ANTHOLOGY_VENUES

    groups = [(v, ANTHOLOGY_RANDOM, ANTHOLOGY_EFFICIENCY) for v in ANTHOLOGY_VENUES]
    exclude = _ids((*EARLIER_ABSTRACTS, "abstracts_r5.jsonl"), lambda r: r["id"])
    return draw_venues(
        list(index.values()),
        groups,
        exclude,
        random.Random(seed),
        random.Random(ANTHOLOGY_SPLIT_SEED),
    )


def main(argv: list[str] | None = None) -> int:
    """Print the draw (one line per abstract, or JSON Lines with --jsonl)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pmlr-repos", type=Path, help="folder of mlresearch/vNN clones")
    ap.add_argument("--anthology", action="store_true", help="the ACL / ML Anthology draw")
    ap.add_argument("--corpus", type=Path, default=GOLD_DIR.parents[2] / "shared" / "corpus")
    ap.add_argument("--jsonl", action="store_true")
    args = ap.parse_args(argv)
    if args.anthology:
        from extractors.gold.corpus_abstracts import load_wide_index

        rows = draw_anthology(load_wide_index(args.corpus))
    elif args.pmlr_repos:
        rows = draw(args.pmlr_repos)
    else:
        ap.error("give --pmlr-repos DIR (the PMLR draw) or --anthology")
    for row in rows:
        print(
            json.dumps(row, ensure_ascii=False)
            if args.jsonl
            else f"{row['id']}\t{row['venue']}\t{row['stratum']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
