"""This job's share of a shared GPU: an estimate from NVML's per-process utilisation.

Method: every `poll_s` (default 1 s) read `nvmlDeviceGetProcessUtilization` for each GPU
(samples of SM utilisation per process since the last read). Over a window, this job's
share of a GPU is the sum of its processes' SM utilisation samples over the sum of all
processes' samples on that GPU; the attributed energy is that share x the GPU's measured
energy, so idle energy is shared in the same proportion. "This job" is the metering
process and its descendants (`greenlens meter`'s command, the ranks a launcher spawns),
read from /proc at every poll; in a distributed job, every rank on the node and their
descendants (job.py registers the ranks' pids). It is an estimate: SM utilisation is the fraction of time
a kernel ran, not power, and a process that lives less than one poll is missed. Where
NVML reports no samples (no process ran a kernel) or does not support the call (MIG
mode), the share is unknown and said so. It never replaces the measured figure.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from replication.meters.base import Poller

DEFAULT_SHARE_POLL_S = 1.0


def process_tree(roots: int | Iterable[int] | None = None, proc: Path = Path("/proc")) -> set[int]:
    """`roots` (default: this process) and all their descendants, from /proc/*/stat."""
    todo = [os.getpid()] if roots is None else [roots] if isinstance(roots, int) else list(roots)
    children: dict[int, list[int]] = {}
    try:
        entries = list(proc.iterdir())
    except OSError:  # no /proc (not Linux): the roots alone
        entries = []
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended while we looked
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out: set[int] = set()
    while todo:
        pid = todo.pop()
        if pid not in out:
            out.add(pid)
            todo.extend(children.get(pid, []))
    return out


@dataclass
class Share:
    """One GPU's share over one window: ours / all SM-utilisation sums, or why unknown."""

    ours: float = 0.0
    total: float = 0.0
    samples: int = 0
    unknown: str | None = None

    @property
    def fraction(self) -> float | None:
        """ours / total in [0, 1]; None when there were no samples or the call failed."""
        if self.unknown or self.total <= 0:
            return None
        return self.ours / self.total

    def describe(self, label: str) -> str:
        """`GPU 0: 62% of 48 samples` or why it is unknown."""
        if self.unknown:
            return f"GPU {label}: unknown ({self.unknown})"
        if self.fraction is None:
            return f"GPU {label}: unknown (no process ran a kernel: {self.samples} samples)"
        return f"GPU {label}: {self.fraction:.0%} of {self.samples} samples"


class ProcessShare:
    """Accumulates per-process SM utilisation per GPU over named windows (thread-safe)."""

    method = (
        "estimate: each GPU's energy x this job's share of the SM utilisation of all "
        "processes on it (nvmlDeviceGetProcessUtilization, polled every {poll:g} s; "
        "this process and its descendants; pids as NVML reports them)"
    )

    def __init__(
        self,
        nvml,
        handles: dict[str, object],
        *,
        pids: Callable[[], set[int]] = process_tree,
        now_us: Callable[[], int] = lambda: int(time.time() * 1e6),
        poll_s: float = DEFAULT_SHARE_POLL_S,
        background: bool = True,
    ) -> None:
        self.nvml = nvml
        self.handles = handles
        self.pids = pids
        self.now_us = now_us
        self.poll_s = poll_s
        self._last = {label: now_us() for label in handles}
        self._ours: set[int] = set()
        self._windows: dict[str, tuple[int, dict[str, Share]]] = {}
        self._lock = threading.Lock()
        self._poll_lock = threading.Lock()
        self._poller = Poller(self.poll, poll_s) if background else None

    @property
    def source(self) -> str:
        """The method, in words."""
        return self.method.format(poll=self.poll_s)

    def poll(self) -> None:
        """Read new utilisation samples of every GPU into the open windows."""
        with self._poll_lock:  # the thread and start/stop both poll: never read a sample twice
            self._poll()

    def _poll(self) -> None:
        with self._lock:
            if not self._windows:
                return
        ours = self.pids()
        for label, handle in self.handles.items():
            try:
                rows = self.nvml.nvmlDeviceGetProcessUtilization(handle, self._last[label])
            except self.nvml.NVMLError as exc:
                if getattr(exc, "value", None) in (
                    0,
                    getattr(self.nvml, "NVML_ERROR_NOT_FOUND", 6),
                ):
                    continue  # no sample since the last read
                self._mark_unknown(label, str(exc))
                continue
            with self._lock:
                self._ours |= ours
                for row in rows:
                    self._last[label] = max(self._last[label], int(row.timeStamp))
                    for start_us, shares in self._windows.values():
                        if row.timeStamp < start_us:
                            continue
                        share = shares[label]
                        share.samples += 1
                        share.total += row.smUtil
                        if row.pid in self._ours:
                            share.ours += row.smUtil

    def _mark_unknown(self, label: str, why: str) -> None:
        with self._lock:
            for _, shares in self._windows.values():
                shares[label].unknown = (
                    shares[label].unknown or f"nvmlDeviceGetProcessUtilization: {why}"
                )

    def start(self, key: str) -> None:
        """Open window `key` (samples from now on count)."""
        self.poll()
        with self._lock:
            self._windows[key] = (self.now_us(), {label: Share() for label in self.handles})
        if self._poller is not None:
            self._poller.window_opened()

    def stop(self, key: str) -> dict[str, Share]:
        """Close window `key`: each GPU's Share."""
        self.poll()
        if self._poller is not None:
            self._poller.window_closed()
        with self._lock:
            _, shares = self._windows.pop(key)
            if not self._windows:
                self._ours = set()
        return shares


def attribute(
    energy_j: dict[str, float | None], shares: dict[str, Share]
) -> dict[str, float | None]:
    """Share x measured energy per GPU; None where either is unknown."""
    out: dict[str, float | None] = {}
    for label, e in energy_j.items():
        share = shares.get(label)
        frac = share.fraction if share is not None else None
        out[label] = None if e is None or frac is None else e * frac
    return out


__all__ = ["DEFAULT_SHARE_POLL_S", "ProcessShare", "Share", "attribute", "process_tree"]
