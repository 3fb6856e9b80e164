"""The main job: crawl (a sample) -> extract -> trends -> report, on the embedded store.

With a local snapshot (laid out like ../shared/corpus) everything runs offline: every PMLR
volume under its pmlr/ with the mirrored PDFs, a seeded sample (or, with `whole`, every
paper) of the ACL Anthology and ML Anthology venues (and ML Anthology years) its files
hold (their PDFs are not in the snapshot: reported missing, never invented), and the
snapshot's other PDFs ingested with their manifest. Every paper with an abstract also gets a target from title +
abstract. Without a snapshot, the same plan crawls the live sites politely.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.crawl_job import CrawlOptions, run_crawl
from corpus.errors import ConfigError
from corpus.store import Store

# Venues crawled by default, per source (source-specific ids). On a snapshot: every PMLR
# volume under pmlr/ and every ACL / ML Anthology venue its files hold.
LIVE_PMLR_VOLUMES = ("v235",)  # ICML 2024
ACL_VENUES = ("acl", "emnlp", "naacl")
ML_VENUES = ("neurips", "icml", "iclr", "cvpr", "iccv")
WHOLE_ALL = "all"


@dataclass(frozen=True)
class PipelineOptions:
    """What the main job crawls and where it writes."""

    snapshot: Path | None = None
    sample: int = 100  # metadata sample per source and venue group
    seed: int = 0
    years: tuple[int, ...] = ()
    cache_dir: Path | None = None
    out_dir: Path = Path("greenlens-out")
    workers: int | None = None
    contact: str | None = None
    progress: bool = True
    # venues crawled whole (no sampling) for `years`: ACL/ML Anthology venue ids, or "all"
    whole: tuple[str, ...] = ()


@dataclass
class PipelineResult:
    """One line per step, and where the report is."""

    steps: list[str] = field(default_factory=list)
    report: Path | None = None
    trends: str = ""


def snapshot_pmlr_volumes(snapshot: Path) -> tuple[str, ...]:
    """Every PMLR volume folder (vNN) under the snapshot's pmlr/, in volume order."""
    root = Path(snapshot) / "pmlr"
    vols = (
        [p.name for p in root.iterdir() if p.is_dir() and re.fullmatch(r"v\d+", p.name)]
        if root.is_dir()
        else []
    )
    return tuple(sorted(vols, key=lambda v: int(v[1:])))


def snapshot_venues(snapshot: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ACL and ML Anthology venues whose files the snapshot holds."""
    ml_dir = Path(snapshot) / "mlanthology"
    ml = tuple(v for v in ML_VENUES if any(ml_dir.glob(f"{v}-*.json*")))
    acl = ACL_VENUES if (Path(snapshot) / "acl-anthology" / "xml").is_dir() else ()
    return acl, ml


def snapshot_ml_years(snapshot: Path, venues: tuple[str, ...]) -> tuple[int, ...]:
    """The years of the ML Anthology files (venue-YYYY.json[.gz]) the snapshot holds for
    `venues`."""
    ml_dir = Path(snapshot) / "mlanthology"
    years = {
        int(m.group(1))
        for v in venues
        for p in ml_dir.glob(f"{v}-*.json*")
        if (m := re.fullmatch(rf"{re.escape(v)}-(\d{{4}})\.json(?:\.gz)?", p.name))
    }
    return tuple(sorted(years))


def _within(years: tuple[int, ...], first: int, last: int) -> tuple[int, ...]:
    return tuple(y for y in years if first <= y <= last)


def _split_whole(venues: tuple[str, ...], whole: tuple[str, ...]) -> tuple[tuple, tuple]:
    """(sampled venues, whole venues) of one source."""
    if WHOLE_ALL in whole:
        return (), venues
    return (tuple(v for v in venues if v not in whole), tuple(v for v in venues if v in whole))


def plan(opts: PipelineOptions) -> list[CrawlOptions]:
    """The crawls the main job runs, for a snapshot or for the live sites."""
    common: dict[str, Any] = {
        "seed": opts.seed,
        "cache_dir": opts.cache_dir,
        "contact": opts.contact,
        "progress": opts.progress,
    }
    unknown = set(opts.whole) - {WHOLE_ALL, *ACL_VENUES, *ML_VENUES}
    if unknown:
        known = ", ".join(ACL_VENUES + ML_VENUES)
        raise ConfigError(
            f"--whole takes ACL/ML Anthology venues ({known}) or 'all', not "
            f"{', '.join(sorted(unknown))}"
        )
    crawls: list[CrawlOptions] = []
    if opts.snapshot is not None:
        snap = Path(opts.snapshot)
        if not snap.is_dir() or not any(
            (snap / d).exists() for d in ("pdfs", "pmlr", "acl-anthology", "mlanthology")
        ):
            raise ConfigError(
                f"{snap} does not look like a corpus snapshot (none of pdfs/, "
                "pmlr/, acl-anthology/, mlanthology/)"
            )
        volumes = snapshot_pmlr_volumes(snap)
        if volumes:
            crawls.append(CrawlOptions("pmlr", venues=volumes, pdfs=True, snapshot=snap, **common))
        acl, ml = snapshot_venues(snap)
        where: dict[str, Any] = {"pdfs": True, "snapshot": snap}
        acl_years = opts.years or tuple(range(2017, 2022))
        # the years its files hold within the default range, else all it holds (another
        # snapshot has other years: a fixed list would list nothing)
        held = snapshot_ml_years(snap, ml)
        ml_years = opts.years or _within(held, 2018, 2024) or held
    else:
        crawls.append(
            CrawlOptions("pmlr", venues=LIVE_PMLR_VOLUMES, sample=opts.sample, pdfs=True, **common)
        )
        acl, ml = ("acl", "emnlp"), ("neurips", "iclr")
        where = {"pdfs": True}
        acl_years = ml_years = opts.years or (2023, 2024)
        held = ()
    for source, venues, years in (("acl", acl, acl_years), ("mlanthology", ml, ml_years)):
        sampled, whole = _split_whole(venues, opts.whole)
        if sampled:
            crawls.append(
                CrawlOptions(
                    source, venues=sampled, years=years, sample=opts.sample, **where, **common
                )
            )
        if whole:
            whole_years = opts.years or (
                _within(held, 2015, 2024) or held
                if source == "mlanthology" and held
                else tuple(range(2015, 2025))
            )
            crawls.append(CrawlOptions(source, venues=whole, years=whole_years, **where, **common))
    return crawls


def _manifest_without_mirror(manifest: Path, out: Path) -> Path:
    """A copy of the snapshot's manifest without the rows the crawl already covers."""
    import csv

    out.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(manifest, newline="", encoding="utf-8") as src,
        open(out, "w", newline="", encoding="utf-8") as dst,
    ):
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames or ["file"])
        writer.writeheader()
        writer.writerows(r for r in reader if not r["file"].startswith("mirror/"))
    return out


