"""Run any command as a subprocess inside one measurement window (`greenlens meter`).

Signals: while the command runs, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2
sent to greenlens are forwarded to the command instead of killing greenlens, so the
window closes and the run is recorded however the command ends (a scheduler's SIGTERM,
`timeout`, `kill -INT`). Ctrl-C at a terminal already reaches the command (same process
group, in the foreground), so it is not sent twice. A third SIGINT/SIGTERM kills the
command (SIGKILL); the record is still written. Only SIGKILL of greenlens itself loses it.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from corpus.errors import ConfigError
from corpus.store import Store
from replication.meters.measurement import Measurement
from replication.meters.monitor import EnergyMonitor
from replication.runs import record_run

FORWARDED_SIGNALS = tuple(
    getattr(signal, name)
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2")
    if hasattr(signal, name)
)
KILL_AFTER = 3  # the third SIGINT/SIGTERM kills the command outright
RELAY_JOIN_S = 2.0  # after the command exits, how long to wait for its stdout to drain


class CommandNotFound(ConfigError):
    """The command to meter does not exist or cannot be executed."""

    exit_code = 127


@dataclass
class MeteredCommand:
    """A command's measurement, its exit code and the `runs` id it was stored under."""

    measurement: Measurement
    exit_code: int
    run_id: str | None
    # whether the command's stdout ended with a newline (None: not relayed, unknown)
    stdout_ends_line: bool | None = None

    def to_dict(self) -> dict:
        """The measurement's dict plus exit_code and run_id."""
        d = self.measurement.to_dict()
        d.update(exit_code=self.exit_code, run_id=self.run_id)
        return d


def _terminal_signals_our_group() -> bool:
    """Whether our process group is the foreground of a controlling terminal (so a
    terminal's Ctrl-C has reached the command too)."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


class SignalForwarding:
    """Signals received while installed; forwards them to `proc` once it is set."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.received: list[int] = []
        self.killed = False

    def handle(self, signum: int, _frame) -> None:
        """The handler: forward to the command (or, before it starts, stop as usual)."""
        self.received.append(signum)
        proc = self.proc
        if proc is None:  # nothing runs yet (idle baseline): stop as the signal would
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            raise SystemExit(128 + signum)
        if proc.poll() is not None:
            return  # the command has ended: the record is being written, then we exit
        stops = sum(s in (signal.SIGINT, signal.SIGTERM) for s in self.received)
        if signum in (signal.SIGINT, signal.SIGTERM) and stops >= KILL_AFTER:
            self.killed = True
            proc.kill()
            return
        if signum == signal.SIGINT and _terminal_signals_our_group():
            pass  # the terminal sent it to the whole foreground group, the command too
        else:
            try:
                proc.send_signal(signum)
            except ProcessLookupError:
                return
        if signum in (signal.SIGINT, signal.SIGTERM):
            name = signal.Signals(signum).name
            print(
                f"greenlens meter: {name} passed to the command (pid {proc.pid}); waiting "
                f"for it to exit to record the run ({KILL_AFTER - stops} more to kill it)",
                file=sys.stderr,
                flush=True,
            )


@contextmanager
def signals_forwarded() -> Iterator[SignalForwarding]:
    """Forward FORWARDED_SIGNALS to the metered command for the duration of the block
    (only in the main thread; elsewhere signals cannot be caught and nothing changes)."""
    forwarding = SignalForwarding()
    if threading.current_thread() is not threading.main_thread():
        yield forwarding
        return
    previous = {s: signal.signal(s, forwarding.handle) for s in FORWARDED_SIGNALS}
    try:
        yield forwarding
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _relay(src: int, state: dict) -> None:
    """Copy the command's stdout to ours, remembering the last byte."""
    out = getattr(sys.stdout, "buffer", None)
    while True:
        try:
            chunk = os.read(src, 65536)
        except OSError:
            break
        if not chunk:
            break
        state["last"] = chunk[-1:]
        try:
            if out is not None:
                out.write(chunk)
                out.flush()
            else:
                os.write(1, chunk)
        except (OSError, ValueError):
            pass  # our stdout is gone: keep draining so the command never blocks
    os.close(src)


def run_metered(
    argv: list[str],
    monitor: EnergyMonitor,
    store: Store | None = None,
    *,
    forwarding: SignalForwarding | None = None,
    relay_stdout: bool = False,
) -> MeteredCommand:
    """Run `argv` (stdio passed through) under `monitor`; store the run if a store is given.

    Signals are forwarded to the command (see the module docstring): by `forwarding` if
    given (its block should also cover recording the run), else for the command's life.
    With relay_stdout the command's stdout goes through a pipe so that the result says
    whether it ended with a newline (for output framing; no terminal is involved then)."""
    if not argv:
        raise ConfigError("no command given: use `greenlens meter -- CMD ARGS...`")
    if forwarding is None:
        with signals_forwarded() as own:
            return run_metered(argv, monitor, store, forwarding=own, relay_stdout=relay_stdout)
    command = shlex.join(argv)
    relay: dict = {"last": b"\n"}  # nothing written counts as at a line start
    read_fd = write_fd = None
    if relay_stdout:
        read_fd, write_fd = os.pipe()
    monitor.begin_window("meter")
    try:
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
        proc = subprocess.Popen(argv, stdout=write_fd)
    except OSError as exc:
        monitor.end_window("meter")
        for fd in (read_fd, write_fd):
            if fd is not None:
                os.close(fd)
        raise CommandNotFound(f"cannot run {argv[0]!r}: {exc.strerror or exc}") from exc
    forwarding.proc = proc
    thread = None
    if write_fd is not None:
        os.close(write_fd)
        thread = threading.Thread(target=_relay, args=(read_fd, relay), daemon=True)
        thread.start()
    code = proc.wait()  # signal handlers run here and forward; wait resumes after them
    measurement = monitor.end_window("meter")
    if thread is not None:
        thread.join(RELAY_JOIN_S)  # a background grandchild may keep the pipe open
    if code < 0:  # killed by a signal: report it the way a shell does
        code = 128 - code
    run_id = None
    if store is not None:
        run_id = record_run(store, measurement, kind="meter", command=command, exit_code=code)
    ends = relay["last"] == b"\n" if thread is not None else None
    return MeteredCommand(measurement, code, run_id, ends)


__all__ = [
    "CommandNotFound",
    "MeteredCommand",
    "SignalForwarding",
    "run_metered",
    "signals_forwarded",
]
