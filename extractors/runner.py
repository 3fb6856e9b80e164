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

Re-detection: a paper whose stored result has this PDF layer ("pdf2" of the combined
version) but an older version of some categories (`findings.category_version`, see
extractors.detectors.category_versions) or of the target (`extractions.target_version`)
re-runs only those, from the stored analysed document, and only their rows are replaced
(`Redo`); the result is the one a full run would give.
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
from extractors.extract_pdf import PaperAnalysis, extractor_version, layer_of, target_version
from extractors.isolate import Limits
from extractors.sink import BatchWriter, analysis_rows, error_row

EXTRACTOR_VERSION = extractor_version()
# Error reasons that depend on the limits given and the machine's load, not on the PDF.
RETRIED = ("timeout", "memory")
# Papers per store write (and at least one write every 5 s, which bounds what a crash
# loses on a full extraction): one write of a few hundred re-detected papers costs ~30 ms
# of CPU, as much as one of 64.
BATCH_SIZE = 256

Task = tuple[str, tuple[Any, ...]]  # (sha256, (path, title, abstract, categories, target))


@dataclass(frozen=True)
class Redo:
    """What one paper re-runs: `categories` (None: a full analysis) and the target."""

    categories: tuple[str, ...] | None = None
    target: bool = True

    @property
    def full(self) -> bool:
        """A whole analysis (every category, the target, every row replaced)."""
        return self.categories is None

    def union(self, other: Redo) -> Redo:
        """What two papers sharing a PDF need together."""
        if self.full or other.full:
            return FULL
        cats = tuple(dict.fromkeys((*(self.categories or ()), *(other.categories or ()))))
        return Redo(cats, self.target or other.target)


FULL = Redo()


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
    redetected: int = 0  # of `extracted`: only some categories and/or the target re-run
    rerun: dict[str, int] = field(default_factory=dict)  # of those: papers per category/target
    not_papers: int = 0  # of `extracted`: front matter or forms (extractions.kind)

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
    redo: dict[str, Redo] = field(default_factory=dict)  # by sha256: what its task runs


@dataclass(frozen=True)
class Outcome:
    """One paper's result as recorded: its rows (None: keep what is stored) and counts."""

    paper_id: str
    extraction: dict | None
    findings: list[dict]
    reason: str | None = None  # the error reason; None when extracted
    pages: int = 0
    from_text: bool = False
    categories: tuple[str, ...] | None = None  # re-detected only these (None: all)
    target: bool = True  # the target was re-run


@dataclass(frozen=True)
class RunContext:
    """What every executor needs besides the plan."""

    version: str
    cache_dir: Path
    limits: Limits
    text_cache: bool = True  # read/store page text under <cache_dir>/pagetext
    versions: dict[str, str] = field(default_factory=dict)  # category -> its version
    target_version: str = ""


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


def current_versions() -> tuple[dict[str, str], str]:
    """(each category's version, the target's version) of this installation."""
    from extractors.detectors import category_versions

    return category_versions(), target_version()


def redo(row: dict, versions: dict[str, str], target: str, *, force: bool = False) -> Redo | None:
    """What a stored paper (a `plan` row) needs re-run under these versions; None: nothing."""
    status = row["extraction_status"]
    if force or status is None:
        return FULL
    if status != "ok":
        return FULL if row["extractor_version"] != EXTRACTOR_VERSION or _retried(row) else None
    if layer_of(row["extractor_version"]) != layer_of(EXTRACTOR_VERSION):
        return FULL
    stored = dict(
        line.split("=", 1) for line in (row.get("category_versions") or "").split("\n") if line
    )
    cats = tuple(c for c, v in versions.items() if stored.get(c) != v)
    rerun_target = row.get("target_version") != target
    if set(stored) - set(versions):
        return FULL  # a category no longer detected: replace every row
    if cats or rerun_target:
        return Redo(cats, rerun_target)
    return None if row["extractor_version"] == EXTRACTOR_VERSION else FULL


