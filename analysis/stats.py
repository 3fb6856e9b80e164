"""Statistics used by the analysis: Wilson score intervals and a one-predictor logistic fit.

Pure functions of counts; no database access here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats as sps

Z95 = float(sps.norm.ppf(0.975))  # 1.959963984540054
INTERVAL_METHOD = "Wilson score 95%"


def wilson(k: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """Wilson score interval for k successes in n trials; (None, None) when n == 0."""
    if n <= 0:
        return None, None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    # exact at the edges (rounding can leave 1 - 1e-16 when k == n)
    return (0.0 if k == 0 else min(lo, p)), (1.0 if k == n else max(hi, p))


@dataclass(frozen=True)
class TrendFit:
    """Logistic regression of reported (0/1) on year: slope in log-odds per year.

    `slope`, `ci_low`, `ci_high` (Wald 95%) and `p_value` (Wald z test of slope = 0) are
    None when the fit is not possible; `reason` then says why ("n/a: ...").
    `odds_ratio` is exp(slope): the multiplicative change in the odds per year.
    """

    n: int
    k: int
    years: int
    slope: float | None = None
    se: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    iterations: int = 0
    reason: str = ""

    @property
    def odds_ratio(self) -> float | None:
        """exp(slope), the change in the odds of reporting per year."""
        return math.exp(self.slope) if self.slope is not None else None


def _separation(years: np.ndarray, k: np.ndarray, n: np.ndarray) -> str | None:
    """A reason when reporting is (quasi-)completely separated by year, else None."""
    with_yes = years[k > 0]
    with_no = years[k < n]
    if with_yes.size == 0 or with_no.size == 0:
        return None
    if with_yes.max() <= with_no.min() or with_no.max() <= with_yes.min():
        return (
            "n/a: perfect separation (every year up to some point has no reporting paper "
            "and every later year only reporting ones, or the reverse); the maximum-"
            "likelihood slope is infinite"
        )
    return None


def logistic_trend(
    years: Sequence[int],
    k: Sequence[int],
    n: Sequence[int],
    *,
    max_iter: int = 50,
    tol: float = 1e-10,
) -> TrendFit:
    """Fit logit P(reported) = a + b (year - mean year) by Newton-Raphson (IRLS) on
    grouped binomial counts: k[i] of n[i] papers in years[i] report the category."""
    y = np.asarray(years, dtype=float)
    kk = np.asarray(k, dtype=float)
    nn = np.asarray(n, dtype=float)
    keep = nn > 0
    y, kk, nn = y[keep], kk[keep], nn[keep]
    total_n, total_k = int(nn.sum()), int(kk.sum())
    base = TrendFit(n=total_n, k=total_k, years=int(np.unique(y).size))
    if total_n == 0:
        return replace(base, reason="n/a: no papers")
    if np.unique(y).size < 2:
        return replace(
            base, reason="n/a: papers from a single year only; a trend needs at least two years"
        )
    if total_k == 0:
        return replace(base, reason="n/a: no paper reports it (all 0); slope undefined")
    if total_k == total_n:
        return replace(base, reason="n/a: every paper reports it (all 1); slope undefined")
    sep = _separation(y, kk, nn)
    if sep:
        return replace(base, reason=sep)
    x = y - (y * nn).sum() / nn.sum()
    X = np.column_stack([np.ones_like(x), x])
    p0 = total_k / total_n
    beta = np.array([math.log(p0 / (1 - p0)), 0.0])
    for it in range(1, max_iter + 1):
        eta = X @ beta
        mu = 1 / (1 + np.exp(-eta))
        w = nn * mu * (1 - mu)
        grad = X.T @ (kk - nn * mu)
        info = X.T @ (X * w[:, None])
        step = np.linalg.solve(info, grad)
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            break
    else:
        return replace(
            base,
            iterations=max_iter,
            reason="n/a: Newton-Raphson did not converge (near separation)",
        )
    mu = 1 / (1 + np.exp(-(X @ beta)))
    info = X.T @ (X * (nn * mu * (1 - mu))[:, None])
    cov = np.linalg.inv(info)
    slope, se = float(beta[1]), float(math.sqrt(cov[1, 1]))
    z = slope / se
    return replace(
        base,
        slope=slope,
        se=se,
        ci_low=slope - Z95 * se,
        ci_high=slope + Z95 * se,
        p_value=float(2 * sps.norm.sf(abs(z))),
        iterations=it,
    )
