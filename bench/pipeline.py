"""End-to-end extraction speed: store rows -> cached PDFs -> worker pool -> findings written.

Builds a throw-away store with one `fetched` paper per PDF of ../shared/corpus/pdfs (the
PDFs put into a content-addressed cache, as a crawl leaves them), then times
`extractors.batch.extract_store` (the path `greenlens extract` takes: worker pool start-up,
pickling, the detectors, the store writes). pdfplumber's `extract_text()` alone runs in the
same invocation as the baseline (on fewer papers: it is slow).

"Per core" on the last line = pages / CPU seconds of every process involved (driver, fork
server, workers: /proc accounting), so other jobs on a shared machine do not lower it; the
wall-clock rates (pages/s, papers/s, pages/s per worker) are printed above it.

Usage: .venv/bin/python bench/pipeline.py [--papers N] [--workers W] [--repeat R]
                                          [--plumber-papers M] [--profile]
The LAST line is: pages_per_s_per_core=<float> pdfplumber_pages_per_s_per_core=<float>
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
PDFS = REPO.parent / "shared" / "corpus" / "pdfs"


def _build(root: Path, rows: list[dict], repeat: int):
    """A store with `repeat` papers per PDF (distinct PDFs: one byte appended after %%EOF)."""
    from corpus.pdfcache import PdfCache
    from corpus.records import Paper
    from corpus.store import Store

    cache = PdfCache(root / "cache")
    store = Store(root / "bench.duckdb")
    papers, states = [], []
    for r in range(repeat):
        for i, row in enumerate(rows):
            data = (PDFS / row["file"]).read_bytes()
            if r:  # a distinct file (its own sha256) so each copy is parsed, not deduplicated
                data += b"\n%" + str(r).encode() + b"\n"
            cached = cache.put(data)
            pid = f"bench:{r}:{i}"
            papers.append(Paper(pid, "bench", row.get("venue") or "X",
                                int(row.get("year") or 2020), row.get("title") or pid,
                                abstract=row.get("abstract") or None))
            states.append((pid, cached))
    store.upsert_papers(papers)
    for pid, cached in states:
        store.set_pdf_state(pid, status="fetched", pdf_sha256=cached.sha256,
                            pages=cached.pages)
    return store, cache.root


def _children_cpu() -> float:
    """CPU seconds of this process's reaped descendants as their parents saw them: the
    fork server's reaped workers (cutime+cstime of each direct child, from /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:  # ppid
            total += (int(fields[11]) + int(fields[12]) + int(fields[13])
                      + int(fields[14])) / tick
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=0, help="PDFs to use (default: all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=1,
                        help="papers per PDF (each a distinct file), for a bigger batch")
    parser.add_argument("--plumber-papers", type=int, default=3)
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the driver (parent process) and print its top costs")
    args = parser.parse_args()
    if not PDFS.exists():
        sys.exit(f"needs the real PDFs at {PDFS}")
    with (PDFS / "manifest.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if args.papers:
        rows = rows[:args.papers]

    from extractors.batch import extract_store

    root = Path(tempfile.mkdtemp(prefix="greenlens-bench-"))
    try:
        store, cache = _build(root, rows, args.repeat)
        prof = cProfile.Profile() if args.profile else None
        kids0 = _children_cpu()
        cpu0, t0 = time.process_time(), time.perf_counter()
        if prof:
            prof.enable()
        s = extract_store(store, cache, workers=args.workers, progress=False)
        if prof:
            prof.disable()
        wall, driver_cpu = time.perf_counter() - t0, time.process_time() - cpu0
        workers_cpu = _children_cpu() - kids0
        n_findings = store.scalar("SELECT count(*) FROM findings")
        store.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    per_core = s.pages / wall / args.workers
    total_cpu = driver_cpu + workers_cpu
    print(f"extract_store end to end: {s.extracted} papers ({s.errors} errors), {s.pages} "
          f"pages, {n_findings} finding rows, {args.workers} workers, {wall:.1f} s wall")
    print(f"  wall: {s.pages / wall:.1f} pages/s, {s.extracted / wall:.2f} papers/s, "
          f"{per_core:.1f} pages/s per worker")
    print(f"  CPU: driver {driver_cpu:.1f} s + workers and fork server {workers_cpu:.1f} s "
          f"-> {s.pages / total_cpu if total_cpu else 0:.1f} pages per CPU-second "
          f"(start-up and store writes included; not lowered by other load)")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(15)

    plumber = 0.0
    try:
        import pdfplumber  # noqa: F401
        from extract import _in_child, _plumber

        p_paths = [str(PDFS / r["file"]) for r in rows[:args.plumber_papers]]
        pres = _in_child(_plumber, p_paths)
        plumber = pres["pages"] / pres["cpu"]
        print(f"pdfplumber extract_text only, one process: {len(p_paths)} papers, "
              f"{pres['pages']} pages: {plumber:.1f} pages per CPU-second; wall "
              f"{pres['pages'] / pres['wall']:.1f} pages/s")
    except ImportError:
        print("pdfplumber not installed (pip install 'greenlens[pdfplumber]'): reported as 0")
    print(f"papers_per_s={s.extracted / wall:.2f}")
    cpu_rate = s.pages / total_cpu if total_cpu else 0.0
    print(f"pages_per_s_per_core={cpu_rate:.1f} pdfplumber_pages_per_s_per_core={plumber:.1f}")


if __name__ == "__main__":
    main()
