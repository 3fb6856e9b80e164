"""One extraction run, whatever executes it: the plan, what each result records, the
progress bar and the summary.

An executor only runs the plan's PDFs and hands back, per PDF, the outcome of every paper
that shares it (`classify`); the runner records and counts them. Executors:
`extractors.batch.LocalPool` (isolated worker processes on this machine) and
`extractors.raypool.RayExecutor` (Ray tasks that write Parquet parts, which the executor
ingests as they arrive and marks `recorded`).

A paper already extracted with EXTRACTOR_VERSION is skipped, except an error that is the
limit's rather than the file's (RETRIED: over the time or memory limit), which is tried
again; a paper that had a result keeps it when a rerun only hits a limit.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from corpus.errors import PDFError
from corpus.store import Store
from extractors.extract_pdf import PaperAnalysis, extractor_version
from extractors.isolate import Limits
from extractors.sink import BatchWriter, analysis_rows, error_row

EXTRACTOR_VERSION = extractor_version()
# Error reasons that depend on the limits given and the machine's load, not on the PDF.
RETRIED = ("timeout", "memory")

Task = tuple[str, tuple[Any, ...]]  # (sha256, (path, title, abstract))


@dataclass(frozen=True)
class ExtractSummary:
    """What a run did."""

    version: str
    considered: int = 0  # papers with status 'fetched'
    extracted: int = 0
    skipped: int = 0  # already extracted with this version
    errors: int = 0
    pages: int = 0
    seconds: float = 0.0
    error_reasons: dict[str, int] = field(default_factory=dict)
    from_text: int = 0  # of `extracted`: analysed from stored page text, no PDF opened

    @property
    def pages_per_s(self) -> float:
        """Pages of successfully extracted papers per wall-clock second."""
        return self.pages / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Plan:
    """One run's work: every fetched paper (`rows`), those to do, one task per distinct PDF
    (two sources may list the same file; `papers_of[sha]` are the rows sharing it), and the
    rows whose PDF is not in the cache (`missing`)."""

    rows: list[dict]
    todo: list[dict]
    tasks: list[Task]
    papers_of: dict[str, list[dict]]
    missing: list[dict]


@dataclass(frozen=True)
class Outcome:
    """One paper's result as recorded: its rows (None: keep what is stored) and counts."""

    paper_id: str
    extraction: dict | None
    findings: list[dict]
    reason: str | None = None  # the error reason; None when extracted
    pages: int = 0
    from_text: bool = False


@dataclass(frozen=True)
class RunContext:
    """What every executor needs besides the plan."""

    version: str
    cache_dir: Path
    limits: Limits
    text_cache: bool = True  # read/store page text under <cache_dir>/pagetext


class Executor(Protocol):
    """Runs a plan's tasks; yields the outcomes of each finished PDF (or chunk of PDFs)."""

    @property
    def recorded(self) -> bool:
        """True when the executor writes its outcomes to the store itself."""
        ...

    def outcomes(self, plan: Plan, ctx: RunContext, store: Store) -> Iterator[list[Outcome]]:
        """Outcomes as they finish."""
        ...


def _pdf_path(cache_dir: Path, sha256: str | None) -> Path | None:
    if not sha256:
        return None
    from corpus.pdfcache import PdfCache

    try:
        return PdfCache(cache_dir).path_for(sha256)
    except PDFError:
        return None


def _retried(row: dict) -> bool:
    error = row.get("extraction_error") or ""
    return row.get("extraction_status") == "error" and error.split(":", 1)[0] in RETRIED


def plan(store: Store, cache_dir: str | Path, *, force: bool = False) -> Plan:
    """The work of one run (see Plan and the module doc)."""
    rows = store.fetch_dicts(
        "SELECT p.id, p.pdf_sha256, p.title, p.abstract, p.venue, p.year, "
        "e.extractor_version, e.status AS extraction_status, e.error AS extraction_error "
        "FROM papers p LEFT JOIN extractions e ON e.paper_id = p.id "
        "WHERE p.status = 'fetched' ORDER BY p.id"
    )
    todo = [r for r in rows if force or r["extractor_version"] != EXTRACTOR_VERSION or _retried(r)]
    papers_of: dict[str, list[dict]] = {}
    tasks: list[Task] = []
    missing: list[dict] = []
    for row in todo:
        path = _pdf_path(Path(cache_dir), row["pdf_sha256"])
        if path is None or not path.is_file():
            missing.append(row)
            continue
        sha = row["pdf_sha256"]
        if sha not in papers_of:
            papers_of[sha] = []
            tasks.append((sha, (str(path), row["title"], row["abstract"])))
        papers_of[sha].append(row)
    return Plan(rows, todo, tasks, papers_of, missing)


