"""Cost of the misclassification-adjusted shares on a table of 100 venue-years.

Times, with the shipped gold error rates, the adjusted target shares of 100 cells (Figure 2
measures, full text + abstract parts, as `trends --kind figure2 --source both` and the
report compute them) and the Rogan-Gladen shares of 100 cells x 7 categories (as
`trends --kind shares`). Prints the median and range of 5 runs of each, in seconds per
table and milliseconds per cell. Cell counts are drawn from a fixed seed.

Usage: .venv/bin/python bench/adjusted_cells.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.adjusted import adjusted_binary, adjusted_targets  # noqa: E402
from analysis.figure2 import GROUPS  # noqa: E402
from extractors.error_rates import load_error_rates  # noqa: E402
from extractors.schema import CATEGORIES, TARGETS  # noqa: E402
from extractors.target import METHOD  # noqa: E402

CELLS = 100


def _runs(fn, repeat: int = 5) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    """Print the timings."""
    rates = load_error_rates()
    if not {"fulltext", "abstract"} <= set(rates):
        sys.exit("no shipped error rates for both text sources: run `greenlens gold error-rates`")
    fv = rates["fulltext"]["version"]
    rng = np.random.default_rng(0)
    cells = []
    for i in range(CELLS):
        full = rng.multinomial(rng.integers(5, 40), [0.55, 0.1, 0.1, 0.25])
        abst = rng.multinomial(rng.integers(200, 1500), [0.55, 0.1, 0.1, 0.25])
        cells.append(
            (
                f"V{i % 13}",
                2012 + i // 13,
                [
                    ("fulltext", fv, dict(zip(TARGETS, map(int, full), strict=True))),
                    ("abstract", METHOD, dict(zip(TARGETS, map(int, abst), strict=True))),
                ],
            )
        )

    def targets() -> None:
        for venue, year, parts in cells:
            adjusted_targets(venue, year, parts, GROUPS)

    def binary() -> None:
        for venue, year, parts in cells:
            n = sum(parts[0][2].values())
            for c in CATEGORIES:
                adjusted_binary(venue, year, c, n // 4, n, fv)

    for name, fn in (("target, 2 text sources", targets), ("7 binary categories", binary)):
        runs = _runs(fn)
        print(
            f"{name}: {statistics.median(runs):.2f} s per {CELLS}-cell table "
            f"(range {min(runs):.2f}-{max(runs):.2f}, 5 runs), "
            f"{1e3 * statistics.median(runs) / CELLS:.1f} ms per cell"
        )


if __name__ == "__main__":
    main()
