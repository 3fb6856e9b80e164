"""Time the app's queries on a 100k-paper store whose findings follow the real distribution.

Papers: REAL metadata read with the corpus library from ../shared/corpus (ML Anthology:
NeurIPS, ICML, ICLR, CVPR, ICCV; ACL Anthology: ACL, EMNLP, NAACL, Findings), topped up to
--papers with copies of real records under new ids (`bench:copyN:<id>`, same venue/year)
when the corpus holds fewer.

Findings: for each paper and category, reported ~ Bernoulli(rate[category][year]), with
evidence sentences (page, value, unit) drawn from a pool of real ones, and a target drawn
from the real target distribution. Rates, pool and targets come from
  --rates extractor (default): the real extractor (extractors.pdftext -> layout ->
      detectors, target classifier) run over the shared PDFs (../shared/corpus/pdfs), or
  --rates gold: the gold annotations extractors/gold/parts/papers.batch*.jsonl.
Per-year rates use the papers of that year in the source when it has >= 5 of them, else
the category's overall rate.

Each "page" is timed as the data calls it makes on a cold cache (median of --repeat runs).
Usage: .venv/bin/python bench/app_queries.py [--papers 100000] [--rates extractor|gold]
       [--db out/bench-100k.duckdb] [--repeat 5]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpus"
VERSION = "bench"
MIN_YEAR_PAPERS = 5


def real_metadata(limit: int) -> list:
    """Real paper records from the ML and ACL Anthologies in ../shared/corpus."""
    from corpus.sources.acl import AclAnthologySource
    from corpus.sources.mlanthology import MLAnthologySource
    from corpus.sources.protocol import CrawlQuery

    papers = list(
        MLAnthologySource().iter_papers(None, CrawlQuery(local_dir=str(CORPUS / "mlanthology")))
    )
    papers += list(
        AclAnthologySource().iter_papers(
            None,
            CrawlQuery(
                venues=("acl", "emnlp", "naacl", "findings"),
                local_dir=str(CORPUS / "acl-anthology" / "xml"),
            ),
        )
    )
    seen, unique = set(), []
    for p in papers:
        if p.id not in seen:
            seen.add(p.id)
            unique.append(p)
    return unique[:limit]


def _manifest_years() -> dict[str, int]:
    with open(CORPUS / "pdfs" / "manifest.csv", newline="", encoding="utf-8") as fh:
        return {r["file"]: int(r["year"]) for r in csv.DictReader(fh)}


def observations(source: str) -> tuple[list[dict], str]:
    """Per PDF: year, target and per category (reported, evidence list)."""
    from extractors.schema import CATEGORIES

    years = _manifest_years()
    out = []
    if source == "extractor":
        try:
            from app.checker import check_path
        except ImportError as exc:  # pragma: no cover - depends on the extractor package
            print(f"extractor unavailable ({exc}); using the gold set", file=sys.stderr)
            return observations("gold")
        for f, year in sorted(years.items()):
            try:
                card = check_path(CORPUS / "pdfs" / f)
            except Exception as exc:  # noqa: BLE001 - a bad PDF must not stop the bench
                print(f"skip {f}: {exc}", file=sys.stderr)
                continue
            out.append({"year": year, "target": card["target"], "labels": card["labels"]})
        return out, f"the real extractor over {len(out)} shared PDFs"
    for path in sorted((REPO / "extractors" / "gold" / "parts").glob("papers.batch*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                rec = json.loads(line)
                out.append(
                    {
                        "year": years.get(rec["file"], 2020),
                        "target": rec["target"],
                        "labels": {c: rec["labels"][c] for c in CATEGORIES},
                    }
                )
    return out, f"the gold set ({len(out)} annotated PDFs)"


def rates(obs: list[dict]) -> tuple[dict, dict, dict]:
    """rate[category][year] (None key = overall), evidence pools, target weights."""
    from extractors.schema import CATEGORIES

    rate: dict = {}
    pool: dict = defaultdict(list)
    for c in CATEGORIES:
        by_year = defaultdict(list)
        for o in obs:
            by_year[o["year"]].append(bool(o["labels"][c]["reported"]))
            if o["labels"][c]["reported"]:
                pool[c].append(o["labels"][c]["evidence"])
        allv = [v for vs in by_year.values() for v in vs]
        rate[c] = {None: sum(allv) / len(allv)}
        rate[c].update(
            {y: sum(vs) / len(vs) for y, vs in by_year.items() if len(vs) >= MIN_YEAR_PAPERS}
        )
    targets = defaultdict(int)
    for o in obs:
        targets[o["target"]] += 1
    return rate, pool, dict(targets)


def build(db: Path, n_papers: int, obs: list[dict], seed: int = 0) -> dict:
    """Write the bench store; return counts."""
    import pyarrow as pa

    from corpus.store import Store
    from extractors.schema import CATEGORIES

    rng = random.Random(seed)
    rate, pool, targets = rates(obs)
    real = real_metadata(n_papers)
    papers = list(real)
    copy = 0
    while len(papers) < n_papers:
        copy += 1
        for p in real[: n_papers - len(papers)]:
            papers.append(p.__class__(**{**p.__dict__, "id": f"bench:copy{copy}:{p.id}"}))
    tnames, tweights = list(targets), list(targets.values())
    prow = {
        k: []
        for k in (
            "id",
            "source",
            "venue",
            "year",
            "title",
            "authors",
            "abstract",
            "url",
            "pdf_url",
            "status",
        )
    }
    erow = {k: [] for k in ("paper_id", "extractor_version", "status", "target")}
    frow = {
        k: []
        for k in (
            "paper_id",
            "category",
            "rank",
            "reported",
            "evidence",
            "page",
            "value",
            "unit",
            "method",
            "extractor_version",
        )
    }
    for p in papers:
        for k, column in prow.items():
            column.append(list(p.authors) if k == "authors" else getattr(p, k))
        erow["paper_id"].append(p.id)
        erow["extractor_version"].append(VERSION)
        erow["status"].append("ok")
        erow["target"].append(rng.choices(tnames, tweights)[0])
        for c in CATEGORIES:
            r = rate[c].get(p.year, rate[c][None])
            evidence = rng.choice(pool[c]) if pool[c] and rng.random() < r else []
            rows = evidence or [None]
            for rank, ev in enumerate(rows):
                for k, v in (
                    ("paper_id", p.id),
                    ("category", c),
                    ("rank", rank),
                    ("reported", ev is not None),
                    ("evidence", ev and ev["text"]),
                    ("page", ev and ev["page"]),
                    ("value", ev and ev.get("value")),
                    ("unit", ev and ev.get("unit")),
                    ("method", "bench"),
                    ("extractor_version", VERSION),
                ):
                    frow[k].append(v)
    db.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    with Store(db) as store:
        for name, data in (("papers", prow), ("extractions", erow), ("findings", frow)):
            store.insert_arrow(name, pa.table(data))
        counts = {
            t: store.scalar(f"SELECT count(*) FROM {t}")
            for t in ("papers", "extractions", "findings")
        }
    counts["copies"] = len(papers) - len(real)
    return counts


def _median_ms(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        func()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def time_pages(db: Path, repeat: int) -> dict[str, float]:
    """Median ms of each page's data calls (what app.data runs, uncached)."""
    from analysis import compute, papers, replication, shares
    from analysis.db import Filters, current_version
    from analysis.memory_view import open_snapshot

    t = time.perf_counter()
    r = open_snapshot(db)  # what the app does once per process (st.cache_resource)
    print(f"open + pre-aggregate (once per app process): {(time.perf_counter() - t) * 1000:.0f} ms")
    ids = [x["id"] for x in r.fetch_dicts("SELECT id FROM papers USING SAMPLE 50 ROWS")]
    rng = random.Random(1)

    def trends(venues=(), y0=None, y1=None):
        f = Filters(tuple(venues), y0, y1, pool_venues=True)
        shares.summary(r)
        papers.venues_years(r)
        current_version(r)
        shares.category_shares(r, f)
        shares.denominator_note(r, f)
        shares.denominator_note(r, f, target=True)
        shares.trend_tests(r, f)
        shares.target_shares(r, f)
        shares.category_shares(r, Filters(tuple(venues), y0, y1))

    def papers_page(title="", author="", label=""):
        q = papers.PaperQuery(title, author, (), None, None, label)
        papers.search_papers(r, q)
        papers.count_papers(r, q)
        papers.paper_card(r, rng.choice(ids))

    def replication_page():
        replication.recipes(r)
        replication.trials(r)
        replication.runs(r)

    cases = {
        "trends (all venues, all years)": trends,
        "trends (NeurIPS+ICML, 2018-2024)": lambda: trends(("NeurIPS", "ICML"), 2018, 2024),
        "papers (no filter)": papers_page,
        "papers (title 'attention')": lambda: papers_page(title="attention"),
        "papers (author 'smith', label energy)": lambda: papers_page(
            author="smith", label="energy"
        ),
        "compute estimates (CLI/report, no page)": lambda: compute.compute_estimates(r),
        "replication (no runs)": replication_page,
    }
    for func in cases.values():  # warm DuckDB's own caches and imports once
        func()
    return {name: _median_ms(func, repeat) for name, func in cases.items()}


def main() -> None:
    """Build (unless --reuse) and time."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--rates", choices=("extractor", "gold"), default="extractor")
    ap.add_argument("--db", type=Path, default=REPO / "out" / "bench-100k.duckdb")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="time an existing --db, no rebuild")
    args = ap.parse_args()
    if not args.reuse:
        t = time.perf_counter()
        obs, where = observations(args.rates)
        print(f"rates from {where} ({time.perf_counter() - t:.0f} s)")
        t = time.perf_counter()
        counts = build(args.db, args.papers, obs)
        print(f"built {args.db}: {counts} ({time.perf_counter() - t:.0f} s)")
    print(f"{'page':42s} {'median ms':>10s}  goal < 200 ms")
    for name, ms in time_pages(args.db, args.repeat).items():
        print(f"{name:42s} {ms:10.1f}  {'ok' if ms < 200 else 'SLOW'}")


if __name__ == "__main__":
    main()