def missing_error(cache_dir: str | Path, row: dict) -> PDFError:
    """The error recorded for a paper whose PDF is not in the cache."""
    return PDFError(f"PDF {row['pdf_sha256']} is not in the cache at {cache_dir}", reason="missing")


def task_args(task: Task, ctx: RunContext) -> tuple[Any, ...]:
    """The arguments of extract_pdf.analyse_task for one task."""
    sha, args = task
    return (*args, sha, str(ctx.cache_dir)) if ctx.text_cache else tuple(args)


def classify(row: dict, result: PaperAnalysis | BaseException, version: str) -> Outcome:
    """What one paper records for one PDF's result: its rows, or an error record (a paper
    that had a result keeps it when a rerun only hits a limit: that says nothing about it)."""
    if isinstance(result, PaperAnalysis):
        extraction, findings = analysis_rows(row["id"], result, version)
        return Outcome(row["id"], extraction, findings, None, result.pages, bool(result.from_cache))
    err = result if isinstance(result, PDFError) else PDFError(str(result))
    reason = getattr(err, "reason", "corrupt")
    keep = row.get("extraction_status") == "ok" and reason in RETRIED
    return Outcome(row["id"], None if keep else error_row(row["id"], err, version), [], reason)


@dataclass
class Tally:
    """Counts of a run, from outcomes."""

    counts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: Outcome) -> None:
        """Count one paper's outcome."""
        if outcome.reason is None:
            self.counts["extracted"] += 1
            self.counts["from_text"] += int(outcome.from_text)
            self.counts["pages"] += outcome.pages
        else:
            self.counts["errors"] += 1
            self.reasons[outcome.reason] += 1

    def summary(self, version: str, plan: Plan, seconds: float) -> ExtractSummary:
        """The run's summary."""
        c = self.counts
        return ExtractSummary(
            version,
            len(plan.rows),
            c["extracted"],
            len(plan.rows) - len(plan.todo),
            c["errors"],
            c["pages"],
            seconds,
            dict(self.reasons),
            c["from_text"],
        )


def run_extraction(
    store: Store,
    cache_dir: str | Path,
    executor: Executor,
    *,
    force: bool = False,
    progress: bool = True,
    limits: Limits | None = None,
    batch_size: int = 64,
    text_cache: bool = True,
) -> ExtractSummary:
    """Extract the store's fetched papers not yet done with this version, with `executor`.

    Results are written every `batch_size` papers (and at least every 5 s); what finished is
    recorded even when the run is interrupted."""
    started = time.perf_counter()
    ctx = RunContext(EXTRACTOR_VERSION, Path(cache_dir), limits or Limits(), text_cache)
    work = plan(store, cache_dir, force=force)
    tally = Tally()
    bar = _bar(len(work.todo), progress)
    writer = BatchWriter(store, every=batch_size)

    def record(outcomes: Iterable[Outcome], recorded: bool) -> None:
        for outcome in outcomes:
            if outcome.extraction is not None and not recorded:
                writer.add(outcome.extraction, outcome.findings)
            tally.add(outcome)
            bar.update(1)

    try:
        record(
            (
                Outcome(
                    r["id"],
                    error_row(r["id"], missing_error(cache_dir, r), ctx.version),
                    [],
                    "missing",
                )
                for r in work.missing
            ),
            False,
        )
        if work.tasks:
            writer.flush()  # the missing ones first: an executor may write on its own
            for outcomes in executor.outcomes(work, ctx, store):
                record(outcomes, executor.recorded)
    finally:
        writer.flush()
        bar.close()
    return tally.summary(ctx.version, work, time.perf_counter() - started)


def _bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="paper", desc="extract", disable=not enabled or total == 0)
