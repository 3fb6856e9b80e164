"""Pick a meter per kind by probing backends in a fixed order; say what each one needs.

GPU:  nvml-energy-counter -> nvml-power-sampling -> none
CPU:  rapl-package -> estimated (utilisation x TDP)
DRAM: rapl-dram -> none
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from replication.meters.base import DEFAULT_CPU_TDP_W, DEFAULT_SAMPLE_INTERVAL_S, Meter, NullMeter
from replication.meters.cpu import POWERCAP_ROOT, CpuEstimateMeter, RaplMeter
from replication.meters.nvml import (
    MeterUnavailable,
    NvmlEnergyMeter,
    NvmlPowerSamplingMeter,
    load_pynvml,
)

# a recorded NVML trace to replay instead of the GPU (tests, demos); see replay.py
TRACE_ENV = "GREENLENS_NVML_TRACE"


@dataclass(frozen=True)
class Probe:
    """The outcome of trying one backend: chosen or not, and why."""

    kind: str
    backend: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.backend}: {'ok' if self.ok else 'unavailable'} ({self.detail})"


def make_gpu_meter(
    interval_s: float = DEFAULT_SAMPLE_INTERVAL_S,
    indices: list[int] | None = None,
    probes: list[Probe] | None = None,
    *,
    nvml=None,
    clock: Callable[[], float] = time.monotonic,
    background: bool = True,
) -> Meter:
    """NVML energy counter, else NVML power sampling, else a null meter saying why.

    `nvml` replaces the pynvml module (a `ReplayNvml` in tests); `clock` and `background`
    go to the meters (a replay drives time itself and polls instead of a thread).
    """
    probes = probes if probes is not None else []
    replayed = None
    try:
        if nvml is None and os.environ.get(TRACE_ENV):
            nvml, replayed = _trace_nvml(os.environ[TRACE_ENV])
            clock = nvml.clock
        pynvml = load_pynvml() if nvml is None else nvml
        if nvml is not None:
            nvml.nvmlInit()
    except MeterUnavailable as exc:
        probes.append(
            Probe("gpu", "nvml", False, f"needs nvidia-ml-py and an NVIDIA driver: {exc}")
        )
        return NullMeter("gpu", str(exc))
    try:
        meter = NvmlEnergyMeter(pynvml, indices, clock=clock)
        if replayed:
            meter.source = f"{meter.source} (replayed from {replayed}, not read from a GPU)"
        probes.append(Probe("gpu", "nvml-energy-counter", True, meter.device()))
        return meter
    except MeterUnavailable as exc:
        probes.append(Probe("gpu", "nvml-energy-counter", False, str(exc)))
        reason = str(exc)
    if reason.startswith("no GPU:"):  # nothing to sample either (no device the job can use)
        _shutdown(pynvml)
        return NullMeter("gpu", reason)
    try:
        sampler = NvmlPowerSamplingMeter(
            pynvml, indices, interval_s, clock=clock, background=background
        )
        if replayed:
            sampler.source = f"{sampler.source} (replayed from {replayed}, not read from a GPU)"
        probes.append(Probe("gpu", "nvml-power-sampling", True, sampler.device()))
        return sampler
    except MeterUnavailable as exc:
        probes.append(Probe("gpu", "nvml-power-sampling", False, str(exc)))
        reason = f"{reason}; {exc}"
    _shutdown(pynvml)
    return NullMeter("gpu", reason)


def _shutdown(pynvml) -> None:
    try:
        pynvml.nvmlShutdown()
    except Exception:  # already shut down: nothing to release
        pass


def _trace_nvml(path: str):
    """A ReplayNvml on `path` whose clock runs in real time from now (GREENLENS_NVML_TRACE)."""
    from replication.meters.replay import ReplayClock, ReplayNvml, load_trace

    class _WallClock(ReplayClock):
        def __init__(self) -> None:
            super().__init__()
            self.t0 = time.monotonic()

        def __call__(self) -> float:
            return time.monotonic() - self.t0

    try:
        return ReplayNvml(load_trace(path), _WallClock()), path
    except (OSError, ValueError) as exc:
        raise MeterUnavailable(f"{TRACE_ENV}={path}: cannot replay ({exc})") from exc


def make_cpu_meter(
    tdp_w: float = DEFAULT_CPU_TDP_W,
    mode: str = "process",
    root: Path = POWERCAP_ROOT,
    probes: list[Probe] | None = None,
) -> Meter:
    """RAPL package energy, else a utilisation x TDP estimate (marked estimated)."""
    probes = probes if probes is not None else []
    try:
        meter = RaplMeter("package", root)
        probes.append(Probe("cpu", "rapl-package", True, meter.device()))
        return meter
    except MeterUnavailable as exc:
        probes.append(Probe("cpu", "rapl-package", False, str(exc)))
    estimate = CpuEstimateMeter(tdp_w, mode, why="RAPL unreadable")
    probes.append(Probe("cpu", "estimate", True, f"{tdp_w:g} W TDP x utilisation ({mode})"))
    return estimate


def make_dram_meter(root: Path = POWERCAP_ROOT, probes: list[Probe] | None = None) -> Meter:
    """RAPL dram-domain energy, else a null meter saying why."""
    probes = probes if probes is not None else []
    try:
        meter = RaplMeter("dram", root)
        probes.append(Probe("dram", "rapl-dram", True, meter.device()))
        return meter
    except MeterUnavailable as exc:
        probes.append(Probe("dram", "rapl-dram", False, str(exc)))
        return NullMeter("dram", f"not measured: {exc}")
