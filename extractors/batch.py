"""Extract every fetched paper of a store, in parallel, resumably; or one file for `check`.

Per paper, one transaction replaces its `extractions` row and its `findings` rows. A paper
already extracted with the current EXTRACTOR_VERSION is skipped; an older version is
extracted again. A PDF that fails (missing from the cache, not a PDF, encrypted, corrupt,
over the time or memory limit) gets `status = 'error'` and the batch goes on.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from corpus.errors import PDFError
from corpus.records import Finding
from corpus.store import Store
from extractors.analyse import PaperAnalysis, analyse_pdf, extractor_version
from extractors.isolate import Limits, run_isolated
from extractors.report import PaperReport

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


def extract_store(store: Store, cache_dir: str | Path, *, workers: int | None = None,
                  force: bool = False, progress: bool = True,
                  limits: Limits | None = None) -> ExtractSummary:
    """Extract the store's fetched papers not yet done with this version; see module doc."""
    limits = limits or Limits()
    version = EXTRACTOR_VERSION
    rows = store.fetch_dicts(
        "SELECT p.id, p.pdf_sha256, p.title, p.abstract, e.extractor_version "
        "FROM papers p LEFT JOIN extractions e ON e.paper_id = p.id "
        "WHERE p.status = 'fetched' ORDER BY p.id")
    todo = [r for r in rows if force or r["extractor_version"] != version]
    started = time.perf_counter()
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    pages = 0
    bar = _bar(len(todo), progress)
    # one task per distinct PDF: two sources may list the same file (same sha256)
    papers_of: dict[str, list[dict]] = {}
    tasks = []
    for row in todo:
        path = _pdf_path(Path(cache_dir), row["pdf_sha256"])
        if path is None or not path.is_file():
            err = PDFError(f"PDF {row['pdf_sha256']} is not in the cache at {cache_dir}",
                           reason="missing")
            _write_error(store, row["id"], err, version)
            counts["errors"] += 1
            reasons[err.reason] += 1
            bar.update(1)
            continue
        sha = row["pdf_sha256"]
        if sha not in papers_of:
            papers_of[sha] = []
            tasks.append((sha, (str(path), row["title"], row["abstract"])))
        papers_of[sha].append(row)
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(tasks) or 1))
    for sha, result in run_isolated(analyse_pdf, tasks, workers=n_workers, limits=limits):
        for row in papers_of[sha]:
            if isinstance(result, PaperAnalysis):
                _write_analysis(store, row["id"], result, version)
                counts["extracted"] += 1
                pages += result.pages
            else:
                err = result if isinstance(result, PDFError) else PDFError(str(result))
                _write_error(store, row["id"], err, version)
                counts["errors"] += 1
                reasons[getattr(err, "reason", "corrupt")] += 1
            bar.update(1)
    bar.close()
    return ExtractSummary(version, len(rows), counts["extracted"], len(rows) - len(todo),
                          counts["errors"], pages, time.perf_counter() - started,
                          dict(reasons))


def _bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="paper", desc="extract", disable=not enabled or total == 0)


def _write_analysis(store: Store, paper_id: str, result: PaperAnalysis, version: str) -> None:
    rows = []
    for category, res in result.results.items():
        finding = Finding(paper_id, category, res.reported, tuple(res.evidence), res.method,
                          version)
        rows.extend(finding.to_rows())
    cols = ("paper_id", "category", "rank", "reported", "evidence", "page", "value", "unit",
            "method", "extractor_version")
    with store.transaction():
        store.execute("DELETE FROM findings WHERE paper_id = ?", [paper_id])
        store.execute("DELETE FROM extractions WHERE paper_id = ?", [paper_id])
        store.execute(
            "INSERT INTO extractions (paper_id, extractor_version, status, error, pages, "
            "scanned_pages, target, target_method) VALUES (?, ?, 'ok', NULL, ?, ?, ?, ?)",
            [paper_id, version, result.pages, len(result.scanned_pages), result.target,
             result.target_method])
        if rows:
            store.con.executemany(
                f"INSERT INTO findings ({', '.join(cols)}) VALUES "
                f"({', '.join('?' for _ in cols)})",
                [[r[c] for c in cols] for r in rows]).fetchall()


def _write_error(store: Store, paper_id: str, err: PDFError, version: str) -> None:
    message = f"{getattr(err, 'reason', 'corrupt')}: {err.message}"
    with store.transaction():
        store.execute("DELETE FROM findings WHERE paper_id = ?", [paper_id])
        store.execute("DELETE FROM extractions WHERE paper_id = ?", [paper_id])
        store.execute(
            "INSERT INTO extractions (paper_id, extractor_version, status, error) "
            "VALUES (?, ?, 'error', ?)", [paper_id, version, message[:1000]])


def extract_file(path: str | Path, *, limits: Limits | None = None) -> PaperReport:
    """The reporting card of one PDF, parsed in an isolated worker; PDFError if unreadable."""
    limits = limits or Limits()
    from extractors.pdftext import check_file

    path = Path(path)
    check_file(path)  # fail fast, without a worker, on the common cases
    for _, result in run_isolated(analyse_pdf, [(str(path), (str(path),))], limits=limits):
        if isinstance(result, PaperAnalysis):
            return PaperReport.from_analysis(result)
        raise result
    raise PDFError(f"no result for {path}")  # unreachable: one task, one answer
