"""GPU energy through NVML (nvidia-ml-py, imported as `pynvml`).

Two backends: the driver's cumulative energy counter (`nvmlDeviceGetTotalEnergyConsumption`,
millijoules since driver load, Volta and newer) and, where that is not supported, power
(`nvmlDeviceGetPowerUsage`, milliwatts) sampled by a background thread and integrated with
the trapezoid rule. An NVML error inside a window (a GPU lost mid-run) is reported in the
reading; it never reaches the user's code.
"""

from __future__ import annotations

import importlib
import os
import threading
import time

from replication.meters.base import DEFAULT_SAMPLE_INTERVAL_S, Meter, Poller, Reading


class MeterUnavailable(Exception):
    """A backend cannot run here; `str(exc)` says what it needs."""


def load_pynvml():
    """Import pynvml and call nvmlInit, or raise MeterUnavailable saying why."""
    try:
        pynvml = importlib.import_module("pynvml")
    except ImportError as exc:
        raise MeterUnavailable("no GPU: nvidia-ml-py (pynvml) is not installed "
                               "(pip install 'greenlens[replication]')") from exc
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        if getattr(exc, "value", None) == getattr(pynvml, "NVML_ERROR_LIBRARY_NOT_FOUND", 12):
            raise MeterUnavailable("no GPU: NVML library not found") from exc
        raise MeterUnavailable(f"no GPU: nvmlInit failed: {_msg(exc)}") from exc
    return pynvml


def _msg(exc: Exception) -> str:
    try:
        return str(exc)
    except Exception:  # pynvml's __str__ can itself call into NVML
        return type(exc).__name__


def visible_indices(pynvml) -> list[int]:
    """NVML indices to meter: CUDA_VISIBLE_DEVICES when it lists integers, else all."""
    count = pynvml.nvmlDeviceGetCount()
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None and env.strip():
        try:
            wanted = [int(x) for x in env.split(",") if x.strip()]
            return [i for i in wanted if 0 <= i < count]
        except ValueError:
            pass  # UUIDs or MIG names: meter every device
    return list(range(count))


class _NvmlMeter(Meter):
    kind = "gpu"

    def __init__(self, pynvml, indices: list[int] | None = None) -> None:
        self.nvml = pynvml
        self.indices = visible_indices(pynvml) if indices is None else list(indices)
        if not self.indices:
            raise MeterUnavailable("no GPU: NVML found 0 devices")
        self.handles = {str(i): pynvml.nvmlDeviceGetHandleByIndex(i) for i in self.indices}
        self._lock = threading.Lock()

    def names(self) -> dict[str, str]:
        """NVML product name per device label."""
        out = {}
        for label, handle in self.handles.items():
            try:
                name = self.nvml.nvmlDeviceGetName(handle)
                out[label] = name.decode() if isinstance(name, bytes) else str(name)
            except self.nvml.NVMLError as exc:
                out[label] = f"unknown ({_msg(exc)})"
        return out

    def device(self) -> str:
        names = list(self.names().values())
        return ", ".join(f"{n} x{names.count(n)}" for n in dict.fromkeys(names))

    def close(self) -> None:
        try:
            self.nvml.nvmlShutdown()
        except Exception:  # already shut down or lost: nothing left to release
            pass


