"""Extract every fetched paper of a store, in parallel, resumably; or one file for `check`.

Results are written in batches (extractors.sink): one transaction replaces the
`extractions` and `findings` rows of a few dozen papers at once. A paper
already extracted with the current EXTRACTOR_VERSION is skipped; an older version is
extracted again. A PDF that fails (missing from the cache, not a PDF, encrypted, corrupt,
over the time or memory limit) gets `status = 'error'` and the batch goes on.

Each parsed PDF's page text is kept under `<cache_dir>/pagetext` (extractors.pagecache),
so when only the detectors or the target model changed, a re-extraction runs from that
text without opening a PDF.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from corpus.errors import PDFError
from corpus.store import Store
from extractors.card import PaperReport
from extractors.extract_pdf import PaperAnalysis, analyse_task, extractor_version
from extractors.isolate import Limits, run_isolated
from extractors.sink import BatchWriter

EXTRACTOR_VERSION = extractor_version()


@dataclass(frozen=True)
class ExtractSummary:
    """What a batch did."""

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


def _pdf_path(cache_dir: Path, sha256: str | None) -> Path | None:
    if not sha256:
        return None
    from corpus.pdfcache import PdfCache

    try:
        return PdfCache(cache_dir).path_for(sha256)
    except PDFError:
        return None


def plan(store: Store, cache_dir: str | Path, *, force: bool = False):
    """(rows considered, todo rows, tasks, papers_of, missing) for one extraction run.

    One task per distinct PDF (two sources may list the same file): `tasks` are
    (sha256, (path, title, abstract)); `papers_of[sha]` the rows sharing it; `missing`
    the rows whose PDF is not in the cache. A paper is done when it has a record of this
    extractor version, except an error that is the limit's rather than the file's (RETRIED:
    over the time or memory limit), which is tried again on the next run.
    """
    rows = store.fetch_dicts(
        "SELECT p.id, p.pdf_sha256, p.title, p.abstract, p.venue, p.year, "
        "e.extractor_version, e.status AS extraction_status, e.error AS extraction_error "
        "FROM papers p LEFT JOIN extractions e ON e.paper_id = p.id "
        "WHERE p.status = 'fetched' ORDER BY p.id")
    todo = [r for r in rows if force or r["extractor_version"] != EXTRACTOR_VERSION
            or _retried(r)]
    papers_of: dict[str, list[dict]] = {}
    tasks, missing = [], []
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
    return rows, todo, tasks, papers_of, missing


# Error reasons that depend on the limits given and the machine's load, not on the PDF.
RETRIED = ("timeout", "memory")


def _retried(row: dict) -> bool:
    error = row.get("extraction_error") or ""
    return row.get("extraction_status") == "error" and error.split(":", 1)[0] in RETRIED


def _keeps_result(row: dict, err: BaseException) -> bool:
    """A paper extracted before keeps that result when a rerun (--force, a new version)
    hits only a limit: a timeout says nothing about the paper, and the next run retries."""
    return row.get("extraction_status") == "ok" and getattr(err, "reason", None) in RETRIED


def missing_error(cache_dir: str | Path, row: dict) -> PDFError:
    """The error recorded for a paper whose PDF is not in the cache."""
    return PDFError(f"PDF {row['pdf_sha256']} is not in the cache at {cache_dir}",
                    reason="missing")


def extract_store(store: Store, cache_dir: str | Path, *, workers: int | None = None,
                  force: bool = False, progress: bool = True,
                  limits: Limits | None = None, batch_size: int = 64,
                  text_cache: bool = True) -> ExtractSummary:
    """Extract the store's fetched papers not yet done with this version; see module doc.

    Results are written every `batch_size` papers (and at least every 5 s). With
    `text_cache`, page text is read from and stored under `<cache_dir>/pagetext`."""
    limits = limits or Limits()
    version = EXTRACTOR_VERSION
    started = time.perf_counter()
    rows, todo, tasks, papers_of, missing = plan(store, cache_dir, force=force)
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    pages = 0
    bar = _bar(len(todo), progress)
    writer = BatchWriter(store, every=batch_size)
    try:
        for row in missing:
            err = missing_error(cache_dir, row)
            writer.add_error(row["id"], err, version)
            counts["errors"] += 1
            reasons[err.reason] += 1
            bar.update(1)
        n_workers = max(1, min(workers or os.cpu_count() or 1, len(tasks) or 1))
        if text_cache:
            root = str(cache_dir)
            tasks = [(sha, (*args, sha, root)) for sha, args in tasks]
        for sha, result in run_isolated(analyse_task, tasks, workers=n_workers,
                                        limits=limits):
            for row in papers_of[sha]:
                if isinstance(result, PaperAnalysis):
                    writer.add_analysis(row["id"], result, version)
                    counts["extracted"] += 1
                    counts["from_text"] += result.from_cache
                    pages += result.pages
                else:
                    err = result if isinstance(result, PDFError) else PDFError(str(result))
                    if not _keeps_result(row, err):
                        writer.add_error(row["id"], err, version)
                    counts["errors"] += 1
                    reasons[getattr(err, "reason", "corrupt")] += 1
                bar.update(1)
    finally:
        writer.flush()  # what finished is recorded, even on Ctrl-C
        bar.close()
    return ExtractSummary(version, len(rows), counts["extracted"], len(rows) - len(todo),
                          counts["errors"], pages, time.perf_counter() - started,
                          dict(reasons), counts["from_text"])


def _bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="paper", desc="extract", disable=not enabled or total == 0)


def extract_file(path: str | Path, *, limits: Limits | None = None) -> PaperReport:
    """The reporting card of one PDF, parsed in an isolated worker; PDFError if unreadable."""
    from extractors.single import extract_file as single

    return single(path, limits=limits)
