"""`EnergyMonitor`: named measurement windows over one GPU, CPU and DRAM meter each.

    monitor = EnergyMonitor()              # probes backends (see factory.py)
    monitor.begin_window("train")
    ...
    m = monitor.end_window("train")       # Measurement
    with monitor.window("eval") as w: ... # w.measurement after the block
    @monitor.metered("step")              # each call's Measurement in step.measurements

Optional: `measure_idle(5)` before the run records an idle baseline (gpu_idle_w,
gpu_active_energy_j); `per_process=True` adds this job's estimated share of each GPU
(attribution.py).
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from replication.meters.attribution import (
    DEFAULT_SHARE_POLL_S,
    ProcessShare,
    attribute,
    process_tree,
)
from replication.meters.base import (
    DEFAULT_CPU_TDP_W,
    DEFAULT_SAMPLE_INTERVAL_S,
    CarbonConfig,
    Meter,
    NullMeter,
    Reading,
)
from replication.meters.cpu import POWERCAP_ROOT, RaplMeter
from replication.meters.factory import Probe, make_cpu_meter, make_dram_meter, make_gpu_meter
from replication.meters.job import DEFAULT_WAIT_S, JobClaims, JobContext, job_context
from replication.meters.measurement import Measurement


class WindowHandle:
    """What `EnergyMonitor.window` yields; `.measurement` is set when the block ends."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.measurement: Measurement | None = None


