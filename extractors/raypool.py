"""`greenlens extract --executor ray`: the same extraction run as a batch of Ray tasks.

`RayExecutor` is the Ray executor of the one extraction runner (extractors.runner: plan,
what each result records, progress, summary). It sends chunks of PDFs to Ray tasks; each
task runs them through `extractors.isolate` (the same per-PDF time and memory limits, in a
worker process of its own), classifies each result as the local pool does
(`extractors.runner.classify`) and writes Parquet parts (extractors.parts) to the results
directory. As each task finishes the executor ingests its parts into the store;
`greenlens ingest-results DIR` does the same for parts left by a driver that died. Ray is
optional: `pip install 'greenlens[ray]'`.

On a cluster every node must see the PDF cache and the results directory at the same path
(a shared file system) and have greenlens installed; see docs/scale.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.errors import ConfigError
from corpus.store import Store
from extractors.isolate import Limits
from extractors.parts import chunk_id, ingest_parts
from extractors.runner import (
    ExtractSummary,
    Outcome,
    Plan,
    RunContext,
    run_extraction,
)

DEFAULT_CHUNK = 16  # PDFs per Ray task: enough to amortise a task's worker start-up
# what a task needs of a paper (the stored target stands when a re-detection leaves it)
_ROW_KEYS = (
    "id",
    "venue",
    "year",
    "extraction_status",
    "target",
    "target_method",
    "target_version",
    "kind",
    "kind_evidence",
)


def _import_ray():
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--executor ray needs Ray: pip install 'greenlens[ray]'") from exc
    return ray


def run_chunk(items: list[tuple], out_dir: str, ctx: RunContext) -> dict:
    """Analyse one chunk of PDFs and write its parts (runs inside a Ray task).

    `items`: (sha256, (path, title, abstract), [paper row dicts with _ROW_KEYS]).
    Returns the parts written and every paper's outcome (without its rows)."""
    from extractors.extract_pdf import analyse_task
    from extractors.isolate import run_isolated
    from extractors.parts import write_parts
    from extractors.runner import classify, task_args

    if items and not any(os.path.exists(args[0]) for _, args, _ in items):
        import socket

        raise ConfigError(
            f"Ray node {socket.gethostname()} sees none of this chunk's PDFs "
            f"(e.g. {items[0][1][0]}): put the PDF cache on a file system "
            f"every node mounts at the same path (docs/scale.md)"
        )
    tasks = [(sha, task_args((sha, args), ctx)) for sha, args, _ in items]
    papers = {sha: rows for sha, _, rows in items}
    where = {r["id"]: (r["venue"], r["year"]) for _, _, rows in items for r in rows}
    outcomes: list[Outcome] = []
    for sha, result in run_isolated(analyse_task, tasks, workers=1, limits=ctx.limits):
        outcomes.extend(classify(row, result, ctx.version, ctx) for row in papers[sha])
    parts = write_parts(
        out_dir,
        chunk_id([_part_key(sha, args) for sha, args, _ in items]),
        [o.extraction for o in outcomes if o.extraction is not None],
        [f for o in outcomes for f in o.findings],
        where,
    )
    light = [
        Outcome(o.paper_id, None, [], o.reason, o.pages, o.from_text, o.categories, o.target)
        for o in outcomes
    ]
    return {"parts": parts, "outcomes": light}


def _part_key(sha: str, args: tuple) -> str:
    """A PDF's share of a chunk's part name: its sha256, plus what a re-detection re-ran
    (so its partial parts never overwrite the full ones of an earlier run)."""
    categories, target = (args[3], args[4]) if len(args) > 4 else (None, True)
    return sha if categories is None else f"{sha}:{','.join(categories)}:{int(target)}"


@dataclass(frozen=True)
class RayExecutor:
    """Chunks of PDFs as Ray tasks, their Parquet parts ingested as they finish."""

    out_dir: Path
    address: str | None = None
    num_cpus: int | None = None
    chunk_size: int = DEFAULT_CHUNK
    recorded: bool = True  # the parts are ingested here, not by the runner's writer

    def outcomes(self, plan: Plan, ctx: RunContext, store: Store) -> Iterator[list[Outcome]]:
        """Each chunk's outcomes once its parts are in the store."""
        ray = _import_ray()
        out_dir = Path(self.out_dir).resolve()
        out_dir.mkdir(parents=True, exist_ok=True)
        if not os.access(out_dir, os.W_OK):
            raise ConfigError(f"results directory {out_dir} is not writable")
        started_here = not ray.is_initialized()
        if started_here:
            ray.init(
                address=self.address,
                num_cpus=self.num_cpus if self.address is None else None,
                include_dashboard=False,
                log_to_driver=False,
                ignore_reinit_error=True,
            )
        try:
            remote = ray.remote(num_cpus=1, max_retries=2)(run_chunk)
            items = [
                (sha, args, [{k: r.get(k) for k in _ROW_KEYS} for r in plan.papers_of[sha]])
                for sha, args in plan.tasks
            ]
            size = self.chunk_size
            refs = [
                remote.remote(items[i : i + size], str(out_dir), ctx)
                for i in range(0, len(items), size)
            ]
            while refs:
                done, refs = ray.wait(refs, num_returns=1)
                for ref in done:
                    res = get_result(ray, ref)
                    ingest_parts(store, out_dir, res["parts"])  # recorded as it arrives
                    yield res["outcomes"]
        finally:
            if started_here:
                ray.shutdown()


def extract_ray(
    store: Store,
    cache_dir: str | Path,
    out_dir: str | Path,
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    force: bool = False,
    limits: Limits | None = None,
    progress: bool = True,
    text_cache: bool = True,
) -> ExtractSummary:
    """Extract the store's pending papers on a Ray cluster (or a local Ray instance)."""
    _import_ray()  # a clear error before any work when Ray is not installed
    executor = RayExecutor(Path(out_dir).resolve(), address, num_cpus, chunk_size)
    return run_extraction(
        store,
        Path(cache_dir).resolve(),
        executor,
        force=force,
        progress=progress,
        limits=limits,
        text_cache=text_cache,
    )


def get_result(ray: Any, ref: Any) -> Any:
    """ray.get, re-raising a task's GreenlensError as itself (a one-line CLI error)."""
    from corpus.errors import GreenlensError

    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, GreenlensError):
            raise cause from None
        raise
