"""`replicate`: run a recipe's seeded random search, one metered window per trial, resumable.

Trial i's hyperparameters and seed are a pure function of (recipe, i), so a killed run
rerun with the same settings skips the trials already done and redoes only the rest.
Failed trials are stored with their error and retried on the next run.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corpus.errors import ConfigError
from corpus.store import Store
from replication.datasets import default_data_dir, load_sst2
from replication.flop_count import utilisation
from replication.meters.monitor import EnergyMonitor
from replication.models import TrialContext, check_trainer, get_trainer, prepare_trainer
from replication.recipe import Recipe, load_recipe
from replication.runs import TrialRow, load_trials, run_row, save_trial


@dataclass
class ReplicateSummary:
    """What a `replicate` call did."""

    recipe: str
    requested: int
    skipped: int = 0
    done: int = 0
    failed: int = 0
    trials: list[TrialRow] = field(default_factory=list)

    def best(self) -> TrialRow | None:
        """The finished trial with the highest validation score."""
        ok = [t for t in self.trials if t.val_metric is not None]
        return max(ok, key=lambda t: t.val_metric or 0.0) if ok else None


def _setting(
    recipe: Recipe,
    device: str,
    data_dir: Path | None,
    limit_train: int | None,
    limit_dev: int | None,
    max_epochs: int | None,
) -> dict[str, Any]:
    return {
        "recipe_file": Path(recipe.path).name,
        "device": device,
        "data": str((data_dir or default_data_dir()).resolve()),
        "limit_train": limit_train,
        "limit_dev": limit_dev,
        "max_epochs": max_epochs,
    }


def _check_resumable(store: Store, recipe: Recipe, setting: dict[str, Any], fresh: bool) -> None:
    existing = load_trials(store, recipe.name, status=None)
    if fresh:
        store.execute("DELETE FROM trials WHERE recipe = ?", [recipe.name])
        return
    other = [t for t in existing if t.setting != setting]
    if other:
        raise ConfigError(
            f"the store holds {len(other)} trial(s) of {recipe.name} run with other settings "
            f"({json.dumps(other[0].setting, sort_keys=True)}); rerun with the same options "
            f"to resume, or pass --fresh to discard them"
        )


def replicate(
    store: Store,
    recipe: str | Recipe,
    trials: int | None = None,
    *,
    device: str = "cpu",
    data_dir: str | Path | None = None,
    limit_train: int | None = None,
    limit_dev: int | None = None,
    max_epochs: int | None = None,
    fresh: bool = False,
    monitor: EnergyMonitor | None = None,
    progress: bool = True,
    on_trial: Callable[[TrialRow], None] | None = None,
) -> ReplicateSummary:
    """Run trials 0..trials-1 of a recipe (skipping finished ones), metering each."""
    recipe = recipe if isinstance(recipe, Recipe) else load_recipe(recipe)
    n_trials = trials if trials is not None else recipe.trials
    if n_trials < 1:
        raise ConfigError("--trials must be at least 1")
    cap = max_epochs if max_epochs is not None else recipe.budget.get("max_epochs")
    check_trainer(recipe.kind)
    data_path = Path(data_dir) if data_dir else None
    setting = _setting(recipe, device, data_path, limit_train, limit_dev, cap)
    _check_resumable(store, recipe, setting, fresh)
    done = {t.trial for t in load_trials(store, recipe.name)}
    summary = ReplicateSummary(recipe.name, n_trials, skipped=len(done & set(range(n_trials))))
    todo = [i for i in range(n_trials) if i not in done]
    if todo:
        data = load_sst2(data_path, limit_train, limit_dev, seed=recipe.seed)
        train_eval = get_trainer(recipe.kind)
        prepare_trainer(recipe.kind)
        own_monitor = monitor is None
        monitor = monitor or EnergyMonitor()
        try:
            for i in _progress(todo, recipe.name, n_trials, progress, summary):
                row = _run_trial(store, recipe, i, data, train_eval, monitor, device, cap, setting)
                if row.status == "done":
                    summary.done += 1
                else:
                    summary.failed += 1
                if on_trial:
                    on_trial(row)
        finally:
            if own_monitor:
                monitor.close()
    summary.trials = load_trials(store, recipe.name, status=None)[:n_trials]
    return summary


def _progress(todo: list[int], name: str, total: int, enabled: bool, summary) -> Any:
    if not enabled:
        return todo
    from tqdm import tqdm

    return tqdm(todo, desc=name, unit="trial", initial=total - len(todo), total=total)


def _run_trial(
    store: Store,
    recipe: Recipe,
    i: int,
    data,
    train_eval,
    monitor: EnergyMonitor,
    device: str,
    cap: int | None,
    setting: dict[str, Any],
) -> TrialRow:
    params = recipe.sample(i)
    seed = recipe.seed + i
    ctx = TrialContext(device=device, seed=seed, max_epochs=cap, model=dict(recipe.model))
    window = f"{recipe.name}#{i}"
    monitor.begin_window(window)
    outcome, error = None, None
    try:
        outcome = train_eval(data, params, ctx)
    except ConfigError:
        monitor.end_window(window)
        raise
    except Exception as exc:  # one bad trial is recorded, the search goes on
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
    measurement = monitor.end_window(window)
    run = run_row(
        measurement,
        kind="trial",
        command=f"replicate {recipe.name} trial {i}",
        exit_code=0 if error is None else 1,
    )
    row = TrialRow(
        recipe=recipe.name,
        trial=i,
        params=params,
        seed=seed,
        setting=setting,
        device=device,
        status="failed" if error else "done",
        metric=recipe.data.get("metric", "accuracy"),
        energy_j=measurement.energy_j,
        wall_s=measurement.wall_s,
        n_train=len(data.train),
        n_dev=len(data.dev),
        run_id=run["id"],
        error=error,
        finished_at=datetime.now(UTC).replace(tzinfo=None),
    )
    if outcome is not None:
        util = utilisation(
            outcome.train_flops,
            outcome.train_s,
            device.split(":")[0],
            outcome.device_name,
            outcome.dtype,
        )
        row.params = outcome.params_used or params
        row.val_metric = outcome.val_metric
        row.train_flops = outcome.train_flops
        row.inference_flops = outcome.inference_flops
        row.flops_source = outcome.flops_source
        row.achieved_flops_per_s = util.achieved_flops_per_s
        row.mfu = util.mfu
        row.mfu_note = util.note
    save_trial(store, row, run)
    return row
