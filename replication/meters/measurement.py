"""`Measurement`: what one metered window cost, with where each figure came from."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from replication.meters.base import co2e_kg


@dataclass
class Measurement:
    """Energy and time of one window.

    Units: wall_s seconds; gpu_energy_j joules per GPU (key: NVML index as a string; None
    where that GPU could not be read); cpu_energy_j and dram_energy_j joules (None where
    not measured); grid_gco2e_per_kwh grams CO2e per kWh; co2e_kg kilograms CO2e.
    `sources` names how each figure was obtained ("gpu", "cpu", "dram", "co2e");
    `estimated` lists the parts that are models, not measurements; `errors` holds what
    went wrong inside the window (e.g. a GPU lost), which never raises.

    gpu_devices lists the GPUs measured (label, NVML index, UUID, name, MIG instances,
    the variable that selected them); `notes` says what to know about them. idle holds the
    idle baseline when one was measured ({"seconds", "w_per_device", "source"}): from it
    come gpu_idle_w and gpu_active_energy_j, beside (never instead of) gpu_total_j.
    gpu_attributed_j is the estimated share of each GPU's energy used by this job's
    processes (empty unless asked for; method in sources["gpu_attributed"]). job says
    which ranks and nodes this record covers when it merges a distributed job's parts.
    """

    name: str
    started_at: datetime
    wall_s: float
    gpu_energy_j: dict[str, float | None] = field(default_factory=dict)
    cpu_energy_j: float | None = None
    dram_energy_j: float | None = None
    pue: float = 1.0
    grid_gco2e_per_kwh: float = 0.0
    sources: dict[str, str] = field(default_factory=dict)
    estimated: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    device: str = ""
    gpu_devices: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    idle: dict | None = None
    gpu_attributed_j: dict[str, float | None] = field(default_factory=dict)
    job: dict | None = None

    @property
    def gpu_total_j(self) -> float | None:
        """Joules summed over the GPUs that were read; None without any."""
        vals = [v for v in self.gpu_energy_j.values() if v is not None]
        return sum(vals) if vals else None

    @property
    def gpu_idle_w(self) -> float | None:
        """Idle power summed over the GPUs, from the baseline before the run; None without."""
        if not self.idle:
            return None
        vals = [v for v in self.idle["w_per_device"].values() if v is not None]
        return sum(vals) if vals else None

    @property
    def gpu_active_energy_j(self) -> float | None:
        """GPU joules above idle: per GPU, energy - idle W x wall_s, summed (may be < 0)."""
        if not self.idle:
            return None
        idle_w = self.idle["w_per_device"]
        parts = [
            e - idle_w[k] * self.wall_s
            for k, e in self.gpu_energy_j.items()
            if e is not None and idle_w.get(k) is not None
        ]
        return sum(parts) if parts else None

    @property
    def gpu_attributed_total_j(self) -> float | None:
        """The estimated GPU joules of this job's processes, summed; None when not estimated."""
        vals = [v for v in self.gpu_attributed_j.values() if v is not None]
        return sum(vals) if vals else None

    @property
    def energy_j(self) -> float:
        """Total joules at the meter: GPUs + CPU + DRAM (parts not measured count 0)."""
        return sum(
            v for v in (self.gpu_total_j, self.cpu_energy_j, self.dram_energy_j) if v is not None
        )

    @property
    def co2e_kg(self) -> float:
        """kg CO2e = energy_j x PUE x grid intensity (see sources["co2e"])."""
        return co2e_kg(self.energy_j, self.pue, self.grid_gco2e_per_kwh)

    @property
    def complete(self) -> bool:
        """False when an error left part of the window unmeasured."""
        return not self.errors

    def to_dict(self) -> dict:
        """A JSON-ready dict, derived totals included."""
        d = asdict(self)
        d["started_at"] = self.started_at.isoformat()
        d["gpu_total_j"] = self.gpu_total_j
        d["gpu_idle_w"] = self.gpu_idle_w
        d["gpu_active_energy_j"] = self.gpu_active_energy_j
        d["gpu_attributed_total_j"] = self.gpu_attributed_total_j
        d["energy_j"] = self.energy_j
        d["co2e_kg"] = self.co2e_kg
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Measurement:
        """Inverse of to_dict (derived totals are recomputed)."""
        keep = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        if isinstance(keep.get("started_at"), str):
            keep["started_at"] = datetime.fromisoformat(keep["started_at"])
        return cls(**keep)

    def to_json(self) -> str:
        """One-line JSON."""
        return json.dumps(self.to_dict(), sort_keys=True)

    def summary(self) -> str:
        """A few human lines: time, energy by part with its source, CO2e."""

        def j(v: float | None) -> str:
            return "n/a" if v is None else f"{v:,.1f} J"

        lines = [
            f"{self.name}: {self.wall_s:.2f} s, {self.energy_j:,.1f} J "
            f"({self.energy_j / 3.6e6 * 1000:.4f} Wh), {self.co2e_kg * 1000:.3f} g CO2e"
        ]
        lines.append(f"  gpu  {j(self.gpu_total_j):>14}  {self.sources.get('gpu', '')}")
        if self.gpu_devices:
            lines.append(
                "       devices "
                + ", ".join(
                    f"{g['label']}={g['uuid']}"
                    + (f" (MIG {', '.join(g['mig'])})" if g["mig"] else "")
                    for g in self.gpu_devices
                )
                + f" [{self.gpu_devices[0].get('selected_by', '')}]"
            )
        if self.idle:
            lines.append(
                f"       idle {self.gpu_idle_w:,.1f} W over {self.idle['seconds']:g} s "
                f"before the run; active (above idle) {j(self.gpu_active_energy_j)}"
            )
        if self.gpu_attributed_j:
            lines.append(
                f"       this job's share {j(self.gpu_attributed_total_j)}  "
                f"{self.sources.get('gpu_attributed', '')}"
            )
        lines.append(f"  cpu  {j(self.cpu_energy_j):>14}  {self.sources.get('cpu', '')}")
        lines.append(f"  dram {j(self.dram_energy_j):>14}  {self.sources.get('dram', '')}")
        lines.append(f"  co2e {self.sources.get('co2e', '')}")
        if self.job:
            lines.append(f"  job  {self.job.get('summary', '')}")
        lines.extend(f"  note: {n}" for n in self.notes)
        lines.extend(f"  error: {e}" for e in self.errors)
        return "\n".join(lines)
