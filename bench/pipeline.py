"""End-to-end extraction speed: store rows -> cached PDFs -> worker pool -> findings written.

Builds a throw-away store with one `fetched` paper per PDF of ../shared/corpus/pdfs (the
PDFs put into a content-addressed cache, as a crawl leaves them), then times
`extractors.batch.extract_store` (the path `greenlens extract` takes: worker pool start-up,
pickling, the detectors, the store writes). pdfplumber's `extract_text()` alone runs in the
same invocation as the baseline (on fewer papers: it is slow).

"Per core" on the last line = pages / CPU seconds of every process involved (driver, fork
server, workers: /proc accounting), so other jobs on a shared machine do not lower it; the
wall-clock rates (pages/s, papers/s, pages/s per worker) are printed above it.

Re-detection (issue 14 item 2): after the end-to-end runs, `extract` is timed after a
version change of one detector (each of the seven in turn: the one-detector figure of a
round is all their pages over all their CPU seconds), of the target only, and of every
detector; each re-runs only the changed parts from the stored analysed documents
(extractors.pagecache.UnitCache); a small one runs in the driver alone (no fork server or
workers: extractors.batch.LocalPool.inline). The cases alternate within each of `--runs`
rounds. One more case removes that cache first (`--redetect-category` changed, layout and
sentences rebuilt from the page text), to show what the cache saves.

Usage: .venv/bin/python bench/pipeline.py [--papers N] [--workers W] [--repeat R]
                                          [--plumber-papers M] [--profile]
                                          [--redetect-category C]
Before the last line: redetect_target_only_pages_per_s_per_core=<float>,
redetect_every_detector_pages_per_s_per_core=<float>, then
redetect_pages_per_s_per_core=<float: one detector changed, each in turn>
text_cache_mb_per_1000_pages=<float: page text + analysed documents>.
The LAST line is: pages_per_s_per_core=<float> pdfplumber_pages_per_s_per_core=<float>
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import dataclasses
import multiprocessing
import os
import pstats
import shutil
import statistics
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
    from app.wiring import wire
    from corpus.pdfcache import PdfCache
    from corpus.records import Paper
    from corpus.store import Store

    wire()  # every package's tables

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
            papers.append(
                Paper(
                    pid,
                    "bench",
                    row.get("venue") or "X",
                    int(row.get("year") or 2020),
                    row.get("title") or pid,
                    abstract=row.get("abstract") or None,
                )
            )
            states.append((pid, cached))
    store.upsert_papers(papers)
    for pid, cached in states:
        store.set_pdf_state(pid, status="fetched", pdf_sha256=cached.sha256, pages=cached.pages)
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
            total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick
    return total


def _stage_profile(paths: list[str], queue) -> None:
    """CPU seconds per stage over `paths`, in this (fresh, warmed-up) process."""
    import pypdfium2 as pdfium

    import extractors.layout as layout
    import extractors.warm  # noqa: F401 - what a worker has loaded before its first PDF
    from extractors.detectors import DETECTORS
    from extractors.extract_pdf import _target, analyse_document  # _target: as analysed
    from extractors.pdftext import read_pdf

    clock = time.process_time
    cpu = dict.fromkeys(
        [
            "pdf open",
            "pdfium text",
            "pdf layer rest",
            "layout/sections",
            "sentences",
            *DETECTORS,
            "rest of analysis",
            "target",
        ],
        0.0,
    )
    split = layout.split_sentences

    def timed_split(text):
        t = clock()
        try:
            return split(text)
        finally:
            cpu["sentences"] += clock() - t

    analyse_document(layout.build_document(read_pdf(paths[0])))  # warm caches
    layout.split_sentences = timed_split
    pages = 0
    try:
        for path in paths:
            t0 = clock()
            doc = pdfium.PdfDocument(path)
            n = len(doc)
            t1 = clock()
            for i in range(n):
                page = doc[i]
                textpage = page.get_textpage()
                textpage.get_text_range()
                textpage.close()
                page.close()
            doc.close()
            t2 = clock()
            raw = read_pdf(path)
            t3 = clock()
            sentences_before = cpu["sentences"]
            d = layout.build_document(raw)
            t4 = clock()
            detectors = 0.0
            for name, detect in DETECTORS.items():
                t = clock()
                detect(d.units)
                cpu[name] += clock() - t
                detectors += clock() - t
            t = clock()
            _target(d.title, d.abstract, d.introduction, doc=d)
            target = clock() - t
            # a new units tuple: the detectors' shared TextIndex (common.unit_index) is built
            # again inside, as in a worker, not reused from the per-detector runs above
            d = dataclasses.replace(d, units=tuple(list(d.units)))
            t = clock()
            analyse_document(d)
            whole = clock() - t
            cpu["pdf open"] += t1 - t0
            cpu["pdfium text"] += t2 - t1
            cpu["pdf layer rest"] += max(0.0, (t3 - t2) - (t2 - t0))
            cpu["layout/sections"] += (t4 - t3) - (cpu["sentences"] - sentences_before)
            cpu["target"] += target
            cpu["rest of analysis"] += max(0.0, whole - detectors - target)
            pages += n
    finally:
        layout.split_sentences = split
    queue.put({"pages": pages, "cpu": cpu})


def _in_child(target, paths: list[str]) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(paths, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def _timed_flushes(totals: dict):
    """Wrap BatchWriter.flush to add up its CPU and wall seconds (the store writes)."""
    from extractors import sink

    original = sink.BatchWriter.flush

    def flush(self):
        c, w = time.process_time(), time.perf_counter()
        try:
            return original(self)
        finally:
            totals["cpu"] += time.process_time() - c
            totals["wall"] += time.perf_counter() - w

    sink.BatchWriter.flush = flush
    return original


def _run(store, cache: Path, workers: int, prof=None, force: bool = True) -> dict:
    """One extract_store run (--force by default); CPU of every process involved, wall,
    summary."""
    from extractors.batch import extract_store

    kids0 = _children_cpu()
    cpu0, t0 = time.process_time(), time.perf_counter()
    if prof:
        prof.enable()
    s = extract_store(store, cache, workers=workers, progress=False, force=force)
    if prof:
        prof.disable()
    wall, driver = time.perf_counter() - t0, time.process_time() - cpu0
    kids = _children_cpu() - kids0
    return {
        "s": s,
        "wall": wall,
        "driver": driver,
        "workers": kids,
        "rate": s.pages / (driver + kids) if driver + kids else 0.0,
    }


def _redetect(store, cache: Path, workers: int, categories, target: bool, tag: str) -> dict:
    """One `extract` run after a version change of `categories` (and the target): the
    current versions are those of this installation with a suffix `tag` on the changed
    parts, so the store's rows of those parts are stale and only they are re-run."""
    from extractors import runner

    current = runner.current_versions
    versions, tversion = current()
    # the store as this installation left it: every part current (an earlier case's
    # change undone), so that only the parts changed below are stale
    for category, version in versions.items():
        store.execute(
            "UPDATE findings SET category_version = ? WHERE category = ?", [version, category]
        )
    store.execute("UPDATE extractions SET target_version = ?", [tversion])
    bumped = {c: v + (f"+{tag}" if c in categories else "") for c, v in versions.items()}
    runner.current_versions = lambda: (dict(bumped), tversion + (f"+{tag}" if target else ""))
    try:
        r = _run(store, cache, workers, force=False)
    finally:
        runner.current_versions = current
    s = r["s"]
    expected = set(categories) | ({"target"} if target else set())
    if s.redetected != s.extracted or s.from_text != s.extracted or set(s.rerun) != expected:
        raise SystemExit(f"re-detection ran other work than {sorted(expected)}: {s}")
    return r


