"""CPU and DRAM energy: Intel/AMD RAPL through powercap sysfs, else a utilisation x TDP estimate.

RAPL: `/sys/class/powercap/intel-rapl:N/energy_uj` (microjoules, cumulative, wraps at
`max_energy_range_uj`). Package zones give CPU energy, zones named "dram" give DRAM energy.
Since the PLATYPUS fix (CVE-2020-8694) these files are readable by root only on most
distributions. Where they are unreadable, CPU energy is estimated as
(CPU time used / (wall time x logical CPUs)) x TDP x wall time, and marked `estimated`.
"""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

from replication.meters.base import DEFAULT_CPU_TDP_W, Meter, Poller, Reading
from replication.meters.nvml import MeterUnavailable

POWERCAP_ROOT = Path("/sys/class/powercap")
RAPL_POLL_S = 5.0  # reads between begin and end so that a wrap is never missed


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, with the logical CPU count."""
    name = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name} ({os.cpu_count() or 1} logical CPUs)"


class _Zone:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = (path / "name").read_text().strip()
        self.label = self.name if path.name.count(":") == 1 else f"{self.name}@{path.name}"
        self.max_uj = int((path / "max_energy_range_uj").read_text())
        self.last_uj = self.read_uj()
        self.total_uj = 0

    def read_uj(self) -> int:
        return int((self.path / "energy_uj").read_text())

    def update(self) -> None:
        now = self.read_uj()
        delta = now - self.last_uj
        if delta < 0:  # the counter wrapped past max_energy_range_uj
            delta += self.max_uj
        self.total_uj += delta
        self.last_uj = now


def rapl_zones(root: Path, domain: str) -> list[Path]:
    """Powercap zone folders for `domain` ("package" or "dram"), top-level first."""
    out = []
    for path in sorted(root.glob("intel-rapl:*")):
        if not re.fullmatch(r"intel-rapl(:\d+)+", path.name):
            continue
        try:
            name = (path / "name").read_text().strip()
        except OSError:
            continue
        top = path.name.count(":") == 1
        is_package = domain == "package" and top and name.startswith("package")
        if is_package or (domain == "dram" and name == "dram"):
            out.append(path)
    return out


class RaplMeter(Meter):
    """CPU package (kind "cpu") or DRAM (kind "dram") energy from RAPL counters."""

    def __init__(
        self,
        domain: str = "package",
        root: Path = POWERCAP_ROOT,
        poll_s: float | None = RAPL_POLL_S,
    ) -> None:
        self.kind = "cpu" if domain == "package" else "dram"
        self.source = f"rapl-{domain}: powercap energy_uj"
        paths = rapl_zones(Path(root), domain)
        if not paths:
            raise MeterUnavailable(
                f"RAPL: no {domain} zone under {root}/intel-rapl:* "
                f"(needs Linux powercap with an Intel or AMD CPU)"
            )
        try:
            self.zones = [_Zone(p) for p in paths]
        except (OSError, ValueError) as exc:
            raise MeterUnavailable(
                f"RAPL: {paths[0]}/energy_uj is not readable ({exc.__class__.__name__}); "
                f"it is root-only since CVE-2020-8694: run as root or grant read access"
            ) from exc
        self._lock = threading.Lock()
        self._start: dict[str, dict[str, int]] = {}
        self._error: str | None = None
        # poll_s None: no thread; whoever drives time calls poll() (replay)
        self._poller = Poller(self._update, poll_s) if poll_s else None

    def device(self) -> str:
        return f"{cpu_model()}; RAPL zones {', '.join(z.label for z in self.zones)}"

    def poll(self) -> None:
        """Read every zone now, so that a wrap between two reads is counted."""
        self._update()

    def _update(self) -> None:
        with self._lock:
            for zone in self.zones:
                try:
                    zone.update()
                except (OSError, ValueError) as exc:
                    self._error = f"RAPL read failed on {zone.label}: {exc}"

    def _totals(self) -> dict[str, int]:
        self._update()
        with self._lock:
            return {z.label: z.total_uj for z in self.zones}

    def start(self, key: str) -> None:
        totals = self._totals()
        with self._lock:
            self._start[key] = totals
        if self._poller is not None:
            self._poller.window_opened()

    def stop(self, key: str) -> Reading:
        end = self._totals()
        if self._poller is not None:
            self._poller.window_closed()
        with self._lock:
            begin = self._start.pop(key)
            error = self._error
        energy: dict[str, float | None] = {
            label: (end[label] - begin[label]) / 1e6 for label in end
        }
        return Reading(energy, self.source, error=error)


def _process_cpu_s() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _system_busy_s() -> float:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuEstimateMeter(Meter):
    """CPU energy estimated as utilisation x TDP (no idle power, linear in utilisation).

    mode "process" (default) counts this process and its waited-for children (so
    `greenlens meter -- CMD` covers CMD); "system" counts every process (/proc/stat).
    """

    kind = "cpu"
    estimated = True

    def __init__(
        self, tdp_w: float = DEFAULT_CPU_TDP_W, mode: str = "process", why: str = "RAPL unreadable"
    ) -> None:
        if mode not in ("process", "system"):
            raise ValueError(f"mode must be 'process' or 'system', not {mode!r}")
        self.tdp_w = float(tdp_w)
        self.mode = mode
        self.why = why
        self.ncpu = os.cpu_count() or 1
        self._read = _process_cpu_s if mode == "process" else _system_busy_s
        self.source = f"estimated: utilisation x {self.tdp_w:g} W TDP"
        self._start: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def device(self) -> str:
        return cpu_model()

    def start(self, key: str) -> None:
        with self._lock:
            self._start[key] = (time.monotonic(), self._read())

    def stop(self, key: str) -> Reading:
        t1, c1 = time.monotonic(), self._read()
        with self._lock:
            t0, c0 = self._start.pop(key)
        wall_s = max(t1 - t0, 1e-9)
        util = min(1.0, max(0.0, (c1 - c0) / (wall_s * self.ncpu)))
        energy_j = util * self.tdp_w * wall_s
        what = (
            "process + children CPU time"
            if self.mode == "process"
            else "system CPU time (/proc/stat)"
        )
        source = (
            f"estimated: {util:.0%} util x {self.tdp_w:g} W TDP "
            f"({what} / {self.ncpu} logical CPUs; {self.why})"
        )
        return Reading({"cpu": energy_j}, source, estimated=True)