class NvmlEnergyMeter(_NvmlMeter):
    """Per-GPU energy from the driver's cumulative counter (mJ)."""

    source = "nvml-energy-counter"

    def __init__(self, pynvml, indices: list[int] | None = None) -> None:
        super().__init__(pynvml, indices)
        for label, handle in self.handles.items():
            try:
                pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
            except pynvml.NVMLError as exc:
                raise MeterUnavailable(
                    f"nvmlDeviceGetTotalEnergyConsumption failed on GPU {label} "
                    f"({_msg(exc)}); the counter needs a Volta or newer GPU") from exc
        self._start: dict[str, tuple[float, dict[str, int | str]]] = {}

    def _read_mj(self) -> dict[str, int | str]:
        out: dict[str, int | str] = {}
        for label, handle in self.handles.items():
            try:
                out[label] = int(self.nvml.nvmlDeviceGetTotalEnergyConsumption(handle))
            except self.nvml.NVMLError as exc:
                out[label] = _msg(exc)
        return out

    def start(self, key: str) -> None:
        reads = self._read_mj()
        with self._lock:
            self._start[key] = (time.monotonic(), reads)

    def stop(self, key: str) -> Reading:
        end = self._read_mj()
        t1 = time.monotonic()
        with self._lock:
            t0, begin = self._start.pop(key)
        energy: dict[str, float | None] = {}
        errors = []
        notes = []
        for label, handle in self.handles.items():
            a, b = begin.get(label), end.get(label)
            if isinstance(a, int) and isinstance(b, int) and b == a and t1 > t0:
                # the counter updates about every 100 ms: a shorter window may see no change
                try:
                    energy[label] = self.nvml.nvmlDeviceGetPowerUsage(handle) * (t1 - t0) / 1e3
                    notes.append(f"GPU {label}: counter unchanged over {t1 - t0:.3f} s, "
                                 f"instant power x time")
                except self.nvml.NVMLError:
                    energy[label] = 0.0
            elif isinstance(a, int) and isinstance(b, int):
                energy[label] = (b - a) / 1000.0
            else:
                energy[label] = None
                why = b if isinstance(b, str) else a
                errors.append(f"GPU {label}: NVML error during window ({why}); "
                              f"its energy is unknown")
        source = f"{self.source} ({'; '.join(notes)})" if notes else self.source
        return Reading(energy, source, error="; ".join(errors) or None)


class NvmlPowerSamplingMeter(_NvmlMeter):
    """Per-GPU energy from power (mW) sampled every `interval_s`, trapezoid-integrated."""

    def __init__(self, pynvml, indices: list[int] | None = None,
                 interval_s: float = DEFAULT_SAMPLE_INTERVAL_S) -> None:
        super().__init__(pynvml, indices)
        for label, handle in self.handles.items():
            try:
                pynvml.nvmlDeviceGetPowerUsage(handle)
            except pynvml.NVMLError as exc:
                raise MeterUnavailable(
                    f"nvmlDeviceGetPowerUsage failed on GPU {label} ({_msg(exc)})") from exc
        self.interval_s = interval_s
        self.source = (f"nvml-power-sampling: nvmlDeviceGetPowerUsage every "
                       f"{interval_s:g} s, trapezoid")
        self._samples: list[tuple[float, dict[str, float | None]]] = []
        self._windows: dict[str, float] = {}
        self._lost: dict[str, tuple[float, str]] = {}
        self._poller = Poller(self._sample, interval_s)

    def _sample(self) -> float:
        t = time.monotonic()
        row: dict[str, float | None] = {}
        for label, handle in self.handles.items():
            if label in self._lost:
                row[label] = None
                continue
            try:
                row[label] = float(self.nvml.nvmlDeviceGetPowerUsage(handle))
            except self.nvml.NVMLError as exc:
                row[label] = None
                with self._lock:
                    self._lost.setdefault(label, (t, _msg(exc)))
        with self._lock:
            self._samples.append((t, row))
        return t

    def start(self, key: str) -> None:
        t0 = self._sample()
        with self._lock:
            self._windows[key] = t0
        self._poller.window_opened()

    def stop(self, key: str) -> Reading:
        t1 = self._sample()
        self._poller.window_closed()
        with self._lock:
            t0 = self._windows.pop(key)
            samples = [s for s in self._samples if t0 <= s[0] <= t1]
            keep_from = min(self._windows.values(), default=t1)
            self._samples = [s for s in self._samples if s[0] >= keep_from]
            lost = dict(self._lost)
        energy: dict[str, float | None] = {}
        errors = []
        for label in self.handles:
            pts = [(t, row[label]) for t, row in samples if row.get(label) is not None]
            energy[label] = _trapezoid_j(pts) if len(pts) >= 2 else None
            if label in lost and lost[label][0] <= t1:
                t_lost, why = lost[label]
                covered = f"covers the first {max(0.0, t_lost - t0):.1f} s only" \
                    if energy[label] is not None else "is unknown"
                errors.append(f"GPU {label}: NVML error during window ({why}); "
                              f"its energy {covered}")
        return Reading(energy, self.source, error="; ".join(errors) or None)

    def close(self) -> None:
        super().close()


def _trapezoid_j(points: list[tuple[float, float]]) -> float:
    """Integrate (seconds, milliwatts) points into joules."""
    total_mj = 0.0
    for (ta, pa), (tb, pb) in zip(points, points[1:]):
        total_mj += (tb - ta) * (pa + pb) / 2.0
    return total_mj / 1000.0