class EnergyMonitor:
    """Measures named, possibly overlapping windows; never raises for device errors."""

    def __init__(
        self,
        gpu: Meter | None = None,
        cpu: Meter | None = None,
        dram: Meter | None = None,
        carbon: CarbonConfig | None = None,
        *,
        interval_s: float = DEFAULT_SAMPLE_INTERVAL_S,
        cpu_tdp_w: float = DEFAULT_CPU_TDP_W,
        cpu_mode: str = "process",
        gpu_indices: list[int] | None = None,
        powercap_root: Path = POWERCAP_ROOT,
        per_process: bool = False,
        share_poll_s: float = DEFAULT_SHARE_POLL_S,
        nvml=None,
        clock: Callable[[], float] = time.monotonic,
        background: bool = True,
        job: JobContext | str | None = "auto",
        job_wait_s: float = DEFAULT_WAIT_S,
        claim_dir: Path | None = None,
        job_dir: Path | None = None,
    ) -> None:
        self.probes: list[Probe] = []
        self.clock = clock
        self.gpu = gpu or make_gpu_meter(
            interval_s, gpu_indices, self.probes, nvml=nvml, clock=clock, background=background
        )
        self.cpu = cpu or make_cpu_meter(cpu_tdp_w, cpu_mode, powercap_root, self.probes)
        self.dram = dram or make_dram_meter(powercap_root, self.probes)
        self.carbon = carbon or CarbonConfig()
        self.idle: dict | None = None
        self.share: ProcessShare | None = None
        self.share_unavailable: str | None = None
        if isinstance(job, str):
            if job != "auto":
                raise ValueError(f"job={job!r}: give a JobContext, None or 'auto'")
            job = job_context()
        self.job: JobContext | None = job
        self.claims: JobClaims | None = None
        self.counted: dict[str, bool] = {}
        self.elsewhere: dict[str, str] = {}
        self._seq: dict[str, int] = {}
        if self.job is not None:
            self.claims = JobClaims(self.job, claim_dir, job_dir, job_wait_s)
            self._claim(self.claims)
        if per_process:
            self._init_share(share_poll_s, background)
        self._open: dict[str, tuple[datetime, float]] = {}
        self._start_errors: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def _claim(self, claims: JobClaims) -> None:
        """Keep only what no other rank of the job on this node already meters."""
        devices = self.gpu.gpu_devices()
        mine, taken = [], {}
        for d in devices:
            holder = claims.claim(f"gpu-{d['uuid']}")
            if holder is None:
                mine.append(d["label"])
            else:
                taken[d["label"]] = holder
        if taken:
            self.elsewhere["gpu"] = ", ".join(f"GPU {k} by {v}" for k, v in taken.items())
            if mine:
                restrict = getattr(self.gpu, "restrict", None)  # NVML meters have it
                if restrict is None:
                    raise TypeError(
                        f"{type(self.gpu).__name__} lists GPUs but cannot meter only some of them"
                    )
                restrict(mine)
            else:
                self.gpu.close()
                self.gpu = NullMeter("gpu", f"counted by another rank: {self.elsewhere['gpu']}")
        self.counted["gpu"] = bool(mine)
        for kind in ("cpu", "dram"):
            meter = getattr(self, kind)
            if not isinstance(meter, RaplMeter):  # the CPU estimate is per process: each rank
                self.counted[kind] = meter.available
                continue
            holder = claims.claim(f"rapl-{kind}")
            self.counted[kind] = holder is None
            if holder is not None:
                meter.close()
                self.elsewhere[kind] = f"RAPL {kind} by {holder}"
                setattr(self, kind, NullMeter(kind, f"counted by another rank: {holder}"))

    def _init_share(self, poll_s: float, background: bool) -> None:
        nvml, handles = getattr(self.gpu, "nvml", None), getattr(self.gpu, "handles", None)
        if nvml is None or not handles:
            self.share_unavailable = f"no NVML GPU to attribute ({self.gpu.source})"
            return
        now_us = None
        if hasattr(nvml, "t0_us"):  # a replay: NVML's timestamps follow its clock
            now_us = lambda: nvml.t0_us + int(nvml.clock() * 1e6)  # noqa: E731
        kwargs = {"now_us": now_us} if now_us else {}
        if self.claims is not None:  # the job's processes: every rank on this node
            claims = self.claims
            kwargs["pids"] = lambda: process_tree(claims.rank_pids() | {os.getpid()})
        self.share = ProcessShare(nvml, handles, poll_s=poll_s, background=background, **kwargs)

    @property
    def meters(self) -> dict[str, Meter]:
        """The meter used for each kind."""
        return {"gpu": self.gpu, "cpu": self.cpu, "dram": self.dram}

    def device(self) -> str:
        """What is being measured, in words."""
        parts = [
            f"gpu: {self.gpu.device()}" if self.gpu.available else "gpu: none",
            f"cpu: {self.cpu.device()}",
        ]
        return "; ".join(parts)

    def poll(self) -> None:
        """Take one reading of every meter now (a replay calls this at each step)."""
        for meter in self.meters.values():
            meter.poll()
        if self.share is not None:
            self.share.poll()

    def measure_idle(
        self, seconds: float, sleep: Callable[[float], object] = time.sleep
    ) -> dict | None:
        """Measure the GPUs for `seconds` while this process does nothing: the idle baseline.

        Later windows report it as gpu_idle_w and gpu_active_energy_j beside the total; it
        is never subtracted from gpu_energy_j. Returns the baseline (None without a GPU).
        """
        if not self.gpu.available or seconds <= 0:
            self.idle = None
            return None
        t0 = self.clock()
        self.gpu.start("__idle__")
        edges = getattr(self.gpu, "idle_power_w", None)
        aligned = edges(seconds, sleep) if edges is not None else {}
        if edges is None:
            sleep(seconds)
        reading = self.gpu.stop("__idle__")
        wall = max(self.clock() - t0, 1e-9)
        watts: dict[str, float | None] = {}
        how = set()
        for label, joules in reading.energy_j.items():
            if aligned.get(label) is not None:
                watts[label] = aligned[label]
                how.add(
                    "counter change to counter change (the ~100 ms update step does not bias it)"
                )
            else:
                watts[label] = None if joules is None else joules / wall
                how.add("window energy / seconds")
        self.idle = {
            "seconds": round(wall, 3),
            "w_per_device": watts,
            "source": f"{reading.source} over {wall:.1f} s before the window, "
            f"nothing running in this job; {' and '.join(sorted(how))}"
            + (f"; {reading.error}" if reading.error else ""),
        }
        return self.idle

    def begin_window(self, name: str) -> None:
        """Open window `name` (names must be unique among open windows)."""
        with self._lock:
            if name in self._open:
                raise ValueError(f"window {name!r} is already open")
            self._open[name] = (datetime.now(UTC), self.clock())
            self._seq[name] = self._seq.get(name, -1) + 1
        if self.share is not None:
            self.share.start(name)
        for meter in self.meters.values():
            try:
                meter.start(name)
            except Exception as exc:  # a backend failing must not stop the user's run
                with self._lock:
                    self._start_errors.setdefault(name, []).append(
                        f"{meter.kind}: could not start ({exc!r})"
                    )

    def end_window(self, name: str) -> Measurement:
        """Close window `name` and return its Measurement."""
        t1 = self.clock()
        with self._lock:
            if name not in self._open:
                raise ValueError(f"window {name!r} is not open")
            started_at, t0 = self._open.pop(name)
            errors = list(self._start_errors.pop(name, []))
        readings: dict[str, Reading] = {}
        for kind, meter in self.meters.items():
            try:
                readings[kind] = meter.stop(name)
            except Exception as exc:
                readings[kind] = Reading({}, meter.source, error=f"{kind}: read failed ({exc!r})")
        for r in readings.values():
            if r.error:
                errors.append(r.error)
        sources = {kind: r.source for kind, r in readings.items()}
        sources["co2e"] = self.carbon.describe()
        estimated = [k for k, r in readings.items() if r.estimated]
        gpu_j = dict(readings["gpu"].energy_j)
        attributed: dict[str, float | None] = {}
        if self.share is not None:
            shares = self.share.stop(name)
            attributed = attribute(gpu_j, shares)
            sources["gpu_attributed"] = f"{self.share.source}: " + "; ".join(
                shares[k].describe(k) for k in gpu_j if k in shares
            )
            estimated.append("gpu_attributed")
        elif self.share_unavailable:
            sources["gpu_attributed"] = f"not estimated: {self.share_unavailable}"
        if self.idle is not None:
            sources["gpu_idle"] = self.idle["source"]
        m = Measurement(
            name=name,
            started_at=started_at,
            wall_s=t1 - t0,
            gpu_energy_j=gpu_j,
            cpu_energy_j=readings["cpu"].total_j,
            dram_energy_j=readings["dram"].total_j,
            pue=self.carbon.pue,
            grid_gco2e_per_kwh=self.carbon.grid_gco2e_per_kwh,
            sources=sources,
            estimated=estimated,
            errors=errors,
            device=self.device(),
            gpu_devices=self.gpu.gpu_devices(),
            notes=self.gpu.notes,
            idle=dict(self.idle) if self.idle else None,
            gpu_attributed_j=attributed,
        )
        if self.claims is None or self.job is None:
            return m
        m.job = dict(
            self.job.to_dict(), counted=dict(self.counted), counted_elsewhere=dict(self.elsewhere)
        )
        return self.claims.gather(m, name, self._seq[name])

    @contextmanager
    def window(self, name: str) -> Iterator[WindowHandle]:
        """Measure the `with` block; the handle's `.measurement` is set at its end."""
        handle = WindowHandle(name)
        self.begin_window(name)
        try:
            yield handle
        finally:
            handle.measurement = self.end_window(name)

    def metered(self, name: str | None = None) -> Callable:
        """Decorator: measure each call; results go to `wrapper.measurements`."""

        def decorate(func: Callable) -> Callable:
            label = name or func.__qualname__
            counter = iter(range(1 << 62))

            def call(*args: Any, **kwargs: Any) -> Any:
                handle = WindowHandle(label)
                try:
                    with self.window(f"{label}#{next(counter)}") as handle:
                        return func(*args, **kwargs)
                finally:
                    wrapper.measurements.append(handle.measurement)

            wrapper: Any = functools.wraps(func)(call)  # Any: it also carries `measurements`
            wrapper.measurements = []
            return wrapper

        return decorate

    def close(self) -> None:
        """Release the meters (threads, NVML)."""
        for meter in self.meters.values():
            meter.close()
        if self.claims is not None:
            self.claims.release()

    def __enter__(self) -> EnergyMonitor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
