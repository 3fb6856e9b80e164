"""analysis.stats (hand-written Wilson and IRLS logistic trend) against statsmodels.

Prints, for the trend test on the real trends inputs of every category (the per-year
counts of the store given with --db, or a seeded synthetic set when there is none) and
for Wilson intervals over every (k, n) with n <= 200: the largest absolute difference of
each figure, the time per call of each implementation (median of 5 runs), and the import
time of each (fresh interpreter). statsmodels is optional; without it the script says so.

Usage: .venv/bin/python bench/stats_libraries.py [--db greenlens.duckdb]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.stats import Z95, logistic_trend, wilson  # noqa: E402


def _timed(fn, repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def _import_s(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(3)
    ]
    return statistics.median(runs)


def _inputs(db: Path | None) -> list[tuple[list[int], list[int], list[int]]]:
    if db is not None and db.exists():
        from analysis.db import Filters
        from analysis.shares import category_shares
        from corpus.store import Store

        with Store(db, read_only=True) as store:
            rows = category_shares(store, Filters(pool_venues=True))
        by_cat: dict[str, tuple[list, list, list]] = {}
        for r in rows:
            ys, ks, ns = by_cat.setdefault(r.category, ([], [], []))
            ys.append(r.year), ks.append(r.k), ns.append(r.n)
        return list(by_cat.values())
    rng = np.random.default_rng(0)
    out = []
    for _ in range(50):
        years = list(range(2015, 2025))
        n = rng.integers(20, 400, size=len(years))
        p = 1 / (1 + np.exp(-(-1.5 + 0.15 * (np.array(years) - 2019))))
        out.append((years, [int(x) for x in rng.binomial(n, p)], [int(x) for x in n]))
    return out


def _sm_trend(years, k, n):
    import statsmodels.api as sm

    y, kk, nn = (np.asarray(a, dtype=float) for a in (years, k, n))
    x = y - (y * nn).sum() / nn.sum()
    fit = sm.GLM(
        np.column_stack([kk, nn - kk]), sm.add_constant(x), family=sm.families.Binomial()
    ).fit()
    return float(fit.params[1]), float(fit.bse[1]), float(fit.pvalues[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=None)
    args = ap.parse_args()
    inputs = _inputs(args.db)
    pairs = [(k, n) for n in range(1, 201) for k in range(n + 1)]
    print(
        f"{len(inputs)} trend inputs ({'store ' + str(args.db) if args.db else 'synthetic'}), "
        f"{len(pairs)} Wilson (k, n) pairs"
    )
    ours_t = _timed(lambda: [logistic_trend(*i) for i in inputs]) / len(inputs)
    ours_w = _timed(lambda: [wilson(k, n) for k, n in pairs]) / len(pairs)
    print(
        f"greenlens: trend {ours_t * 1e3:.3f} ms/call, wilson {ours_w * 1e6:.2f} us/call, "
        f"import analysis.stats {_import_s('analysis.stats'):.3f} s"
    )
    try:
        import statsmodels.api  # noqa: F401
        from statsmodels.stats.proportion import proportion_confint
    except ImportError:
        print("statsmodels: not installed (pip install statsmodels to compare)")
        return
    d_slope = d_se = d_p = 0.0
    for i in inputs:
        fit = logistic_trend(*i)
        if fit.slope is None:
            continue
        s, se, p = _sm_trend(*i)
        d_slope, d_se = max(d_slope, abs(s - fit.slope)), max(d_se, abs(se - fit.se))
        d_p = max(d_p, abs(p - fit.p_value))
    d_w = 0.0
    for k, n in pairs:
        lo, hi = wilson(k, n)
        slo, shi = proportion_confint(k, n, alpha=1 - 0.95, method="wilson")
        d_w = max(d_w, abs(lo - slo), abs(hi - shi))
    sm_t = _timed(lambda: [_sm_trend(*i) for i in inputs]) / len(inputs)
    sm_w = _timed(
        lambda: [proportion_confint(k, n, alpha=0.05, method="wilson") for k, n in pairs]
    ) / len(pairs)
    print(
        f"statsmodels: trend {sm_t * 1e3:.3f} ms/call, wilson {sm_w * 1e6:.2f} us/call, "
        f"import statsmodels.api {_import_s('statsmodels.api'):.3f} s"
    )
    print(
        f"largest difference: slope {d_slope:.2e}, se {d_se:.2e}, p {d_p:.2e}, "
        f"Wilson bound {d_w:.2e} (z = {Z95:.15f})"
    )


if __name__ == "__main__":
    main()
