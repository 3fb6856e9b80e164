"""How long an author waits: a cold `greenlens check PAPER.pdf` vs a bare pypdfium2 text dump.

Each run is a fresh process (nothing warm in memory): the `greenlens check` console script
on the PDF, and `python -c` importing pypdfium2 and writing every page's text of the same
PDF. They alternate, 5 times each by default, and the medians are compared; `greenlens
--help` is timed the same way. A check keeps derived start-up data on disk for the next
one (extractors.warmcache): one unmeasured check fills a temporary folder first, so
`check_s` is what every check after a user's first takes; the same check with that cache
off (a user's very first) is timed in the same rounds as `check_first_s`. Wall-clock
seconds: on a loaded machine both sides slow down, so the load average is printed beside
them.

Usage: .venv/bin/python bench/check_latency.py [PDF] [--runs N]
The LAST line is: check_s=<median> pdfium_dump_s=<median> ratio=<check/dump> help_s=<median>
check_first_s=<median>
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PDF = REPO.parent / "shared" / "corpus" / "pdfs" / "aaai2017-yu-seqgan.pdf"
_DUMP = (
    "import sys, pypdfium2 as p\n"
    "d = p.PdfDocument(sys.argv[1])\n"
    "for page in d:\n"
    "    sys.stdout.write(page.get_textpage().get_text_range())\n"
)


def _greenlens() -> list[str]:
    script = Path(sys.executable).with_name("greenlens")
    return (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from app.cli import main; main()"]
    )


def _time(cmd: list[str], env: dict[str, str] | None = None) -> float:
    env = {**(env or os.environ), "PYTHONPATH": str(REPO)}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, check=False)
    took = time.perf_counter() - t0
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", nargs="?", type=Path, default=DEFAULT_PDF)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not args.pdf.exists():
        sys.exit(f"no PDF at {args.pdf}")
    check, dump, helps, first = [], [], [], []
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="greenlens-warm-") as warm:
        kept = {**os.environ, "GREENLENS_WARM_CACHE": warm}
        off = {**os.environ, "GREENLENS_WARM_CACHE": "off"}
        _time([*_greenlens(), "check", str(args.pdf)], kept)  # fills the warm cache
        for _ in range(args.runs):
            check.append(_time([*_greenlens(), "check", str(args.pdf)], kept))
            dump.append(_time([sys.executable, "-c", _DUMP, str(args.pdf)]))
            helps.append(_time([*_greenlens(), "--help"]))
            first.append(_time([*_greenlens(), "check", str(args.pdf)], off))
    c, d, h, f = (statistics.median(x) for x in (check, dump, helps, first))
    print(
        f"{args.pdf.name}; load average {load0:.2f} -> {os.getloadavg()[0]:.2f} on "
        f"{os.cpu_count()} cores"
    )
    for name, xs in (
        ("greenlens check (cold)", check),
        ("  warm cache off", first),
        ("pypdfium2 text dump", dump),
        ("greenlens --help", helps),
    ):
        print(
            f"  {name:24s} median {statistics.median(xs):.3f} s (min {min(xs):.3f}, max "
            f"{max(xs):.3f}; {', '.join(f'{x:.3f}' for x in xs)})"
        )
    print(
        f"check_s={c:.3f} pdfium_dump_s={d:.3f} ratio={c / d:.2f} help_s={h:.3f} "
        f"check_first_s={f:.3f}"
    )


if __name__ == "__main__":
    main()
