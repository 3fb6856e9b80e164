"""GPU energy through NVML (nvidia-ml-py, imported as `pynvml`).

Two backends: the driver's cumulative energy counter (`nvmlDeviceGetTotalEnergyConsumption`,
millijoules since driver load, Volta and newer) and, where that is not supported, power
(`nvmlDeviceGetPowerUsage`, milliwatts) sampled by a background thread and integrated with
the trapezoid rule. An NVML error inside a window (a GPU lost mid-run) is reported in the
reading; it never reaches the user's code.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable

from replication.meters.base import DEFAULT_SAMPLE_INTERVAL_S, Meter, Poller, Reading
from replication.meters.devices import VisibleGpus, resolve_visible

COUNTER_WRAP = 1 << 64  # nvmlDeviceGetTotalEnergyConsumption is an unsigned long long (mJ)


class MeterUnavailable(Exception):
    """A backend cannot run here; `str(exc)` says what it needs."""


def load_pynvml():
    """Import pynvml and call nvmlInit, or raise MeterUnavailable saying why."""
    try:
        pynvml = importlib.import_module("pynvml")
    except ImportError as exc:
        raise MeterUnavailable(
            "no GPU: nvidia-ml-py (pynvml) is not installed (pip install 'greenlens[replication]')"
        ) from exc
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
    """NVML indices of the physical GPUs this job can use (see devices.py)."""
    return [d.index for d in resolve_visible(pynvml).devices]


class _NvmlMeter(Meter):
    kind = "gpu"

    def __init__(
        self,
        pynvml,
        indices: list[int] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.nvml = pynvml
        self.clock = clock
        if indices is None:
            self.visible = resolve_visible(pynvml)
        else:
            inventory = {d.index: d for d in resolve_visible(pynvml, {}).devices}
            missing = [i for i in indices if i not in inventory]
            if missing:
                raise MeterUnavailable(
                    f"no GPU with NVML index {missing} (NVML shows {len(inventory)} device(s))"
                )
            self.visible = VisibleGpus(
                [inventory[i] for i in indices], f"indices {list(indices)} given by the caller"
            )
        self.devices = self.visible.devices
        self.indices = [d.index for d in self.devices]
        if not self.indices:
            why = self.visible.notes[0] if self.visible.notes else "NVML found 0 devices"
            raise MeterUnavailable(f"no GPU: {why}")
        self.handles = {d.label: pynvml.nvmlDeviceGetHandleByIndex(d.index) for d in self.devices}
        self._lock = threading.Lock()

    @property
    def notes(self) -> list[str]:
        """What to know about the devices chosen (MIG, unmatched entries)."""
        return list(self.visible.notes)

    def restrict(self, labels: list[str]) -> None:
        """Meter only the GPUs labelled `labels` (the rest are counted by another rank)."""
        self.devices = [d for d in self.devices if d.label in labels]
        self.indices = [d.index for d in self.devices]
        self.handles = {k: h for k, h in self.handles.items() if k in labels}

    def gpu_devices(self) -> list[dict]:
        """The devices measured, each with the variable that selected them."""
        return [dict(d.to_dict(), selected_by=self.visible.source) for d in self.devices]

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

    def __init__(
        self,
        pynvml,
        indices: list[int] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(pynvml, indices, clock=clock)
        for label, handle in self.handles.items():
            try:
                pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
            except pynvml.NVMLError as exc:
                raise MeterUnavailable(
                    f"nvmlDeviceGetTotalEnergyConsumption failed on GPU {label} "
                    f"({_msg(exc)}); the counter needs a Volta or newer GPU"
                ) from exc
        self._start: dict[str, tuple[float, dict[str, int | str]]] = {}

    def _read_mj(self) -> dict[str, int | str]:
        out: dict[str, int | str] = {}
        for label, handle in self.handles.items():
            try:
                out[label] = int(self.nvml.nvmlDeviceGetTotalEnergyConsumption(handle))
            except self.nvml.NVMLError as exc:
                out[label] = _msg(exc)
        return out

    def idle_power_w(
        self, seconds: float, sleep: Callable[[float], object] = time.sleep, poll_s: float = 0.005
    ) -> dict[str, float | None]:
        """Mean power per GPU over `seconds`, from the counter's first to its last change.

        The counter moves in steps about every 100 ms, so energy over a short window is off
        by up to a step; between two changes it is exact, to within `poll_s`. None for a GPU
        whose counter changed fewer than twice (or could not be read).
        """
        first: dict[str, tuple[float, int]] = {}
        last: dict[str, tuple[float, int]] = {}
        prev = self._read_mj()
        t0 = self.clock()
        while self.clock() - t0 < seconds:
            sleep(poll_s)
            now, t = self._read_mj(), self.clock()
            for label, value in now.items():
                if (
                    isinstance(value, int)
                    and isinstance(prev.get(label), int)
                    and value != prev[label]
                ):
                    first.setdefault(label, (t, value))
                    last[label] = (t, value)
            prev = now
        out: dict[str, float | None] = {}
        for label in self.handles:
            if label in first and last[label][0] > first[label][0]:
                (ta, ea), (tb, eb) = first[label], last[label]
                out[label] = ((eb - ea) % COUNTER_WRAP) / 1000.0 / (tb - ta)
            else:
                out[label] = None
        return out

    def start(self, key: str) -> None:
        reads = self._read_mj()
        with self._lock:
            self._start[key] = (self.clock(), reads)

    def stop(self, key: str) -> Reading:
        end = self._read_mj()
        t1 = self.clock()
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
                    notes.append(
                        f"GPU {label}: counter unchanged over {t1 - t0:.3f} s, instant power x time"
                    )
                except self.nvml.NVMLError:
                    energy[label] = 0.0
            elif isinstance(a, int) and isinstance(b, int) and b < a and a < COUNTER_WRAP // 2:
                energy[label] = None
                errors.append(
                    f"GPU {label}: energy counter went back from {a} to {b} mJ "
                    f"(driver reloaded or GPU reset?); its energy is unknown"
                )
            elif isinstance(a, int) and isinstance(b, int):
                energy[label] = ((b - a) % COUNTER_WRAP) / 1000.0  # modulo: 64-bit wrap
            else:
                energy[label] = None
                why = b if isinstance(b, str) else a
                errors.append(
                    f"GPU {label}: NVML error during window ({why}); its energy is unknown"
                )
        source = f"{self.source} ({'; '.join(notes)})" if notes else self.source
        return Reading(energy, source, error="; ".join(errors) or None)


class NvmlPowerSamplingMeter(_NvmlMeter):
    """Per-GPU energy from power (mW) sampled every `interval_s`, trapezoid-integrated."""

    def __init__(
        self,
        pynvml,
        indices: list[int] | None = None,
        interval_s: float = DEFAULT_SAMPLE_INTERVAL_S,
        *,
        clock: Callable[[], float] = time.monotonic,
        background: bool = True,
    ) -> None:
        super().__init__(pynvml, indices, clock=clock)
        for label, handle in self.handles.items():
            try:
                pynvml.nvmlDeviceGetPowerUsage(handle)
            except pynvml.NVMLError as exc:
                raise MeterUnavailable(
                    f"nvmlDeviceGetPowerUsage failed on GPU {label} ({_msg(exc)})"
                ) from exc
        self.interval_s = interval_s
        self.source = (
            f"nvml-power-sampling: nvmlDeviceGetPowerUsage every {interval_s:g} s, trapezoid"
        )
        self._samples: list[tuple[float, dict[str, float | None]]] = []
        self._windows: dict[str, float] = {}
        self._lost: dict[str, tuple[float, str]] = {}
        # background=False: no thread; whoever drives the clock calls poll() (replay)
        self._poller = Poller(self._sample, interval_s) if background else None

    def poll(self) -> None:
        """Take one power sample now (the background thread does this every interval_s)."""
        with self._lock:
            if not self._windows:
                return
        self._sample()

    def _sample(self) -> float:
        t = self.clock()
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
        if self._poller is not None:
            self._poller.window_opened()

    def stop(self, key: str) -> Reading:
        t1 = self._sample()
        if self._poller is not None:
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
            pts = [(t, w) for t, row in samples if (w := row.get(label)) is not None]
            energy[label] = _trapezoid_j(pts) if len(pts) >= 2 else None
            if label in lost and lost[label][0] <= t1:
                why = lost[label][1]
                covered = (
                    f"covers the first {pts[-1][0] - t0:.1f} s only (to the last good sample)"
                    if energy[label] is not None
                    else "is unknown"
                )
                errors.append(
                    f"GPU {label}: NVML error during window ({why}); its energy {covered}"
                )
        return Reading(energy, self.source, error="; ".join(errors) or None)

    def close(self) -> None:
        super().close()


def _trapezoid_j(points: list[tuple[float, float]]) -> float:
    """Integrate (seconds, milliwatts) points into joules."""
    total_mj = 0.0
    for (ta, pa), (tb, pb) in zip(points, points[1:]):
        total_mj += (tb - ta) * (pa + pb) / 2.0
    return total_mj / 1000.0