def plan(
    store: Store,
    cache_dir: str | Path,
    *,
    force: bool = False,
    versions: tuple[dict[str, str], str] | None = None,
) -> Plan:
    """The work of one run (see Plan and the module doc); `versions`: current_versions()."""
    cat_versions, tgt_version = versions or current_versions()
    rows = store.fetch_dicts(
        "SELECT p.id, p.pdf_sha256, p.title, p.abstract, p.venue, p.year, p.pages, "
        "e.extractor_version, e.status AS extraction_status, e.error AS extraction_error, "
        "e.target, e.target_method, e.target_version, e.kind, e.kind_evidence, "
        "f.category_versions "
        "FROM papers p LEFT JOIN extractions e ON e.paper_id = p.id "
        "LEFT JOIN (SELECT paper_id, string_agg(DISTINCT category || '=' || "
        "coalesce(category_version, ''), chr(10)) AS category_versions "
        "FROM findings GROUP BY paper_id) f ON f.paper_id = p.id "
        "WHERE p.status = 'fetched' ORDER BY p.id"
    )
    needs = [(r, redo(r, cat_versions, tgt_version, force=force)) for r in rows]
    todo = [r for r, need in needs if need is not None]
    papers_of: dict[str, list[dict]] = {}
    by_sha: dict[str, Redo] = {}
    args: dict[str, tuple[str, Any, Any]] = {}
    missing: list[dict] = []
    for row, need in needs:
        if need is None:
            continue
        path = _pdf_path(Path(cache_dir), row["pdf_sha256"])
        if path is None or not path.is_file():
            missing.append(row)
            continue
        sha = row["pdf_sha256"]
        if sha not in papers_of:
            papers_of[sha] = []
            args[sha] = (str(path), row["title"], row["abstract"])
        by_sha[sha] = by_sha[sha].union(need) if sha in by_sha else need
        papers_of[sha].append(row)
    tasks: list[Task] = [
        (sha, (*a, by_sha[sha].categories, by_sha[sha].target)) for sha, a in args.items()
    ]
    return Plan(rows, todo, tasks, papers_of, missing, by_sha)


def missing_error(cache_dir: str | Path, row: dict) -> PDFError:
    """The error recorded for a paper whose PDF is not in the cache."""
    return PDFError(f"PDF {row['pdf_sha256']} is not in the cache at {cache_dir}", reason="missing")


def task_args(task: Task, ctx: RunContext) -> tuple[Any, ...]:
    """The arguments of extract_pdf.analyse_task for one task."""
    sha, (path, title, abstract, categories, target) = task
    if ctx.text_cache:
        return (path, title, abstract, sha, str(ctx.cache_dir), categories, target)
    return (path, title, abstract, None, None, categories, target)


def classify(
    row: dict, result: PaperAnalysis | BaseException, version: str, ctx: RunContext | None = None
) -> Outcome:
    """What one paper records for one PDF's result: its rows, or an error record (a paper
    that had a result keeps it when a rerun only hits a limit: that says nothing about it).
    A re-detection's rows keep the stored target when the target was not re-run."""
    if isinstance(result, PaperAnalysis):
        versions = ctx.versions if ctx else {}
        tversion = ctx.target_version if ctx else None
        extraction, findings = analysis_rows(row["id"], result, version, versions, tversion, row)
        return Outcome(
            row["id"],
            extraction,
            findings,
            None,
            result.pages,
            bool(result.from_cache),
            result.categories,
            result.target_rerun,
        )
    err = result if isinstance(result, PDFError) else PDFError(str(result))
    reason = getattr(err, "reason", "corrupt")
    keep = row.get("extraction_status") == "ok" and reason in RETRIED
    return Outcome(row["id"], None if keep else error_row(row["id"], err, version), [], reason)


@dataclass
class Tally:
    """Counts of a run, from outcomes."""

    counts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    rerun: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: Outcome) -> None:
        """Count one paper's outcome."""
        if outcome.reason is None:
            self.counts["extracted"] += 1
            self.counts["from_text"] += int(outcome.from_text)
            self.counts["pages"] += outcome.pages
            kind = (outcome.extraction or {}).get("kind")
            self.counts["not_papers"] += int(kind not in (None, "paper"))
            if outcome.categories is not None:
                self.counts["redetected"] += 1
                self.rerun.update(outcome.categories)
                self.rerun["target"] += int(outcome.target)
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
            c["redetected"],
            {k: v for k, v in self.rerun.items() if v},
            c["not_papers"],
        )


def run_extraction(
    store: Store,
    cache_dir: str | Path,
    executor: Executor,
    *,
    force: bool = False,
    progress: bool = True,
    limits: Limits | None = None,
    batch_size: int = BATCH_SIZE,
    text_cache: bool = True,
) -> ExtractSummary:
    """Extract the store's fetched papers not yet done with this version, with `executor`.

    Results are written every `batch_size` papers (and at least every 5 s); what finished is
    recorded even when the run is interrupted."""
    started = time.perf_counter()
    versions, tversion = current_versions()
    ctx = RunContext(
        EXTRACTOR_VERSION, Path(cache_dir), limits or Limits(), text_cache, versions, tversion
    )
    work = plan(store, cache_dir, force=force, versions=(versions, tversion))
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
