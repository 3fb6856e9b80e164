"""The main job: crawl (a sample) -> extract -> trends -> report, on the embedded store.

With a local snapshot (laid out like ../shared/corpus) everything runs offline: the PMLR
volumes with their mirrored PDFs, a seeded sample of ACL Anthology and ML Anthology
metadata (their PDFs are not in the snapshot: reported missing, never invented), and the
snapshot's other PDFs ingested with their manifest. Without one, the same plan crawls the
live sites politely and fetches the sampled papers' PDFs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from corpus.crawl_job import CrawlOptions, run_crawl
from corpus.errors import ConfigError
from corpus.store import Store

# Venues crawled by default, per source (source-specific ids).
SNAPSHOT_PMLR_VOLUMES = ("v48", "v101", "v172", "v198", "v188", "v262")
LIVE_PMLR_VOLUMES = ("v235",)  # ICML 2024


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


@dataclass
class PipelineResult:
    """One line per step, and where the report is."""

    steps: list[str] = field(default_factory=list)
    report: Path | None = None
    trends: str = ""


def plan(opts: PipelineOptions) -> list[CrawlOptions]:
    """The crawls the main job runs, for a snapshot or for the live sites."""
    common = {"seed": opts.seed, "cache_dir": opts.cache_dir, "contact": opts.contact,
              "progress": opts.progress}
    if opts.snapshot is not None:
        snap = Path(opts.snapshot)
        if not (snap / "pdfs").is_dir():
            raise ConfigError(f"{snap} does not look like a corpus snapshot (no pdfs/ folder)")
        return [
            CrawlOptions("pmlr", venues=SNAPSHOT_PMLR_VOLUMES, pdfs=True, snapshot=snap,
                         **common),
            CrawlOptions("acl", venues=("acl", "emnlp", "naacl"),
                         years=opts.years or tuple(range(2017, 2022)), sample=opts.sample,
                         pdfs=True, snapshot=snap, **common),
            CrawlOptions("mlanthology", venues=("neurips", "icml", "iclr", "cvpr"),
                         years=opts.years or tuple(range(2018, 2025)), sample=opts.sample,
                         pdfs=True, snapshot=snap, **common),
        ]
    years = opts.years or (2023, 2024)
    return [
        CrawlOptions("pmlr", venues=LIVE_PMLR_VOLUMES, sample=opts.sample, pdfs=True,
                     **common),
        CrawlOptions("acl", venues=("acl", "emnlp"), years=years, sample=opts.sample,
                     pdfs=True, **common),
        CrawlOptions("mlanthology", venues=("neurips", "iclr"), years=years,
                     sample=opts.sample, pdfs=True, **common),
    ]


def _manifest_without_mirror(manifest: Path, out: Path) -> Path:
    """A copy of the snapshot's manifest without the rows the crawl already covers."""
    import csv

    out.parent.mkdir(parents=True, exist_ok=True)
    with open(manifest, newline="", encoding="utf-8") as src, \
            open(out, "w", newline="", encoding="utf-8") as dst:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames or ["file"])
        writer.writeheader()
        writer.writerows(r for r in reader if not r["file"].startswith("mirror/"))
    return out


def run_pipeline(store: Store, opts: PipelineOptions,
                 echo: Callable[[str], None] = print) -> PipelineResult:
    """Crawl, ingest the snapshot's own PDFs, extract, print trends, write the report."""
    from analysis.db import Filters
    from analysis.export import to_table
    from analysis.report import write_report
    from analysis.tables import trends_table
    from corpus.ingest import ingest_directory
    from corpus.pdfcache import PdfCache
    from extractors.batch import extract_store

    result = PipelineResult()

    def step(line: str) -> None:
        result.steps.append(line)
        echo(line)

    for crawl in plan(opts):
        where = f" (snapshot {opts.snapshot}, offline)" if opts.snapshot else " (live sites)"
        echo(f"crawl {crawl.source} {' '.join(crawl.venues)}{where} ...")
        s = run_crawl(store, crawl)
        step(f"crawl {crawl.source}: {s.listed_new} new, {s.listed_unchanged} unchanged; PDFs "
             f"{s.pdf_new} new, {s.pdf_cached} cached, {len(s.pdf_failed)} failed, "
             f"{len(s.missing_offline)} missing from the snapshot")
    cache = PdfCache(opts.cache_dir)
    if opts.snapshot is not None:
        pdfs = Path(opts.snapshot) / "pdfs"
        manifest = pdfs / "manifest.csv"
        if manifest.exists():
            # the mirror/ part was crawled above (pmlr source); ingest only the rest
            own = _manifest_without_mirror(manifest, opts.out_dir / "snapshot-manifest.csv")
            s = ingest_directory(store, cache, pdfs, manifest_csv=own)
            step(f"ingest {pdfs}: {s.new} new, {s.unchanged} unchanged, "
                 f"{len(s.failed)} rejected")
    echo("extract ...")
    x = extract_store(store, cache.root, workers=opts.workers, progress=opts.progress)
    step(f"extract ({x.version}): {x.extracted} extracted, {x.skipped} already done, "
         f"{x.errors} errors, {x.pages} pages in {x.seconds:.0f} s")
    rows, _ = trends_table(store, Filters(pool_venues=True), "tests")
    result.trends = to_table(rows)
    echo("\npapers reporting each category (k of n extracted) and the trend over the years "
         "(logistic regression; per venue and year with Wilson intervals: greenlens trends):")
    echo(result.trends)
    opts.out_dir.mkdir(parents=True, exist_ok=True)
    result.report = opts.out_dir / "report.html"
    write_report(store, result.report, png_dir=opts.out_dir / "charts")
    step(f"report: {result.report}")
    return result
