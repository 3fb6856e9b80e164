"""Replay recorded NVML and RAPL traces through the real meters (tests, no GPU needed).

A trace is JSON with a time column `t_s` and, per device or zone, the value each read
returned at that time; between rows a read returns the last row's value, so an energy
counter that the driver updates every ~100 ms replays as the same steps. `ReplayNvml`
answers the pynvml calls the meters make (pass it where `pynvml` goes); `RaplReplay`
writes a powercap tree whose files follow the trace; `ReplayClock` is the time both read,
and `advance()` moves it in steps, calling the hooks (meter polls) after each one.

NVML trace (`format: greenlens-nvml-trace/1`)::

    {"devices": [{"index": 0, "uuid": "GPU-...", "name": "...", "minor": 0,
                  "energy_counter": true, "lost_at_s": null, "mig": ["MIG-..."]}],
     "t_s": [0.0, 0.02, ...], "energy_mj": {"0": [...]}, "power_mw": {"0": [...]},
     "process_util": {"0": [[t_s, pid, sm_util, mem_util], ...]}, "t0_unix_us": ...}

RAPL trace (`format: greenlens-rapl-trace/1`)::

    {"zones": [{"path": "intel-rapl:0", "name": "package-0", "max_energy_range_uj": ...}],
     "t_s": [...], "energy_uj": {"intel-rapl:0": [...]}}

`record_nvml_trace` writes the first kind from a real GPU.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace


class ReplayClock:
    """A settable monotonic clock; `advance` steps it and runs the hooks after each step."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t
        self.hooks: list[Callable[[], object]] = []

    def __call__(self) -> float:
        return self.t

    def on_step(self, hook: Callable[[], object]) -> None:
        """Call `hook()` after every step of `advance` (e.g. a meter's `poll`)."""
        self.hooks.append(hook)

    def advance(self, seconds: float, step_s: float = 0.02) -> None:
        """Move time forward by `seconds` in steps of `step_s`, running the hooks each step."""
        start, n = self.t, max(1, math.ceil(seconds / step_s - 1e-9))
        for i in range(1, n + 1):
            # from the start, rounded: no drift from adding 0.1 a hundred times
            self.t = round(start + min(seconds, i * step_s), 9)
            for hook in self.hooks:
                hook()


class ReplayNVMLError(Exception):
    """pynvml.NVMLError's shape: `.value` is the NVML return code."""

    _names = {
        3: "Not Supported",
        6: "Not Found",
        12: "NVML Shared Library Not Found",
        15: "GPU is lost",
    }

    def __init__(self, value: int) -> None:
        super().__init__(value)
        self.value = value

    def __str__(self) -> str:
        return self._names.get(self.value, f"NVML error {self.value}")


def load_trace(path: str | Path) -> dict:
    """Read a trace file, checking its format tag."""
    trace = json.loads(Path(path).read_text())
    if not str(trace.get("format", "")).startswith(
        ("greenlens-nvml-trace/", "greenlens-rapl-trace/")
    ):
        raise ValueError(f"{path}: not a greenlens trace (format {trace.get('format')!r})")
    return trace


def _at(ts: list[float], values: list, t: float):
    i = bisect.bisect_right(ts, t) - 1
    return values[max(i, 0)]


