"""Extract every fetched paper of a store on this machine, in parallel, resumably; or one
file for `check`.

`LocalPool` is the local executor of the one extraction runner (extractors.runner: plan,
what each result records, progress, summary): each PDF is parsed in an isolated worker
process with time and memory limits (extractors.isolate). Results are written in batches
(extractors.sink): one transaction replaces the `extractions` and `findings` rows of a few
hundred papers at once. A PDF that fails (missing from the cache, not a PDF, encrypted,
corrupt, over the time or memory limit) gets `status = 'error'` and the batch goes on.

Each parsed PDF's page text is kept under `<cache_dir>/pagetext` (extractors.pagecache),
so when only the detectors or the target model changed, a re-extraction runs from that
text without opening a PDF; a small one runs in this process (`LocalPool.inline`,
extractors.isolate.run_inline: the time limit holds, no worker is started).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from corpus.store import Store
from extractors.card import PaperReport
from extractors.extract_pdf import PaperAnalysis, analyse_document, analyse_task
from extractors.isolate import Limits, can_run_inline, run_inline, run_isolated
from extractors.pagecache import UnitCache
from extractors.runner import (
    BATCH_SIZE,
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


# A re-detection from stored documents of at most this much work (pages x categories
# re-run, ~0.3 ms of CPU each) runs in the driver: starting a fork server and its workers
# costs ~1 s of CPU, more than the work itself; bigger ones are worth the cores.
INLINE_WORK = 8000
_PAGES_GUESS = 15  # a paper whose page count the store lacks


@dataclass(frozen=True)
class LocalPool:
    """Isolated worker processes on this machine (default: one per core); a small
    re-detection from stored documents runs in this process (`inline_work`, 0: never)."""

    workers: int | None = None
    recorded: bool = False  # the runner writes the outcomes
    inline_work: int = INLINE_WORK

    def outcomes(self, plan: Plan, ctx: RunContext, store: Store) -> Iterator[list[Outcome]]:
        """Each PDF's outcomes as its worker finishes."""
        n = max(1, min(self.workers or os.cpu_count() or 1, len(plan.tasks) or 1))
        tasks = [(sha, task_args((sha, args), ctx)) for sha, args in plan.tasks]
        if self.inline(plan, ctx, n):
            tasks, stored = [], tasks
            for sha, result in run_inline(analyse_stored, stored, limits=ctx.limits):
                if result is None:  # no readable stored document: a worker parses it
                    tasks.append((sha, task_args((sha, _task_of(plan, sha)), ctx)))
                    continue
                yield [classify(row, result, ctx.version, ctx) for row in plan.papers_of[sha]]
        if tasks:
            n = max(1, min(n, len(tasks)))
            for sha, result in run_isolated(analyse_task, tasks, workers=n, limits=ctx.limits):
                yield [classify(row, result, ctx.version, ctx) for row in plan.papers_of[sha]]

    def inline(self, plan: Plan, ctx: RunContext, workers: int) -> bool:
        """Whether this plan runs in this process: only re-detections (no full analysis),
        from stored documents, small enough (or one worker anyway), where a time limit can
        be applied (extractors.isolate.can_run_inline)."""
        if not (ctx.text_cache and plan.tasks and self.inline_work > 0):
            return False
        work = 0
        for sha, _ in plan.tasks:
            need = plan.redo.get(sha)
            if need is None or need.full:
                return False
            pages = plan.papers_of[sha][0].get("pages") or _PAGES_GUESS
            work += pages * max(1, len(need.categories or ()))
        return (workers == 1 or work <= self.inline_work) and can_run_inline()


@lru_cache(maxsize=4)
def _unit_cache(text_root: str) -> UnitCache:
    return UnitCache(text_root)


def _task_of(plan: Plan, sha: str) -> tuple[Any, ...]:
    return next(args for s, args in plan.tasks if s == sha)


def analyse_stored(
    path: str,
    title: str | None,
    abstract: str | None,
    sha256: str | None,
    text_root: str | None,
    categories: Sequence[str] | None,
    target: bool = True,
) -> PaperAnalysis | None:
    """analyse_task's re-detection from the stored analysed document alone; None when
    there is none (it never reads page text or opens the PDF: it runs in the driver)."""
    if not (sha256 and text_root):
        return None
    started = time.perf_counter()
    doc = _unit_cache(text_root).get(sha256, os.path.basename(path))
    if doc is None:
        return None
    result = analyse_document(
        doc, title=title, abstract=abstract, categories=categories, target=target
    )
    return replace(result, seconds=time.perf_counter() - started, from_cache=True)


def extract_store(
    store: Store,
    cache_dir: str | Path,
    *,
    workers: int | None = None,
    force: bool = False,
    progress: bool = True,
    limits: Limits | None = None,
    batch_size: int = BATCH_SIZE,
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
