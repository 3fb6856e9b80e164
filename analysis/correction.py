"""Misclassification-adjusted shares and their bootstrap intervals.

A share computed from an imperfect extractor is biased: with sensitivity `se` and
specificity `sp`, the observed share is p_obs = se * p + (1 - sp) * (1 - p). Binary
categories are corrected with the Rogan-Gladen estimator, p = (p_obs + sp - 1) /
(se + sp - 1); the target (four classes) by adjusted classify-and-count: the observed
prediction distribution q = M^T p, M[i, j] = P(predicted j | true i), solved for p on the
simplex. Intervals are 95% percentiles over 1,000 replicates that redraw both the cell's
observed shares and the gold papers the error rates came from, so a small gold set shows as
a wide interval. The cell's shares are drawn from their Jeffreys posterior (Beta / Dirichlet
with 1/2 added to each count), not resampled at the observed shares: a cell where no paper
(or every paper) was flagged would otherwise resample to the same share every time and get
an interval of width zero from the cell, which under-covers small cells and rare categories.

Pure functions of counts and gold outcomes; no database access here.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np
from scipy.optimize import nnls

_INTERVAL = (
    "95% interval from 1,000 replicates: the cell's observed share drawn from its "
    "Jeffreys posterior, the gold papers resampled with replacement"
)
BINARY_METHOD = (
    "Rogan-Gladen from the extractor's sensitivity and specificity on gold; " + _INTERVAL
)
TARGET_METHOD = (
    "adjusted classify-and-count (confusion matrix on gold, solved on the simplex); " + _INTERVAL
)
REPS = 1000
# A replicate whose resampled gold makes the correction undefined (se + sp - 1 <= 0) says
# nothing about p; above this fraction of such replicates the interval is not reported.
MAX_DEGENERATE = 0.05


@dataclass(frozen=True)
class GoldOutcomes:
    """Truth and prediction per gold paper for one category (booleans) or the target
    (labels): the error rates of one extractor version on one text source."""

    category: str
    source: str  # "fulltext" | "abstract"
    gold_set: str
    version: str
    truth: tuple
    predicted: tuple

    @property
    def n(self) -> int:
        """Gold papers."""
        return len(self.truth)

    def rates(self) -> dict:
        """Sensitivity and specificity (binary) with their counts, for the output."""
        t = np.asarray(self.truth, bool)
        p = np.asarray(self.predicted, bool)
        pos, neg = int(t.sum()), int((~t).sum())
        return {
            "gold_set": self.gold_set,
            "gold_n": self.n,
            "gold_positives": pos,
            "sensitivity": float((t & p).sum() / pos) if pos else None,
            "specificity": float((~t & ~p).sum() / neg) if neg else None,
        }


@dataclass(frozen=True)
class Adjusted:
    """An adjusted share with its 95% interval, or None with the reason (or, beside a
    share clipped to 0 or 1, why it was clipped)."""

    share: float | None
    ci_low: float | None
    ci_high: float | None
    reason: str = ""


def rogan_gladen(
    p_obs: np.ndarray | float, se: np.ndarray | float, sp: np.ndarray | float
) -> np.ndarray:
    """(p_obs + sp - 1) / (se + sp - 1), clipped to [0, 1]; NaN where se + sp - 1 <= 0."""
    j = np.asarray(se, float) + np.asarray(sp, float) - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        est = (np.asarray(p_obs, float) + np.asarray(sp, float) - 1.0) / j
    return np.where(j > 0, np.clip(est, 0.0, 1.0), np.nan)


_BINARY_DEGENERATE = (
    "the extractor is no better than chance or no paper is positive; too few gold papers"
)
_TARGET_DEGENERATE = "some true target has no paper; too few gold papers of that target"


def _interval(
    reps: np.ndarray, point: float, degenerate: str = _BINARY_DEGENERATE
) -> tuple[float | None, float | None, str]:
    bad = np.isnan(reps).mean()
    if bad > MAX_DEGENERATE:
        return (
            None,
            None,
            (f"n/a: in {bad:.0%} of bootstrap resamples of the gold set {degenerate}"),
        )
    lo, hi = np.nanpercentile(reps, [2.5, 97.5])
    # A count of 0 (or n) gives a point at the edge that posterior draws never reach exactly;
    # the interval is widened to it, as the Jeffreys interval is at k = 0 and k = n.
    return float(min(lo, point)), float(max(hi, point)), ""


def adjust_binary(
    k: int, n: int, gold: GoldOutcomes, *, reps: int = REPS, seed: int = 0
) -> Adjusted:
    """Rogan-Gladen share of k of n papers reported, with its bootstrap 95% interval."""
    if n <= 0:
        return Adjusted(None, None, None, "n/a: no papers in this cell")
    t = np.asarray(gold.truth, bool)
    p = np.asarray(gold.predicted, bool)
    if t.all() or not t.any():
        return Adjusted(
            None,
            None,
            None,
            "n/a: the gold set has no positive or no negative "
            "paper for this category; error rates unknown",
        )
    se = (t & p).sum() / t.sum()
    sp = (~t & ~p).sum() / (~t).sum()
    point = float(rogan_gladen(k / n, se, sp))
    if np.isnan(point):
        return Adjusted(
            None,
            None,
            None,
            f"n/a: sensitivity + specificity - 1 = {se + sp - 1:.2f} <= 0 on gold; not correctable",
        )
    k_star = np.random.default_rng(seed).beta(k + 0.5, n - k + 0.5, reps)
    se_s, sp_s = _gold_rates(gold, reps)
    lo, hi, why = _interval(rogan_gladen(k_star, se_s, sp_s), point)
    # nearly every replicate clipped to the same edge: the cell contradicts the error rates
    # (a small cell at an edge by chance keeps a wide interval and no note)
    if not why and hi is not None and lo is not None and (hi <= 0.0 or lo >= 1.0):
        edge, rate = (
            ("below the false-positive rate", 1 - sp)
            if k / n < 1 - sp
            else ("above the sensitivity", se)
        )
        why = (
            f"clipped to {point:.0f}: the observed share {k / n:.1%} is {edge} on gold "
            f"({rate:.1%}); the gold error rates may not hold in this cell"
        )
    return Adjusted(point, lo, hi, why)


@lru_cache(maxsize=32)
def _gold_rates(gold: GoldOutcomes, reps: int) -> tuple[np.ndarray, np.ndarray]:
    """Sensitivity and specificity of `reps` resamples of the gold papers (NaN where a
    resample has no positive or no negative), drawn once per gold set and category and
    shared by every cell, as _gold_confusions."""
    t = np.asarray(gold.truth, bool)
    p = np.asarray(gold.predicted, bool)
    rng = np.random.default_rng(
        zlib.crc32(f"{gold.source}|{gold.version}|{gold.category}".encode())
    )
    idx = rng.integers(0, len(t), (reps, len(t)))
    tt, pp = t[idx], p[idx]
    pos, neg = tt.sum(1), (~tt).sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        se_s = np.where(pos > 0, (tt & pp).sum(1) / pos, np.nan)
        sp_s = np.where(neg > 0, (~tt & ~pp).sum(1) / neg, np.nan)
    se_s.flags.writeable = sp_s.flags.writeable = False  # shared by the cache
    return se_s, sp_s


def confusion_counts(
    truth: np.ndarray, predicted: np.ndarray, n_labels: int, idx: np.ndarray
) -> np.ndarray:
    """Confusion counts [r, true, predicted] for each row r of resampling indices idx."""
    codes = (truth * n_labels + predicted)[idx]
    reps = idx.shape[0]
    flat = (codes + (n_labels * n_labels) * np.arange(reps)[:, None]).ravel()
    counts = np.bincount(flat, minlength=reps * n_labels * n_labels)
    return counts.reshape(reps, n_labels, n_labels).astype(float)


def confusion(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """M[i, j] = P(predicted labels[j] | true labels[i]); NaN rows for unseen classes."""
    ix = {lab: i for i, lab in enumerate(labels)}
    t = np.array([ix[a] for a in truth], int)
    p = np.array([ix[b] for b in predicted], int)
    m = confusion_counts(t, p, len(labels), np.arange(len(t))[None, :])[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        return m / m.sum(1, keepdims=True)


def solve_simplex(m: np.ndarray, q: np.ndarray, weight: float = 100.0) -> np.ndarray:
    """p >= 0, sum p = 1, minimising ||M^T p - q||: NNLS with the sum as a heavy row."""
    a = np.vstack([m.T, weight * np.ones(m.shape[0])])
    b = np.concatenate([q, [weight]])
    p, _ = nnls(a, b)
    return p / p.sum() if p.sum() > 0 else p


def solve_simplex_many(ms: np.ndarray, qs: np.ndarray, weight: float = 100.0) -> np.ndarray:
    """solve_simplex for each pair (ms[r], qs[r]), vectorised: the NNLS optimum is the
    least-squares solution on its own support, so with four labels every support (15) is
    solved for all pairs at once and, per pair, the best non-negative one is kept."""
    reps, k = qs.shape
    a = np.concatenate([np.swapaxes(ms, 1, 2), np.full((reps, 1, k), weight)], axis=1)
    b = np.concatenate([qs, np.full((reps, 1), weight)], axis=1)[..., None]
    best, out = np.full(reps, np.inf), np.zeros((reps, k))
    for size in range(1, k + 1):
        for support in combinations(range(k), size):
            a_s = a[:, :, support]
            a_t = np.swapaxes(a_s, 1, 2)
            # normal equations; the tiny ridge keeps a singular confusion matrix solvable
            sol = np.linalg.solve(a_t @ a_s + 1e-10 * np.eye(size), a_t @ b)
            loss = ((a_s @ sol - b) ** 2).sum((1, 2))
            better = (sol[..., 0] >= 0).all(1) & (loss < best - 1e-12)
            best[better] = loss[better]
            out[better] = 0.0
            out[np.ix_(better, support)] = sol[better, :, 0]
    total = out.sum(1, keepdims=True)
    return np.divide(out, total, out=out, where=total > 0)


def _target_replicates(
    counts: dict[str, int], gold: GoldOutcomes, labels: Sequence[str], reps: int, seed: int
) -> tuple[np.ndarray, np.ndarray] | str:
    """(point estimate, bootstrap replicates [reps, labels]) or the reason there are none."""
    n = sum(counts.values())
    if n <= 0:
        return "n/a: no papers in this cell"
    m = confusion(gold.truth, gold.predicted, labels)
    if np.isnan(m).any():
        missing = [lab for lab, row in zip(labels, m, strict=True) if np.isnan(row).any()]
        return f"n/a: the gold set has no paper whose true target is {', '.join(missing)}"
    q = np.array([counts.get(lab, 0) for lab in labels], float) / n
    point = solve_simplex(m, q)
    q_star = np.random.default_rng(seed).dirichlet(q * n + 0.5, reps)
    ms, seen = _gold_confusions(gold, tuple(labels), reps)
    out = np.full((reps, len(labels)), np.nan)
    out[seen] = solve_simplex_many(ms, q_star[seen])
    return point, out


@lru_cache(maxsize=8)
def _gold_confusions(
    gold: GoldOutcomes, labels: tuple[str, ...], reps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Confusion matrices of `reps` resamples of the gold papers (those where every true
    label occurs) and their replicate indices. Drawn once per gold set and shared by every
    cell: each cell's interval is still over independent cell and gold draws."""
    ix = {lab: i for i, lab in enumerate(labels)}
    t = np.array([ix[a] for a in gold.truth], int)
    p = np.array([ix[b] for b in gold.predicted], int)
    rng = np.random.default_rng(zlib.crc32(f"{gold.source}|{gold.version}|target".encode()))
    cc = confusion_counts(t, p, len(labels), rng.integers(0, len(t), (reps, len(t))))
    rows = cc.sum(2, keepdims=True)
    seen = np.flatnonzero((rows > 0).all(axis=(1, 2)))
    ms = cc[seen] / rows[seen]
    ms.flags.writeable = seen.flags.writeable = False  # shared by the cache
    return ms, seen


