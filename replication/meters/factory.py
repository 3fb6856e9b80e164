"""Pick a meter per kind by probing backends in a fixed order; say what each one needs.

GPU:  nvml-energy-counter -> nvml-power-sampling -> none
CPU:  rapl-package -> estimated (utilisation x TDP)
DRAM: rapl-dram -> none
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Probe:
    """The outcome of trying one backend: chosen or not, and why."""

    kind: str
    backend: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.backend}: {'ok' if self.ok else 'unavailable'} ({self.detail})"


def make_gpu_meter(interval_s: float = DEFAULT_SAMPLE_INTERVAL_S,
                   indices: list[int] | None = None,
                   probes: list[Probe] | None = None) -> Meter:
    """NVML energy counter, else NVML power sampling, else a null meter saying why."""
    probes = probes if probes is not None else []
    try:
        pynvml = load_pynvml()
    except MeterUnavailable as exc:
        probes.append(Probe("gpu", "nvml", False, f"needs nvidia-ml-py and an NVIDIA driver: "
                                                  f"{exc}"))
        return NullMeter("gpu", str(exc))
    try:
        meter = NvmlEnergyMeter(pynvml, indices)
        probes.append(Probe("gpu", "nvml-energy-counter", True, meter.device()))
        return meter
    except MeterUnavailable as exc:
        probes.append(Probe("gpu", "nvml-energy-counter", False, str(exc)))
        reason = str(exc)
    try:
        meter = NvmlPowerSamplingMeter(pynvml, indices, interval_s)
        probes.append(Probe("gpu", "nvml-power-sampling", True, meter.device()))
        return meter
    except MeterUnavailable as exc:
        probes.append(Probe("gpu", "nvml-power-sampling", False, str(exc)))
        reason = f"{reason}; {exc}"
    try:
        pynvml.nvmlShutdown()
    except Exception:
        pass
    return NullMeter("gpu", reason)


def make_cpu_meter(tdp_w: float = DEFAULT_CPU_TDP_W, mode: str = "process",
                   root: Path = POWERCAP_ROOT, probes: list[Probe] | None = None) -> Meter:
    """RAPL package energy, else a utilisation x TDP estimate (marked estimated)."""
    probes = probes if probes is not None else []
    try:
        meter = RaplMeter("package", root)
        probes.append(Probe("cpu", "rapl-package", True, meter.device()))
        return meter
    except MeterUnavailable as exc:
        probes.append(Probe("cpu", "rapl-package", False, str(exc)))
    meter = CpuEstimateMeter(tdp_w, mode, why="RAPL unreadable")
    probes.append(Probe("cpu", "estimate", True, f"{tdp_w:g} W TDP x utilisation ({mode})"))
    return meter


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
