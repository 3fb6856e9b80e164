"""The Meter interface, a reading of one window, and the carbon defaults.

Units are in the names: `_j` joules, `_mj` millijoules, `_mw` milliwatts, `_w` watts,
`_s` seconds, `_kg` kilograms. A meter measures one kind of energy ("gpu", "cpu" or
"dram") over named windows; `EnergyMonitor` (monitor.py) combines one meter per kind.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

# World-average carbon intensity of electricity generation in 2023: 481 gCO2e/kWh
# (Ember, Global Electricity Review 2024 / yearly electricity data; also published by
# Our World in Data as "Carbon intensity of electricity generation", Ember and Energy Institute).
DEFAULT_GRID_GCO2E_PER_KWH = 481.0
DEFAULT_GRID_SOURCE = "world average 2023, Ember Global Electricity Review 2024"
# PUE 1.0: a workstation or laptop has no data-centre overhead. For a data centre pass
# the operator's figure (the Uptime Institute's 2023 survey average was 1.58).
DEFAULT_PUE = 1.0
DEFAULT_PUE_SOURCE = "1.0, workstation (no data-centre overhead)"
# Used only where RAPL is unreadable: the rated TDP of mainstream desktop CPUs (65 W class).
DEFAULT_CPU_TDP_W = 65.0
DEFAULT_SAMPLE_INTERVAL_S = 0.1

J_PER_KWH = 3.6e6


def co2e_kg(energy_j: float, pue: float, grid_gco2e_per_kwh: float) -> float:
    """kg CO2e = joules at the meter x PUE / 3.6e6 J/kWh x grid gCO2e/kWh / 1000 g/kg
    (the one CO2e formula: meters and stored measurements use it)."""
    return energy_j * pue / J_PER_KWH * grid_gco2e_per_kwh / 1000.0


@dataclass(frozen=True)
class CarbonConfig:
    """How energy becomes CO2e: energy_j x pue x grid intensity (gCO2e per kWh)."""

    grid_gco2e_per_kwh: float = DEFAULT_GRID_GCO2E_PER_KWH
    pue: float = DEFAULT_PUE
    grid_source: str = DEFAULT_GRID_SOURCE
    pue_source: str = DEFAULT_PUE_SOURCE

    def co2e_kg(self, energy_j: float) -> float:
        """kg CO2e for `energy_j` joules at the meter (before PUE)."""
        return co2e_kg(energy_j, self.pue, self.grid_gco2e_per_kwh)

    def describe(self) -> str:
        """The formula with its figures and their sources."""
        return (
            f"energy x PUE {self.pue:g} ({self.pue_source}) x "
            f"{self.grid_gco2e_per_kwh:g} gCO2e/kWh ({self.grid_source})"
        )


def carbon_config(
    grid_gco2e_per_kwh: float | None = None, pue: float | None = None
) -> CarbonConfig:
    """A CarbonConfig whose sources say "given by the user" for figures that are not defaults."""
    grid = DEFAULT_GRID_GCO2E_PER_KWH if grid_gco2e_per_kwh is None else grid_gco2e_per_kwh
    pue = DEFAULT_PUE if pue is None else pue
    return CarbonConfig(
        grid,
        pue,
        DEFAULT_GRID_SOURCE if grid == DEFAULT_GRID_GCO2E_PER_KWH else "given by the user",
        DEFAULT_PUE_SOURCE if pue == DEFAULT_PUE else "given by the user",
    )


@dataclass
class Reading:
    """What one meter measured over one window.

    energy_j maps a device label ("0", "1" for GPUs; "package-0" for RAPL) to joules, or
    to None where that device could not be read. `source` names how the figure was
    obtained; `estimated` is True when it is a model rather than a measurement; `error`
    says what went wrong (a device lost mid-window), without raising.
    """

    energy_j: dict[str, float | None]
    source: str
    estimated: bool = False
    error: str | None = None

    @property
    def total_j(self) -> float | None:
        """Sum over devices that were read; None when nothing could be read."""
        vals = [v for v in self.energy_j.values() if v is not None]
        return sum(vals) if vals else None


class Meter(ABC):
    """One energy source measured over named windows (start/stop), thread-safe."""

    kind: str = "?"  # "gpu" | "cpu" | "dram"
    source: str = "?"  # e.g. "nvml-energy-counter"
    estimated: bool = False

    @property
    def available(self) -> bool:
        """False for the null meter (no hardware to read)."""
        return True

    def device(self) -> str:
        """Human description of what is measured (model names, counts)."""
        return self.source

    @property
    def notes(self) -> list[str]:
        """What to know about what is measured (e.g. MIG: the counter is per physical GPU)."""
        return []

    def gpu_devices(self) -> list[dict]:
        """The GPUs measured, as dicts (label, nvml_index, uuid, name, mig, selected_by)."""
        return []

    def poll(self) -> None:
        """Take one reading now; background threads call this, replays call it per step."""

    @abstractmethod
    def start(self, key: str) -> None:
        """Open window `key`."""

    @abstractmethod
    def stop(self, key: str) -> Reading:
        """Close window `key` and return its reading (never raises for device errors)."""

    def close(self) -> None:
        """Release resources (threads, library handles)."""


class NullMeter(Meter):
    """Measures nothing, and says why (e.g. "no GPU: NVML library not found")."""

    def __init__(self, kind: str, reason: str) -> None:
        self.kind = kind
        self.reason = reason
        self.source = f"none: {reason}"

    @property
    def available(self) -> bool:
        return False

    def device(self) -> str:
        return self.source

    def start(self, key: str) -> None:
        pass

    def stop(self, key: str) -> Reading:
        return Reading({}, self.source)


class Poller:
    """A daemon thread calling `tick()` every `interval_s` while at least one window is open."""

    def __init__(self, tick: Callable[[], object], interval_s: float) -> None:
        self.tick = tick  # its return value, if any, is ignored
        self.interval_s = interval_s
        self._open = 0
        # the running thread and the event that stops it, set and cleared together
        self._running: tuple[threading.Thread, threading.Event] | None = None
        self._lock = threading.Lock()

    def window_opened(self) -> None:
        """Start the thread on the first open window."""
        with self._lock:
            self._open += 1
            if self._running is None:
                stop = threading.Event()
                thread = threading.Thread(
                    target=self._run, args=(stop,), daemon=True, name="greenlens-meter"
                )
                self._running = (thread, stop)
                thread.start()

    def window_closed(self) -> None:
        """Stop the thread when the last window closes."""
        thread = None
        with self._lock:
            self._open = max(0, self._open - 1)
            if self._open == 0 and self._running is not None:
                (thread, stop), self._running = self._running, None
                stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _run(self, stop: threading.Event) -> None:
        next_t = time.monotonic()
        while not stop.is_set():
            self.tick()
            next_t += self.interval_s
            stop.wait(max(0.0, next_t - time.monotonic()))