def adjust_target(
    counts: dict[str, int],
    gold: GoldOutcomes,
    labels: Sequence[str],
    *,
    reps: int = REPS,
    seed: int = 0,
) -> dict[str, Adjusted]:
    """Adjusted classify-and-count share of each target label, with bootstrap intervals."""
    return adjust_target_mixture([(counts, gold)], labels, reps=reps, seed=seed)


def adjust_target_mixture(
    parts: Sequence[tuple[dict[str, int], GoldOutcomes]],
    labels: Sequence[str],
    *,
    reps: int = REPS,
    seed: int = 0,
    groups: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, Adjusted]:
    """Papers classified from several text sources (each with its own gold error rates):
    each part adjusted on its own, then pooled weighted by its papers. `groups` adds sums
    of labels (e.g. accuracy incl. both) with their own intervals."""
    groups = groups or {}
    names = [*labels, *groups]
    parts = [(c, g) for c, g in parts if sum(c.values()) > 0]
    if not parts:
        return {lab: Adjusted(None, None, None, "n/a: no papers in this cell") for lab in names}
    points, replicas, weights = [], [], []
    for i, (counts, gold) in enumerate(parts):
        res = _target_replicates(counts, gold, labels, reps, seed + 7919 * i)
        if isinstance(res, str):
            why = res if len(parts) == 1 else f"{res} (text source {gold.source})"
            return {lab: Adjusted(None, None, None, why) for lab in names}
        points.append(res[0])
        replicas.append(res[1])
        weights.append(sum(counts.values()))
    w = np.asarray(weights, float) / sum(weights)
    point = sum(wi * p for wi, p in zip(w, points, strict=True))
    pooled = sum(wi * r for wi, r in zip(w, replicas, strict=True))
    ix = {lab: j for j, lab in enumerate(labels)}
    columns = {lab: [lab] for lab in labels} | {g: list(members) for g, members in groups.items()}
    result = {}
    for name, members in columns.items():
        cols = [ix[m] for m in members]
        share = float(point[cols].sum())
        lo, hi, why = _interval(pooled[:, cols].sum(1), share, _TARGET_DEGENERATE)
        result[name] = Adjusted(share, lo, hi, why)
    return result
