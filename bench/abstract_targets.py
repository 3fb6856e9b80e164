"""Time `greenlens extract`'s target-from-abstract step over every abstract in the snapshot.

Builds (once) a store of every ACL/EMNLP/NAACL 2015-2024 and NeurIPS/ICML/ICLR/CVPR/ICCV
2015-2024 paper of ../shared/corpus (offline crawl, ~66k abstracts), then classifies every
abstract with the shipped target model (force: all of them), --repeat times, and prints
the median and spread. Goal (issue 12): under 60 s for 66k abstracts on 2 cores.

Usage: .venv/bin/python bench/abstract_targets.py [--db out/bench-abstracts.duckdb]
       [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPUS = Path(os.environ.get("GREENLENS_SHARED", REPO.parent / "shared")) / "corpus"


def build(db: Path) -> None:
    """Crawl every anthology paper of the snapshot into `db` (offline)."""
    from corpus.crawl_job import CrawlOptions, run_crawl
    from corpus.store import Store

    years = tuple(range(2015, 2025))
    with Store(db) as store:
        store.migrate()
        for source, venues in (
            ("acl", ("acl", "emnlp", "naacl")),
            ("mlanthology", ("neurips", "icml", "iclr", "cvpr", "iccv")),
        ):
            run_crawl(
                store,
                CrawlOptions(source, venues=venues, years=years, snapshot=CORPUS, progress=False),
            )


def main() -> int:
    from app.wiring import wire

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=REPO / "out" / "bench-abstracts.duckdb")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    wire()
    from corpus.store import Store
    from extractors.abstract_targets import classify_abstracts

    if not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        build(args.db)
        print(f"built {args.db} in {time.perf_counter() - t0:.0f} s")
    times, n = [], 0
    for _ in range(args.repeat):
        with Store(args.db) as store:
            s = classify_abstracts(store, force=True, progress=False)
        times.append(s.seconds)
        n = s.classified
    med = statistics.median(times)
    print(f"cores={os.cpu_count()} model={s.model}")
    print(f"runs_s={' '.join(f'{t:.1f}' for t in times)}")
    print(f"abstracts={n} median_s={med:.1f} abstracts_per_s={n / med:.0f} goal_s=60")
    return 0


if __name__ == "__main__":
    sys.exit(main())
