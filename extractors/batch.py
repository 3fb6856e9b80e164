"""Extract every fetched paper of a store on this machine, in parallel, resumably; or one
file for `check`.

`LocalPool` is the local executor of the one extraction runner (extractors.runner: plan,
what each result records, progress, summary): each PDF is parsed in an isolated worker
process with time and memory limits (extractors.isolate). Results are written in batches
(extractors.sink): one transaction replaces the `extractions` and `findings` rows of a few
dozen papers at once. A PDF that fails (missing from the cache, not a PDF, encrypted,
corrupt, over the time or memory limit) gets `status = 'error'` and the batch goes on.

Each parsed PDF's page text is kept under `<cache_dir>/pagetext` (extractors.pagecache),
so when only the detectors or the target model changed, a re-extraction runs from that
text without opening a PDF.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from corpus.store import Store
from extractors.card import PaperReport
from extractors.extract_pdf import analyse_task
from extractors.isolate import Limits, run_isolated
from extractors.runner import (
    EXTRACTOR_VERSION,
    ExtractSummary,
    Outcome,
    Plan,
    RunContext,
    classify,
    missing_error,
    plan,
    run_extraction,
    task_args,
)

__all__ = [
    "EXTRACTOR_VERSION",
    "ExtractSummary",
    "LocalPool",
    "extract_file",
    "extract_store",
    "missing_error",
    "plan",
]


@dataclass(frozen=True)
class LocalPool:
    """Isolated worker processes on this machine (default: one per core)."""

    workers: int | None = None
    recorded: bool = False  # the runner writes the outcomes

    def outcomes(self, plan: Plan, ctx: RunContext, store: Store) -> Iterator[list[Outcome]]:
        """Each PDF's outcomes as its worker finishes."""
        n = max(1, min(self.workers or os.cpu_count() or 1, len(plan.tasks) or 1))
        tasks = [(sha, task_args((sha, args), ctx)) for sha, args in plan.tasks]
        for sha, result in run_isolated(analyse_task, tasks, workers=n, limits=ctx.limits):
            yield [classify(row, result, ctx.version, ctx) for row in plan.papers_of[sha]]


def extract_store(
    store: Store,
    cache_dir: str | Path,
    *,
    workers: int | None = None,
    force: bool = False,
    progress: bool = True,
    limits: Limits | None = None,
    batch_size: int = 64,
    text_cache: bool = True,
) -> ExtractSummary:
    """Extract the store's fetched papers not yet done with this version; see module doc.

    Results are written every `batch_size` papers (and at least every 5 s). With
    `text_cache`, page text is read from and stored under `<cache_dir>/pagetext`."""
    return run_extraction(
        store,
        cache_dir,
        LocalPool(workers),
        force=force,
        progress=progress,
        limits=limits,
        batch_size=batch_size,
        text_cache=text_cache,
    )


def extract_file(path: str | Path, *, limits: Limits | None = None) -> PaperReport:
    """The reporting card of one PDF, parsed in an isolated worker; PDFError if unreadable."""
    from extractors.single import extract_file as single

    return single(path, limits=limits)
