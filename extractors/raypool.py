"""`greenlens extract --executor ray`: the same extraction as a batch of Ray tasks.

The driver plans the work from the store (as the local pool does), sends chunks of PDFs
to Ray tasks, and each task runs them through `extractors.isolate` (the same per-PDF time
and memory limits, in a worker process of its own) and writes Parquet parts
(extractors.parts) to the results directory. As each task finishes the driver ingests its
parts into the store; `greenlens ingest-results DIR` does the same for parts left by a
driver that died. Ray is optional: `pip install 'greenlens[ray]'`.

On a cluster every node must see the PDF cache and the results directory at the same path
(a shared file system) and have greenlens installed; see docs/scale.md.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

from corpus.errors import ConfigError, PDFError
from corpus.store import Store
from extractors.batch import EXTRACTOR_VERSION, ExtractSummary, missing_error, plan
from extractors.isolate import Limits
from extractors.parts import chunk_id, ingest_parts
from extractors.sink import BatchWriter

DEFAULT_CHUNK = 16  # PDFs per Ray task: enough to amortise a task's worker start-up


def _import_ray():
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--executor ray needs Ray: pip install 'greenlens[ray]'") from exc
    return ray


def run_chunk(items: list[tuple], out_dir: str, version: str, limits: Limits) -> dict:
    """Analyse one chunk of PDFs and write its parts (runs inside a Ray task).

    `items`: (sha256, path, title, abstract, [(paper_id, venue, year), ...]).
    """
    from extractors.extract_pdf import PaperAnalysis, analyse_pdf
    from extractors.isolate import run_isolated
    from extractors.parts import write_parts
    from extractors.sink import analysis_rows, error_row

    if items and not any(os.path.exists(i[1]) for i in items):
        import socket

        raise ConfigError(f"Ray node {socket.gethostname()} sees none of this chunk's PDFs "
                          f"(e.g. {items[0][1]}): put the PDF cache on a file system every "
                          f"node mounts at the same path (docs/scale.md)")
    tasks = [(sha, (path, title, abstract)) for sha, path, title, abstract, _ in items]
    papers = {sha: ps for sha, *_, ps in items}
    where = {pid: (venue, year) for *_, ps in items for pid, venue, year in ps}
    extractions, findings = [], []
    counts: Counter[str] = Counter()
    pages = 0
    for sha, result in run_isolated(analyse_pdf, tasks, workers=1, limits=limits):
        for pid, _, _ in papers[sha]:
            if isinstance(result, PaperAnalysis):
                ext, fnd = analysis_rows(pid, result, version)
                findings.extend(fnd)
                counts["extracted"] += 1
                pages += result.pages
            else:
                err = result if isinstance(result, PDFError) else PDFError(str(result))
                ext = error_row(pid, err, version)
                counts["error:" + getattr(err, "reason", "corrupt")] += 1
            extractions.append(ext)
    parts = write_parts(out_dir, chunk_id([i[0] for i in items]), extractions, findings,
                        where)
    return {"parts": parts, "counts": dict(counts), "pages": pages}


def extract_ray(store: Store, cache_dir: str | Path, out_dir: str | Path, *,
                address: str | None = None, num_cpus: int | None = None,
                chunk_size: int = DEFAULT_CHUNK, force: bool = False,
                limits: Limits | None = None, progress: bool = True) -> ExtractSummary:
    """Extract the store's pending papers on a Ray cluster (or a local Ray instance)."""
    ray = _import_ray()
    limits = limits or Limits()
    version = EXTRACTOR_VERSION
    started = time.perf_counter()
    out_dir = Path(out_dir).resolve()
    cache_dir = Path(cache_dir).resolve()
    rows, todo, tasks, papers_of, missing = plan(store, cache_dir, force=force)
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    writer = BatchWriter(store)
    for row in missing:
        err = missing_error(cache_dir, row)
        writer.add_error(row["id"], err, version)
        counts["errors"] += 1
        reasons[err.reason] += 1
    writer.flush()
    pages = 0
    if tasks:
        out_dir.mkdir(parents=True, exist_ok=True)
        if not os.access(out_dir, os.W_OK):
            raise ConfigError(f"results directory {out_dir} is not writable")
        started_here = not ray.is_initialized()
        if started_here:
            ray.init(address=address, num_cpus=num_cpus if address is None else None,
                     include_dashboard=False, log_to_driver=False,
                     ignore_reinit_error=True)
        try:
            remote = ray.remote(num_cpus=1, max_retries=2)(run_chunk)
            items = [(sha, args[0], args[1], args[2],
                      [(r["id"], r["venue"], r["year"]) for r in papers_of[sha]])
                     for sha, args in tasks]
            refs = [remote.remote(items[i:i + chunk_size], str(out_dir), version, limits)
                    for i in range(0, len(items), chunk_size)]
            bar = _bar(len(refs), progress)
            while refs:
                done, refs = ray.wait(refs, num_returns=1)
                for ref in done:
                    res = get_result(ray, ref)
                    ingest_parts(store, out_dir, res["parts"])  # recorded as it arrives
                    pages += res["pages"]
                    for key, n in res["counts"].items():
                        if key == "extracted":
                            counts["extracted"] += n
                        else:
                            counts["errors"] += n
                            reasons[key.split(":", 1)[1]] += n
                    bar.update(1)
            bar.close()
        finally:
            if started_here:
                ray.shutdown()
    return ExtractSummary(version, len(rows), counts["extracted"], len(rows) - len(todo),
                          counts["errors"], pages, time.perf_counter() - started,
                          dict(reasons))


def get_result(ray, ref):
    """ray.get, re-raising a task's GreenlensError as itself (a one-line CLI error)."""
    from corpus.errors import GreenlensError

    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, GreenlensError):
            raise cause from None
        raise


def _bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="chunk", desc="extract (ray)",
                disable=not enabled or total == 0)
