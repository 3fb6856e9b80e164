"""One PDF's reporting card, parsed in an isolated worker (`greenlens check`, the app).

Kept apart from extractors.batch so that checking one paper loads neither DuckDB nor
Arrow: a cold `greenlens check` is mostly Python start-up, pypdfium2 and the detectors.
"""

from __future__ import annotations

from pathlib import Path

from corpus.errors import PDFError
from extractors.card import PaperReport
from extractors.extract_pdf import PaperAnalysis, analyse_pdf
from extractors.isolate import Limits, run_isolated
from extractors.pdftext import check_file


def extract_file(
    path: str | Path, *, limits: Limits | None = None, start: str = "forkserver"
) -> PaperReport:
    """The reporting card of one PDF, parsed in an isolated worker; PDFError if unreadable.

    `start="fork"` forks the worker from this process (see extractors.isolate.run_isolated:
    only from a single-threaded caller without a database connection, like the CLI)."""
    limits = limits or Limits()
    path = Path(path)
    check_file(path)  # fail fast, without a worker, on the common cases
    for _, result in run_isolated(
        analyse_pdf, [(str(path), (str(path),))], limits=limits, start=start
    ):
        if isinstance(result, PaperAnalysis):
            return PaperReport.from_analysis(result)
        raise result
    raise PDFError(f"no result for {path}")  # unreachable: one task, one answer