def _pooled(results: list[dict]) -> dict:
    """Several runs as one: their pages over their CPU seconds (the median-run fields of
    the first)."""
    pages = sum(x["s"].pages for x in results)
    cpu = sum(x["driver"] + x["workers"] for x in results)
    return {**results[0], "rate": pages / cpu if cpu else 0.0}


def _spread(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.1f} (min {min(values):.1f}, max "
        f"{max(values):.1f}, runs: {', '.join(f'{v:.1f}' for v in values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=0, help="PDFs to use (default: all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="papers per PDF (each a distinct file), for a bigger batch",
    )
    parser.add_argument("--runs", type=int, default=3, help="end-to-end runs (default 3)")
    parser.add_argument("--plumber-papers", type=int, default=3)
    parser.add_argument(
        "--redetect-category",
        default="training_curve",
        help="the detector changed in the re-detection timed without the analysed-document "
        "cache (default: training_curve, the costliest rule detector)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the driver (parent process) and print its top costs",
    )
    args = parser.parse_args()
    if not PDFS.exists():
        sys.exit(f"needs the real PDFs at {PDFS}")
    with (PDFS / "manifest.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if args.papers:
        rows = rows[: args.papers]
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    from extractors.pagecache import PageCache, UnitCache

    root = Path(tempfile.mkdtemp(prefix="greenlens-bench-"))
    writes = {"cpu": 0.0, "wall": 0.0}
    original_flush = _timed_flushes(writes)
    try:
        store, cache = _build(root, rows, args.repeat)
        prof = cProfile.Profile() if args.profile else None
        runs = []
        for _ in range(max(1, args.runs)):
            shutil.rmtree(cache / "pagetext", ignore_errors=True)  # parse every PDF
            runs.append(_run(store, cache, args.workers, prof))
        writes_per_run = {k: v / len(runs) for k, v in writes.items()}
        text_bytes = PageCache(cache).size_bytes()
        unit_bytes = UnitCache(cache).size_bytes()
        from extractors.detectors import DETECTORS

        one = "one detector changed"
        cases = {  # one run of each case per round; the rounds repeat (shared, noisy load)
            **{f"{one}: {d}": ((d,), False) for d in DETECTORS},
            "target only changed": ((), True),
            "every detector changed": (tuple(DETECTORS), False),
        }
        redet: dict[str, list[dict]] = {name: [] for name in cases}
        for i in range(max(1, args.runs)):
            for name, (cats, target) in cases.items():
                redet[name].append(_redetect(store, cache, args.workers, cats, target, f"b{i}"))
        # a round's one-detector figure: each detector changed once, pages / CPU over all
        redet[f"{one} (each in turn)"] = [
            _pooled([redet[f"{one}: {d}"][i] for d in DETECTORS]) for i in range(max(1, args.runs))
        ]
        rebuilt = []  # units cache gone: layout and sentences rebuilt from the page text
        for i in range(max(1, args.runs)):
            shutil.rmtree(UnitCache(cache).dir, ignore_errors=True)
            rebuilt.append(
                _redetect(store, cache, args.workers, (args.redetect_category,), False, f"r{i}")
            )
        n_findings = store.scalar("SELECT count(*) FROM findings")
        store.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
        from extractors import sink

        sink.BatchWriter.flush = original_flush
    r = sorted(runs, key=lambda x: x["rate"])[len(runs) // 2]  # the median run
    s, wall = r["s"], r["wall"]
    print(
        f"extract_store end to end: {s.extracted} papers ({s.errors} errors), {s.pages} "
        f"pages, {n_findings} finding rows, {args.workers} workers; median run "
        f"{wall:.1f} s wall"
    )
    print(
        f"  wall: {s.pages / wall:.1f} pages/s, {s.extracted / wall:.2f} papers/s, "
        f"{s.pages / wall / args.workers:.1f} pages/s per worker"
    )
    print(
        f"  CPU: driver {r['driver']:.1f} s + workers and fork server {r['workers']:.1f} s "
        f"-> {r['rate']:.1f} pages per CPU-second (start-up and store writes included; "
        f"not lowered by other load)"
    )
    print(f"  pages per CPU-second over {len(runs)} runs: {_spread([x['rate'] for x in runs])}")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(15)

    paths = [str(PDFS / row["file"]) for row in rows]
    stages = _in_child(_stage_profile, paths)
    pages, cpu = stages["pages"], stages["cpu"]
    print(
        f"per stage, CPU ms per page (one process, {len(paths)} papers, {pages} pages; "
        f"store writes from the driver of the runs above):"
    )
    cpu_ms = {k: 1000 * v / pages for k, v in cpu.items()}
    cpu_ms["store writes"] = 1000 * writes_per_run["cpu"] / s.pages if s.pages else 0.0
    total = sum(cpu_ms.values())
    for name, ms in cpu_ms.items():
        print(f"  {name:16s} {ms:6.3f} ms/page  {100 * ms / total:5.1f}%")
    print(
        f"  {'total':16s} {total:6.3f} ms/page -> {1000 / total:.1f} pages per CPU-second "
        f"in one process, without pool start-up"
    )
    pdfium = pages / (cpu["pdf open"] + cpu["pdfium text"])
    print(
        f"pypdfium2 text alone (open + get_text_range of every page), same process: "
        f"{pdfium:.1f} pages per CPU-second; pipeline / pdfium = {r['rate'] / pdfium:.2f}"
    )

    print(
        "re-detection from stored analysed documents (extract after a version change; no "
        "PDF opened, no layout rebuilt; only the changed parts re-run), pages per CPU-second:"
    )
    medians = {}
    for name, results in redet.items():
        rates = [x["rate"] for x in results]
        medians[name] = statistics.median(rates)
        mid = sorted(results, key=lambda x: x["rate"])[len(results) // 2]
        wall_note = (
            ""
            if name.endswith("(each in turn)")
            else f"; wall {mid['s'].pages / mid['wall']:.1f} pages/s"
        )
        print(f"  {name}: {_spread(rates)}{wall_note}, {mid['s'].redetected} papers")
    print(
        f"  one detector changed ({args.redetect_category}), units cache removed (layout and "
        f"sentences rebuilt from the page text): {_spread([x['rate'] for x in rebuilt])}"
    )
    print(
        f"page-text cache on disk: {text_bytes / 1e6:.1f} MB for {s.pages} pages = "
        f"{text_bytes / s.pages * 1000 / 1e6:.2f} MB per 1,000 pages; analysed-document "
        f"(units) cache {unit_bytes / s.pages * 1000 / 1e6:.2f} MB per 1,000 pages"
    )
    one_rate = medians["one detector changed (each in turn)"]
    target_only, every = medians["target only changed"], medians["every detector changed"]

    plumber = 0.0
    try:
        import pdfplumber  # noqa: F401
        from extract import _in_child as _plumber_child
        from extract import _plumber

        p_paths = [str(PDFS / r["file"]) for r in rows[: args.plumber_papers]]
        pres = _plumber_child(_plumber, p_paths)
        plumber = pres["pages"] / pres["cpu"]
        print(
            f"pdfplumber extract_text only, one process: {len(p_paths)} papers, "
            f"{pres['pages']} pages: {plumber:.1f} pages per CPU-second; wall "
            f"{pres['pages'] / pres['wall']:.1f} pages/s"
        )
    except ImportError:
        print("pdfplumber not installed (pip install 'greenlens[pdfplumber]'): reported as 0")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    print(f"papers_per_s={s.extracted / wall:.2f}")
    print(f"redetect_target_only_pages_per_s_per_core={target_only:.1f}")
    print(f"redetect_every_detector_pages_per_s_per_core={every:.1f}")
    print(
        f"redetect_pages_per_s_per_core={one_rate:.1f} "
        f"text_cache_mb_per_1000_pages={(text_bytes + unit_bytes) / s.pages * 1000 / 1e6:.2f}"
    )
    print(
        f"pages_per_s_per_core={r['rate']:.1f} pdfplumber_pages_per_s_per_core={plumber:.1f} "
        f"pdfium_text_pages_per_s_per_core={pdfium:.1f}"
    )


if __name__ == "__main__":
    main()
