"""Replication runs as the app and report show them: trials, recipes, EVP curves."""

from __future__ import annotations

from analysis import queries as Q
from analysis.db import Reader, query, tables

TRIAL_LIMIT = 5000
EMPTY_REASON = (
    "No replication runs in this store yet: `greenlens replicate RECIPE` runs a "
    "baseline's hyperparameter search under an energy meter and records each "
    "trial (validation score, energy, FLOPs) here."
)


def recipes(db: Reader) -> list[dict]:
    """Per recipe: trials, finished ones, best score, total energy (J), metric name."""
    if "trials" not in tables(db):
        return []
    return query(db, Q.RECIPES)


def trials(db: Reader, recipe_names: tuple[str, ...] = (), limit: int = TRIAL_LIMIT) -> list[dict]:
    """Trials of the given recipes (all when empty), in trial order."""
    if "trials" not in tables(db):
        return []
    return query(db, Q.TRIALS, {"recipes": list(recipe_names), "limit": int(limit)})


def runs(db: Reader, limit: int = 200) -> list[dict]:
    """The most recent metered runs."""
    if "runs" not in tables(db):
        return []
    return query(db, Q.RUNS, {"limit": int(limit)})


def evp(db: Reader, recipe: str) -> list[dict]:
    """Expected validation performance vs budget (n trials, energy J) for one recipe,
    from replication.evp (Dodge et al. 2019); [] when that package is absent."""
    try:
        from replication.evp import evp_curve
    except ImportError:
        return []
    return [
        {"recipe": recipe, "trials": n, "evp": v, "energy_j": e}
        for n, v, e in evp_curve(db, recipe)
    ]
