"""Expected validation performance (Dodge et al., 2019, "Show Your Work", EMNLP).

Given N trial results v_1..v_N of a random hyperparameter search, the expected best
validation score after n trials drawn with replacement from their empirical distribution is
    E[max_n] = sum_i v_(i) [ (i/N)^n - ((i-1)/N)^n ]      (v_(i) sorted ascending)
Budgets are given in trials n and in energy (n x mean energy per trial, or the cumulative
energy of the first n trials as they ran).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import ConfigError
from corpus.store import Store
from replication.runs import Reader


def _weights(N: int, n: int) -> list[float]:
    return [(i / N) ** n - ((i - 1) / N) ** n for i in range(1, N + 1)]


def expected_max(values: Sequence[float], n: int) -> float:
    """E[max of n draws with replacement] from the empirical distribution of `values`."""
    if not values:
        raise ValueError("expected_max needs at least one value")
    if n < 1:
        raise ValueError("n must be >= 1")
    v = sorted(values)
    return sum(x * w for x, w in zip(v, _weights(len(v), n)))


def expected_max_std(values: Sequence[float], n: int) -> float:
    """Standard deviation of the max of n draws (same distribution as expected_max)."""
    v = sorted(values)
    w = _weights(len(v), n)
    mean = sum(x * p for x, p in zip(v, w))
    second = sum(x * x * p for x, p in zip(v, w))
    return math.sqrt(max(0.0, second - mean * mean))


@dataclass(frozen=True)
class EvpPoint:
    """Budget n trials (and its energy in J) -> expected best score and its std."""

    n: int
    evp: float
    std: float
    energy_j: float | None


def evp_points(
    values: Sequence[float],
    energies_j: Sequence[float | None] | None = None,
    max_n: int | None = None,
    energy: str = "mean",
) -> list[EvpPoint]:
    """EVP for n = 1..max_n (default N); energy per budget as n x mean or cumulative."""
    if energy not in ("mean", "cumulative"):
        raise ValueError("energy must be 'mean' or 'cumulative'")
    N = len(values)
    known = [e for e in (energies_j or []) if e is not None]
    mean_j = sum(known) / len(known) if known else None
    points = []
    cumulative: float | None = 0.0
    for n in range(1, (max_n or N) + 1):
        if energy == "mean":
            e = n * mean_j if mean_j is not None else None
        else:
            e_n = energies_j[n - 1] if energies_j and n <= len(energies_j) else None
            cumulative = cumulative + e_n if e_n is not None and cumulative is not None else None
            e = cumulative
        points.append(EvpPoint(n, expected_max(values, n), expected_max_std(values, n), e))
    return points


def evp_curve(
    store: Reader, recipe: str, energy: str = "mean"
) -> list[tuple[int, float, float | None]]:
    """(n, EVP, energy_j) for n = 1..N over a recipe's finished trials in the store."""
    from replication.runs import load_trials

    trials = [t for t in load_trials(store, recipe) if t.val_metric is not None]
    if not trials:
        return []
    points = evp_points(
        [t.val_metric for t in trials if t.val_metric is not None],
        [t.energy_j for t in trials],
        energy=energy,
    )
    return [(p.n, p.evp, p.energy_j) for p in points]


def plot_evp(
    store: Store, recipes: Sequence[str], path: str | Path, x: str = "trials", energy: str = "mean"
) -> Path:
    """Save a PNG of EVP vs budget (x = "trials" or "energy") for several recipes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from replication.runs import load_trials

    if x not in ("trials", "energy"):
        raise ConfigError("x must be 'trials' or 'energy'")
    fig, ax = plt.subplots(figsize=(6, 4))
    drawn = 0
    for recipe in recipes:
        trials = [t for t in load_trials(store, recipe) if t.val_metric is not None]
        if not trials:
            continue
        pts = evp_points(
            [t.val_metric for t in trials if t.val_metric is not None],
            [t.energy_j for t in trials],
            energy=energy,
        )
        xs = [p.n if x == "trials" else (p.energy_j or 0.0) / 3600.0 for p in pts]
        ys = [p.evp for p in pts]
        lo = [p.evp - p.std for p in pts]
        hi = [p.evp + p.std for p in pts]
        ax.plot(xs, ys, marker="o", markersize=3, label=recipe)
        ax.fill_between(xs, lo, hi, alpha=0.15)
        drawn += 1
    if not drawn:
        plt.close(fig)
        raise ConfigError(
            f"no finished trials for {', '.join(recipes)}: run `greenlens replicate` first"
        )
    if x == "energy":
        ax.set_xscale("log")
    ax.set_xlabel(
        "hyperparameter trials" if x == "trials" else f"energy budget (Wh, {energy} per trial)"
    )
    ax.set_ylabel("expected validation accuracy (+/- 1 std)")
    ax.set_title("Expected validation performance (Dodge et al. 2019)")
    ax.legend()
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
