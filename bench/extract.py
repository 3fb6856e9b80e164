"""Whole-pipeline speed: PDF -> findings in one worker process, pages per second per core.

Runs the same steps as a `greenlens extract` worker (pypdfium2 text, layout, the seven
detectors, the target classifier) over papers of ../shared/corpus/pdfs in ONE child
process, timing each stage, and pdfplumber-only text extraction (the usual alternative)
in the same run on fewer papers (it is ~40x slower). Figures are per CPU-second of that
process (time.process_time), so other load on the machine does not lower them; wall-clock
figures are printed too.

Usage: .venv/bin/python bench/extract.py [--papers N | --all] [--plumber-papers M]
The LAST line is: pages_per_s_per_core=<float> pdfplumber_pages_per_s_per_core=<float>
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PDFS = REPO.parent / "shared" / "corpus" / "pdfs"


def _pipeline(paths: list[str], queue) -> None:
    import extractors.warm  # noqa: F401 - what a worker has loaded before its first PDF
    from extractors.extract_pdf import analyse_document
    from extractors.layout import build_document
    from extractors.pdftext import read_pdf

    analyse_document(build_document(read_pdf(paths[0])))
    cpu = {"read": 0.0, "layout": 0.0, "analyse": 0.0}
    pages = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for path in paths:
        t0 = time.process_time()
        raw = read_pdf(path)
        t1 = time.process_time()
        doc = build_document(raw)
        t2 = time.process_time()
        analyse_document(doc)
        t3 = time.process_time()
        cpu["read"] += t1 - t0
        cpu["layout"] += t2 - t1
        cpu["analyse"] += t3 - t2
        pages += doc.pages
    queue.put(
        {
            "pages": pages,
            "cpu": time.process_time() - cpu0,
            "wall": time.perf_counter() - wall0,
            "stages": cpu,
        }
    )


def _detector_profile(paths: list[str], queue) -> None:
    import extractors.warm  # noqa: F401 - spaCy tokenizer, target model
    from extractors.detectors import DETECTORS
    from extractors.extract_pdf import _target as predict_target  # as analysed
    from extractors.layout import build_document
    from extractors.pdftext import read_pdf

    docs = [build_document(read_pdf(p)) for p in paths]
    out = {}
    for name, detect in DETECTORS.items():
        t = time.process_time()
        for d in docs:
            detect(d.units)
        out[name] = time.process_time() - t
    t = time.process_time()
    for d in docs:
        predict_target(d.title, d.abstract, d.introduction, doc=d)
    out["target"] = time.process_time() - t
    queue.put({"pages": sum(d.pages for d in docs), "per_detector": out})


def _plumber(paths: list[str], queue) -> None:
    import pdfplumber

    pages = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                pages += 1
    queue.put(
        {"pages": pages, "cpu": time.process_time() - cpu0, "wall": time.perf_counter() - wall0}
    )


def _in_child(target, paths: list[str]) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(paths, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=20, help="papers to run (default 20)")
    parser.add_argument("--all", action="store_true", help="every paper in the corpus")
    parser.add_argument(
        "--plumber-papers", type=int, default=3, help="papers for pdfplumber (default 3)"
    )
    parser.add_argument("--profile", action="store_true", help="time each detector too")
    args = parser.parse_args()
    if not PDFS.exists():
        sys.exit(f"needs the real PDFs at {PDFS}")
    with (PDFS / "manifest.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # interleave the PMLR sample and the well-known papers so a subset holds both
    pmlr = [r for r in rows if r["file"].startswith("mirror/")]
    other = [r for r in rows if not r["file"].startswith("mirror/")]
    mixed = [r for pair in zip(pmlr, other) for r in pair]
    mixed += pmlr[len(other) :] + other[len(pmlr) :]
    chosen = mixed if args.all else mixed[: args.papers]
    paths = [str(PDFS / r["file"]) for r in chosen]

    res = _in_child(_pipeline, paths)
    per_core = res["pages"] / res["cpu"]
    print(
        f"pipeline (pypdfium2 + layout + 7 detectors + target), one process: "
        f"{len(paths)} papers, {res['pages']} pages"
    )
    print(f"  {per_core:.1f} pages per CPU-second; wall {res['pages'] / res['wall']:.1f} pages/s")
    for stage, sec in res["stages"].items():
        print(
            f"  {stage:8s} {1000 * sec / res['pages']:6.2f} ms/page "
            f"({100 * sec / sum(res['stages'].values()):.0f}%)"
        )
    if args.profile:
        prof = _in_child(_detector_profile, paths)
        for name, sec in sorted(prof["per_detector"].items(), key=lambda x: -x[1]):
            print(f"    {name:15s} {1000 * sec / prof['pages']:6.2f} ms/page")

    plumber = 0.0
    try:
        import pdfplumber  # noqa: F401

        p_paths = paths[: args.plumber_papers]
        pres = _in_child(_plumber, p_paths)
        plumber = pres["pages"] / pres["cpu"]
        print(
            f"pdfplumber extract_text only, one process: {len(p_paths)} papers, "
            f"{pres['pages']} pages (fewer: it is slow): {plumber:.1f} pages per "
            f"CPU-second; wall {pres['pages'] / pres['wall']:.1f} pages/s"
        )
    except ImportError:
        print("pdfplumber not installed (pip install 'greenlens[pdfplumber]'): reported as 0")
    print(f"pages_per_s_per_core={per_core:.1f} pdfplumber_pages_per_s_per_core={plumber:.1f}")


if __name__ == "__main__":
    main()
