"""Energy meters. Start with `EnergyMonitor` (monitor.py): it probes backends in a fixed
order (factory.py) and returns a `Measurement` per window.

Backends: NVML energy counter or power sampling (nvml.py), RAPL or a utilisation x TDP
estimate (cpu.py), a null meter that says why nothing is measured (base.py). Which GPUs:
devices.py; this job's share of a shared GPU: attribution.py; replaying recorded traces
instead of a GPU: replay.py.
"""

from replication.meters.attribution import ProcessShare
from replication.meters.base import (
    DEFAULT_CPU_TDP_W,
    DEFAULT_GRID_GCO2E_PER_KWH,
    DEFAULT_PUE,
    DEFAULT_SAMPLE_INTERVAL_S,
    CarbonConfig,
    Meter,
    NullMeter,
    Reading,
)
from replication.meters.cpu import CpuEstimateMeter, RaplMeter
from replication.meters.devices import GpuDevice, VisibleGpus, resolve_visible
from replication.meters.factory import Probe, make_cpu_meter, make_dram_meter, make_gpu_meter
from replication.meters.measurement import Measurement
from replication.meters.monitor import EnergyMonitor, WindowHandle
from replication.meters.nvml import MeterUnavailable, NvmlEnergyMeter, NvmlPowerSamplingMeter

__all__ = [
    "DEFAULT_CPU_TDP_W",
    "DEFAULT_GRID_GCO2E_PER_KWH",
    "DEFAULT_PUE",
    "DEFAULT_SAMPLE_INTERVAL_S",
    "CarbonConfig",
    "CpuEstimateMeter",
    "EnergyMonitor",
    "GpuDevice",
    "Measurement",
    "Meter",
    "MeterUnavailable",
    "NullMeter",
    "NvmlEnergyMeter",
    "NvmlPowerSamplingMeter",
    "Probe",
    "ProcessShare",
    "RaplMeter",
    "Reading",
    "VisibleGpus",
    "WindowHandle",
    "make_cpu_meter",
    "make_dram_meter",
    "make_gpu_meter",
    "resolve_visible",
]