class ReplayNvml:
    """The pynvml calls the meters use, answered from an NVML trace at `clock()` time."""

    NVMLError = ReplayNVMLError
    NVML_ERROR_NOT_SUPPORTED = 3
    NVML_ERROR_NOT_FOUND = 6
    NVML_ERROR_LIBRARY_NOT_FOUND = 12
    NVML_ERROR_GPU_IS_LOST = 15
    NVML_DEVICE_MIG_ENABLE = 1

    def __init__(self, trace: dict, clock: ReplayClock) -> None:
        if not str(trace.get("format", "")).startswith("greenlens-nvml-trace/"):
            raise ValueError("not an NVML trace")
        self.trace = trace
        self.clock = clock
        self.devices = trace["devices"]
        self.t0_us = int(trace.get("t0_unix_us", 1_700_000_000_000_000))
        self.calls: dict[str, int] = {}

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def _dev(self, handle) -> dict:
        dev = self.devices[handle.index]
        lost = dev.get("lost_at_s")
        if lost is not None and self.clock() >= lost:
            raise ReplayNVMLError(15)
        return dev

    def _series(self, column: str, handle):
        dev = self._dev(handle)
        return _at(self.trace["t_s"], self.trace[column][str(dev["index"])], self.clock())

    def nvmlInit(self) -> None:
        self._count("nvmlInit")

    def nvmlShutdown(self) -> None:
        self._count("nvmlShutdown")

    def nvmlDeviceGetCount(self) -> int:
        return len(self.devices)

    def nvmlDeviceGetHandleByIndex(self, i: int):
        if not 0 <= i < len(self.devices):
            raise ReplayNVMLError(2)
        return SimpleNamespace(index=i, mig=None)

    def nvmlDeviceGetUUID(self, handle) -> str:
        dev = self._dev(handle)
        return handle.mig if handle.mig else dev["uuid"]

    def nvmlDeviceGetName(self, handle) -> str:
        return self._dev(handle)["name"]

    def nvmlDeviceGetMinorNumber(self, handle) -> int:
        dev = self._dev(handle)
        return dev.get("minor", dev["index"])

    def nvmlDeviceGetMigMode(self, handle) -> tuple[int, int]:
        mode = 1 if self._dev(handle).get("mig") else 0
        return mode, mode

    def nvmlDeviceGetMaxMigDeviceCount(self, handle) -> int:
        return 7 if self._dev(handle).get("mig") else 0

    def nvmlDeviceGetMigDeviceHandleByIndex(self, handle, i: int):
        migs = self._dev(handle).get("mig") or []
        if i >= len(migs):
            raise ReplayNVMLError(6)
        return SimpleNamespace(index=handle.index, mig=migs[i])

    def nvmlDeviceGetTotalEnergyConsumption(self, handle) -> int:
        self._count("nvmlDeviceGetTotalEnergyConsumption")
        if handle.mig or not self._dev(handle).get("energy_counter", True):
            raise ReplayNVMLError(3)  # MIG handles have no counter of their own
        return int(self._series("energy_mj", handle))

    def nvmlDeviceGetPowerUsage(self, handle) -> int:
        self._count("nvmlDeviceGetPowerUsage")
        return int(self._series("power_mw", handle))

    def nvmlDeviceGetProcessUtilization(self, handle, last_seen_us: int) -> list:
        """Samples newer than `last_seen_us` and not after now; Not Found when there are none."""
        self._count("nvmlDeviceGetProcessUtilization")
        dev = self._dev(handle)
        if dev.get("mig"):
            raise ReplayNVMLError(3)
        now_us = self.t0_us + int(self.clock() * 1e6)
        rows = self.trace.get("process_util", {}).get(str(dev["index"]), [])
        out = []
        for t_s, pid, sm, mem in rows:
            ts = self.t0_us + int(t_s * 1e6)
            if last_seen_us < ts <= now_us:
                out.append(
                    SimpleNamespace(
                        pid=pid, timeStamp=ts, smUtil=sm, memUtil=mem, encUtil=0, decUtil=0
                    )
                )
        if not out:
            raise ReplayNVMLError(6)
        return out

    def nvmlDeviceGetComputeRunningProcesses(self, handle) -> list:
        dev = self._dev(handle)
        now = self.clock()
        rows = self.trace.get("process_util", {}).get(str(dev["index"]), [])
        pids = sorted({pid for t_s, pid, _, _ in rows if now - 1.0 <= t_s <= now})
        return [SimpleNamespace(pid=p, usedGpuMemory=None) for p in pids]


class RaplReplay:
    """A powercap tree under `root` whose energy_uj files follow a RAPL trace."""

    def __init__(self, trace: dict, root: Path, clock: ReplayClock) -> None:
        if not str(trace.get("format", "")).startswith("greenlens-rapl-trace/"):
            raise ValueError("not a RAPL trace")
        self.trace, self.root, self.clock = trace, Path(root), clock
        for zone in trace["zones"]:
            path = self.root / zone["path"]
            path.mkdir(parents=True, exist_ok=True)
            (path / "name").write_text(zone["name"] + "\n")
            (path / "max_energy_range_uj").write_text(f"{zone['max_energy_range_uj']}\n")
        self.apply()

    def apply(self) -> None:
        """Write each zone's energy_uj as the trace has it at `clock()` (atomic replace)."""
        for zone in self.trace["zones"]:
            value = _at(self.trace["t_s"], self.trace["energy_uj"][zone["path"]], self.clock())
            path = self.root / zone["path"] / "energy_uj"
            tmp = path.with_suffix(".tmp")
            tmp.write_text(f"{int(value)}\n")
            os.replace(tmp, path)


def record_nvml_trace(
    pynvml, indices: list[int], seconds: float, step_s: float = 0.02, note: str = ""
) -> dict:
    """Read energy counter and power of `indices` every `step_s` for `seconds`: a trace."""
    handles = {i: pynvml.nvmlDeviceGetHandleByIndex(i) for i in indices}
    devices: list[dict] = []
    for i, h in handles.items():
        uuid, name = pynvml.nvmlDeviceGetUUID(h), pynvml.nvmlDeviceGetName(h)
        devices.append(
            {
                "index": len(devices),
                "recorded_index": i,
                "uuid": uuid.decode() if isinstance(uuid, bytes) else uuid,
                "name": name.decode() if isinstance(name, bytes) else name,
                "energy_counter": True,
                "lost_at_s": None,
            }
        )
    t_s: list[float] = []
    energy_mj: dict[str, list[int]] = {str(k): [] for k in range(len(devices))}
    power_mw: dict[str, list[int]] = {str(k): [] for k in range(len(devices))}
    trace = {
        "format": "greenlens-nvml-trace/1",
        "about": note or "recorded by record_nvml_trace",
        "t0_unix_us": int(time.time() * 1e6),
        "devices": devices,
        "t_s": t_s,
        "energy_mj": energy_mj,
        "power_mw": power_mw,
    }
    t0 = time.monotonic()
    while (t := time.monotonic() - t0) < seconds:
        t_s.append(round(t, 6))
        for k, h in enumerate(handles.values()):
            energy_mj[str(k)].append(int(pynvml.nvmlDeviceGetTotalEnergyConsumption(h)))
            power_mw[str(k)].append(int(pynvml.nvmlDeviceGetPowerUsage(h)))
        time.sleep(max(0.0, step_s - (time.monotonic() - t0 - t)))
    return trace


__all__ = [
    "RaplReplay",
    "ReplayClock",
    "ReplayNVMLError",
    "ReplayNvml",
    "load_trace",
    "record_nvml_trace",
]