def run_pipeline(
    store: Store, opts: PipelineOptions, echo: Callable[[str], None] = print
) -> PipelineResult:
    """Crawl, ingest the snapshot's own PDFs, extract, print trends, write the report."""
    from analysis.db import Filters
    from analysis.export import to_table
    from analysis.report import write_report
    from analysis.tables import trends_table
    from corpus.ingest import ingest_directory
    from corpus.pdfcache import PdfCache
    from extractors.abstract_targets import classify_abstracts
    from extractors.batch import extract_store

    result = PipelineResult()

    def step(line: str) -> None:
        result.steps.append(line)
        echo(line)

    for crawl in plan(opts):
        where = f" (snapshot {opts.snapshot}, offline)" if opts.snapshot else " (live sites)"
        echo(f"crawl {crawl.source} {' '.join(crawl.venues)}{where} ...")
        s = run_crawl(store, crawl)
        step(
            f"crawl {crawl.source}: {s.listed_new} new, {s.listed_unchanged} unchanged; PDFs "
            f"{s.pdf_new} new, {s.pdf_cached} cached, {len(s.pdf_failed)} failed, "
            f"{len(s.missing_offline)} missing from the snapshot"
        )
    cache = PdfCache(opts.cache_dir)
    if opts.snapshot is not None:
        pdfs = Path(opts.snapshot) / "pdfs"
        manifest = pdfs / "manifest.csv"
        if manifest.exists():
            # the mirror/ part was crawled above (pmlr source); ingest only the rest
            own = _manifest_without_mirror(manifest, opts.out_dir / "snapshot-manifest.csv")
            ing = ingest_directory(store, cache, pdfs, manifest_csv=own)
            step(
                f"ingest {pdfs}: {ing.new} new, {ing.unchanged} unchanged, "
                f"{len(ing.failed)} rejected"
            )
    echo("extract ...")
    x = extract_store(store, cache.root, workers=opts.workers, progress=opts.progress)
    step(
        f"extract ({x.version}): {x.extracted} extracted, {x.skipped} already done, "
        f"{x.errors} errors, {x.pages} pages in {x.seconds:.0f} s"
    )
    a = classify_abstracts(store, progress=opts.progress)
    step(
        f"target from title + abstract ({a.model}): {a.classified} papers classified in "
        f"{a.seconds:.0f} s"
    )
    rows, _ = trends_table(store, Filters(pool_venues=True), "tests")
    result.trends = to_table(rows)
    echo(
        "\npapers reporting each category (k of n extracted) and the trend over the years "
        "(logistic regression; per venue and year with Wilson intervals: greenlens trends):"
    )
    echo(result.trends)
    opts.out_dir.mkdir(parents=True, exist_ok=True)
    result.report = opts.out_dir / "report.html"
    write_report(store, result.report, png_dir=opts.out_dir / "charts")
    step(f"report: {result.report}")
    return result
