"""Whole proceedings at scale: `extract` over 100,000 pages on 2 cores, with peak memory.

Builds a throw-away store whose papers point at the PDFs of ../shared/corpus/pdfs repeated
until --pages pages are reached, each repeat under its own synthetic sha256 (the cache
entry is a symbolic link to the shared file: every repeat is parsed as a new PDF, none is
deduplicated, and no gigabytes are copied). Then runs `extractors.batch.extract_store`
(the `greenlens extract` path: worker pool, page-text cache, batched store writes) with
--workers workers, sampling the resident memory of the whole process tree (driver, fork
server, workers) every half second.

Usage: .venv/bin/python bench/proceedings.py [--pages 100000] [--workers 2] [--redetect]
       (--pages 5000 for a quick run)
The LAST line is: pages=<n> wall_s=<s> pages_per_s=<x> peak_pss_mb=<total> ...
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PDFS = REPO.parent / "shared" / "corpus" / "pdfs"


def _pages(path: Path) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return len(doc)
    finally:
        doc.close()


def _build(root: Path, target_pages: int):
    """A store of fetched papers totalling at least `target_pages` pages."""
    import pyarrow as pa

    from app.wiring import wire
    from corpus.pdfcache import PdfCache
    from corpus.records import Paper
    from corpus.store import Store

    wire()  # every package's tables
    with (PDFS / "manifest.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    sources = [(PDFS / r["file"], _pages(PDFS / r["file"])) for r in rows]
    cache = PdfCache(root / "cache")
    papers, ids, shas, counts = [], [], [], []
    total, i = 0, 0
    while total < target_pages:
        path, pages = sources[i % len(sources)]
        sha = hashlib.sha256(f"{i}:{path.name}".encode()).hexdigest()
        link = cache.path_for(sha)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path)
        pid = f"bench:{i}"
        papers.append(Paper(pid, "bench", "BENCH", 2020, f"paper {i}"))
        ids.append(pid)
        shas.append(sha)
        counts.append(pages)
        total += pages
        i += 1
    store = Store(root / "bench.duckdb")
    store.upsert_papers(papers)
    states = pa.table({"id": ids, "sha": shas, "pages": counts})
    with store.arrow_view("_bench_states", states):
        store.execute(
            "UPDATE papers SET status = 'fetched', pdf_sha256 = s.sha, "
            "pages = s.pages FROM _bench_states s WHERE papers.id = s.id"
        )
    return store, cache.root, len(papers), total


def _tree(root_pid: int) -> list[int]:
    """root_pid and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    out, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _rss_mb(pid: int) -> float:
    """Proportional set size (pages shared after fork counted once overall), else RSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


class _Sampler(threading.Thread):
    """Samples the resident memory of this process tree until stopped."""

    def __init__(self, every_s: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.every_s, self.stop = every_s, threading.Event()
        self.samples: list[tuple[float, float, float, float]] = []  # t, total, driver, max other

    def run(self) -> None:
        t0, me = time.perf_counter(), os.getpid()
        while not self.stop.is_set():
            rss = {pid: _rss_mb(pid) for pid in _tree(me)}
            others = [v for pid, v in rss.items() if pid != me]
            self.samples.append(
                (
                    time.perf_counter() - t0,
                    sum(rss.values()),
                    rss.get(me, 0.0),
                    max(others, default=0.0),
                )
            )
            self.stop.wait(self.every_s)


def _children_cpu() -> float:
    total, tick, me = 0.0, os.sysconf("SC_CLK_TCK"), os.getpid()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            total += sum(int(f) for f in fields[11:15]) / tick
    return total


def _extract(store, cache: Path, workers: int, force: bool) -> dict:
    from extractors.batch import extract_store

    sampler = _Sampler()
    kids0, cpu0, t0 = _children_cpu(), time.process_time(), time.perf_counter()
    sampler.start()
    try:
        s = extract_store(store, cache, workers=workers, progress=False, force=force)
    finally:
        sampler.stop.set()
        sampler.join()
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0 + _children_cpu() - kids0
    return {"s": s, "wall": wall, "cpu": cpu, "samples": sampler.samples}


def _store_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.glob("bench.duckdb*")) / 1e6


def _report(label: str, r: dict, workers: int) -> None:
    s, samples = r["s"], r["samples"]
    print(
        f"{label}: {s.extracted} papers ({s.errors} errors, {s.from_text} from stored "
        f"text), {s.pages} pages in {r['wall']:.1f} s wall = {s.pages / r['wall']:.1f} "
        f"pages/s on {workers} workers; {s.pages / r['cpu']:.1f} pages per CPU-second"
    )
    if samples:
        peak = max(samples, key=lambda x: x[1])
        print(
            f"  memory (PSS) of the process tree: peak {peak[1]:.0f} MB at "
            f"{peak[0]:.0f} s (driver {max(x[2] for x in samples):.0f} MB peak, largest "
            f"worker/fork server {max(x[3] for x in samples):.0f} MB peak)"
        )
        marks = [samples[int(f * (len(samples) - 1))] for f in (0.1, 0.25, 0.5, 0.75, 1.0)]
        print(
            "  over the run (s: total MB): "
            + ", ".join(f"{t:.0f}: {total:.0f}" for t, total, _, _ in marks)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--redetect",
        action="store_true",
        help="then re-extract everything from the stored page text",
    )
    args = parser.parse_args()
    if not PDFS.exists():
        sys.exit(f"needs the real PDFs at {PDFS}")
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    root = Path(tempfile.mkdtemp(prefix="greenlens-proceedings-"))
    try:
        t = time.perf_counter()
        store, cache, n_papers, n_pages = _build(root, args.pages)
        print(f"store built: {n_papers} papers, {n_pages} pages ({time.perf_counter() - t:.1f} s)")
        first = _extract(store, cache, args.workers, force=False)
        _report("extract", first, args.workers)
        text_mb = sum(p.stat().st_size for p in (cache / "pagetext").rglob("*.json.z")) / 1e6
        print(
            f"  page-text cache: {text_mb:.0f} MB ({text_mb / n_pages * 1000:.2f} MB per "
            f"1,000 pages); store {_store_mb(root):.1f} MB (file and its write-ahead log)"
        )
        if args.redetect:
            again = _extract(store, cache, args.workers, force=True)
            _report("re-detection from stored text (extract --force)", again, args.workers)
        store.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    s = first["s"]
    peak = max((x[1] for x in first["samples"]), default=0.0)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    print(
        f"pages={s.pages} wall_s={first['wall']:.1f} pages_per_s={s.pages / first['wall']:.1f} "
        f"pages_per_cpu_s={s.pages / first['cpu']:.1f} peak_pss_mb={peak:.0f} "
        f"errors={s.errors}"
    )


if __name__ == "__main__":
    main()
