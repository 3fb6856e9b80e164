"""Write and read metered runs (`runs` table) and search trials (`trials` table)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from corpus.store import Store
from replication.meters.measurement import Measurement


class Reader(Protocol):
    """Anything that runs a query and returns rows as dicts: the store, or the app's
    in-memory reader (so the analysis can read trials without this floor naming it)."""

    def fetch_dicts(self, sql: str, params: Sequence[Any] | dict | None = None) -> list[dict]:
        """Rows of a query with bound parameters, as dicts."""
        ...


RUN_COLUMNS = (
    "id",
    "kind",
    "name",
    "command",
    "started_at",
    "wall_s",
    "gpu_energy_j",
    "gpu_energy_j_per_device",
    "cpu_energy_j",
    "dram_energy_j",
    "energy_j",
    "co2e_kg",
    "pue",
    "grid_gco2e_per_kwh",
    "sources",
    "estimated",
    "errors",
    "exit_code",
    "device",
    "gpu_devices",
    "gpu_idle_w",
    "gpu_active_energy_j",
    "gpu_attributed_j",
    "notes",
    "job",
)
_JSON_COLUMNS = (
    "gpu_energy_j_per_device",
    "sources",
    "estimated",
    "errors",
    "gpu_devices",
    "gpu_attributed_j",
    "notes",
    "job",
)


def run_row(
    m: Measurement,
    *,
    kind: str,
    command: str | None = None,
    exit_code: int | None = None,
    run_id: str | None = None,
) -> dict[str, Any]:
    """The `runs` row of a measurement (JSON text for dict/list fields)."""
    return {
        "id": run_id or uuid.uuid4().hex,
        "kind": kind,
        "name": m.name,
        "command": command,
        "started_at": m.started_at.replace(tzinfo=None),
        "wall_s": m.wall_s,
        "gpu_energy_j": m.gpu_total_j,
        "gpu_energy_j_per_device": json.dumps(m.gpu_energy_j),
        "cpu_energy_j": m.cpu_energy_j,
        "dram_energy_j": m.dram_energy_j,
        "energy_j": m.energy_j,
        "co2e_kg": m.co2e_kg,
        "pue": m.pue,
        "grid_gco2e_per_kwh": m.grid_gco2e_per_kwh,
        "sources": json.dumps(m.sources),
        "estimated": json.dumps(m.estimated),
        "errors": json.dumps(m.errors),
        "exit_code": exit_code,
        "device": m.device,
        "gpu_devices": json.dumps(m.gpu_devices),
        "gpu_idle_w": m.gpu_idle_w,
        "gpu_active_energy_j": m.gpu_active_energy_j,
        "gpu_attributed_j": json.dumps(m.gpu_attributed_j),
        "notes": json.dumps(m.notes),
        "job": json.dumps(m.job),
    }


def insert_run(store: Store, row: dict[str, Any]) -> str:
    """Insert one `runs` row; return its id."""
    store.insert_row("runs", {c: row[c] for c in RUN_COLUMNS})
    return row["id"]


def record_run(
    store: Store,
    m: Measurement,
    *,
    kind: str = "meter",
    command: str | None = None,
    exit_code: int | None = None,
) -> str:
    """Store a measurement as a run; return the run id."""
    return insert_run(store, run_row(m, kind=kind, command=command, exit_code=exit_code))


def get_run(store: Store, run_id: str) -> dict[str, Any] | None:
    """One run as a dict (JSON fields decoded), or None."""
    rows = store.fetch_dicts("SELECT * FROM runs WHERE id = ?", [run_id])
    if not rows:
        return None
    row = rows[0]
    for key in _JSON_COLUMNS:
        row[key] = json.loads(row[key]) if row[key] else None
    return row


TRIAL_COLUMNS = (
    "recipe",
    "trial",
    "params",
    "seed",
    "setting",
    "device",
    "status",
    "metric",
    "val_metric",
    "train_flops",
    "inference_flops",
    "flops_source",
    "achieved_flops_per_s",
    "mfu",
    "mfu_note",
    "energy_j",
    "wall_s",
    "n_train",
    "n_dev",
    "run_id",
    "error",
    "finished_at",
)


@dataclass
class TrialRow:
    """One trial of a recipe's search: its hyperparameters, result and cost."""

    recipe: str
    trial: int
    params: dict[str, Any]
    seed: int
    setting: dict[str, Any]
    device: str
    status: str  # "done" | "failed"
    metric: str | None = None
    val_metric: float | None = None
    train_flops: float | None = None
    inference_flops: float | None = None
    flops_source: str | None = None
    achieved_flops_per_s: float | None = None
    mfu: float | None = None
    mfu_note: str | None = None
    energy_j: float | None = None
    wall_s: float | None = None
    n_train: int | None = None
    n_dev: int | None = None
    run_id: str | None = None
    error: str | None = None
    finished_at: Any = field(default=None)

    def to_row(self) -> dict[str, Any]:
        """Column values (params and setting as JSON text)."""
        row = {c: getattr(self, c) for c in TRIAL_COLUMNS}
        row["params"] = json.dumps(self.params, sort_keys=True)
        row["setting"] = json.dumps(self.setting, sort_keys=True)
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TrialRow:
        """Inverse of to_row."""
        data: dict[str, Any] = {c: row.get(c) for c in TRIAL_COLUMNS}
        data["params"] = json.loads(data["params"])
        data["setting"] = json.loads(data["setting"])
        return cls(**data)


def save_trial(store: Store, trial: TrialRow, run: dict[str, Any] | None) -> None:
    """Write a trial (replacing an earlier failed attempt) and its run, atomically."""
    row = trial.to_row()
    with store.transaction():
        if run is not None:
            insert_run(store, run)
        store.execute(
            "DELETE FROM trials WHERE recipe = ? AND trial = ?", [trial.recipe, trial.trial]
        )
        store.insert_row("trials", {c: row[c] for c in TRIAL_COLUMNS})


def load_trials(store: Reader, recipe: str, status: str | None = "done") -> list[TrialRow]:
    """A recipe's trials in trial order (only `status` ones unless status is None)."""
    sql = "SELECT * FROM trials WHERE recipe = ?"
    params: list[Any] = [recipe]
    if status is not None:
        sql += " AND status = ?"
        params.append(status)
    return [TrialRow.from_row(r) for r in store.fetch_dicts(sql + " ORDER BY trial", params)]


def stored_recipes(store: Store) -> list[str]:
    """Recipes with at least one finished trial in the store."""
    return [
        r[0]
        for r in store.fetchall(
            "SELECT DISTINCT recipe FROM trials WHERE status = 'done' ORDER BY recipe"
        )
    ]
