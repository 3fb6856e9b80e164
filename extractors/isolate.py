"""Run PDF work in worker processes with a time and a memory limit each.

A broken or hostile PDF must cost one error record, never a hung or crashed batch: each
task runs in a worker process (forkserver: workers fork from a clean single-threaded
server, not from the parent that holds DuckDB); a worker over its time limit is killed,
one that dies (a crash in the C engine, the memory limit) is replaced, and either way the
task comes back as a `PDFError` with a reason (`timeout`, `memory`, `corrupt`, ...).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

from corpus.errors import PDFError

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MEMORY_MB = 2048  # address space a worker may add while parsing one PDF
# imported once in the fork server, so workers start warm and small limits stay meaningful
_PRELOAD = ["extractors.warm"]


@dataclass(frozen=True)
class Limits:
    """Per-task wall-clock limit (seconds); address space (MiB) a worker may add to its size
    at start while parsing (RLIMIT_AS = start size + memory_mb)."""

    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int | None = DEFAULT_MEMORY_MB


def _context(start: str = "forkserver"):
    ctx = multiprocessing.get_context(start)
    if start == "forkserver":
        ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def _address_space() -> int:
    """This process's current virtual size in bytes (the base the memory limit adds to)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 1024 * 1024 * 1024


def _worker_main(conn, func: Callable, memory_mb: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    if memory_mb:
        limit = _address_space() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        key, args = task
        fatal = False
        try:
            message = ("ok", key, func(*args))
        except Exception as exc:  # noqa: BLE001 - any bug or engine error is one record
            message = ("err", key, _task_error(exc, memory_mb))
            fatal = isinstance(exc, MemoryError)  # the heap may be in a bad state: start afresh
        try:
            conn.send((*message, fatal))
        except MemoryError:
            fatal = True
            conn.send(
                (
                    "err",
                    key,
                    PDFError("over the memory limit sending the result", reason="memory"),
                    fatal,
                )
            )
        except Exception as exc:  # noqa: BLE001 - an unpicklable result
            conn.send(
                ("err", key, PDFError(f"result could not be sent: {exc}", reason="corrupt"), fatal)
            )
        if fatal:
            return


def _task_error(exc: Exception, memory_mb: int | None) -> PDFError:
    """The error record of a task that raised `exc`."""
    if isinstance(exc, PDFError):
        return exc
    if isinstance(exc, MemoryError):
        limit = f" ({memory_mb} MiB)" if memory_mb else ""
        return PDFError(f"over the memory limit{limit}", reason="memory")
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno}" if tb else ""
    return PDFError(f"corrupt PDF: {type(exc).__name__}: {exc}{where}", reason="corrupt")


class _Worker:
    def __init__(self, ctx, func: Callable, limits: Limits) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child, func, limits.memory_mb), daemon=True
        )
        self.process.start()
        child.close()
        self.task: tuple[Any, float] | None = None  # (key, deadline)

    def send(self, key: Any, args: tuple, timeout_s: float) -> None:
        self.conn.send((key, args))
        self.task = (key, time.monotonic() + timeout_s)

    def stop(self, *, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()


def _death_reason(process, limits: Limits) -> PDFError:
    code = process.exitcode
    if code is not None and code < 0:
        try:
            sig = signal.Signals(-code)
            name = sig.name
        except ValueError:
            sig, name = None, f"signal {-code}"
        if limits.memory_mb and sig in (signal.SIGABRT, signal.SIGKILL):
            # allocation failures under RLIMIT_AS end in abort() inside the engine
            return PDFError(
                f"the PDF engine aborted ({name}), most likely over the memory "
                f"limit ({limits.memory_mb} MiB)",
                reason="memory",
            )
        return PDFError(f"corrupt PDF: the PDF engine crashed ({name})", reason="corrupt")
    return PDFError(f"corrupt PDF: the worker exited with code {code}", reason="corrupt")


def run_isolated(
    func: Callable,
    tasks: Iterable[tuple[Any, tuple]],
    *,
    workers: int = 1,
    limits: Limits | None = None,
    start: str = "forkserver",
) -> Iterator[tuple[Any, Any]]:
    """Yield (key, result or PDFError) for each (key, args) task, in completion order.

    `func` must be importable by name (it runs in another process); as with any
    multiprocessing start method but fork, a script calling this needs the
    `if __name__ == "__main__":` guard. `start="fork"` forks workers from this process
    (milliseconds instead of a fresh interpreter): only for a single-threaded caller that
    holds no database connection, such as `greenlens check`.
    """
    limits = limits or Limits()
    ctx = _context(start)
    pending = iter(tasks)
    pool: list[_Worker] = []
    more = True
    try:
        while True:
            while more:  # hand out tasks to idle workers, starting workers as needed
                idle = next((w for w in pool if w.task is None), None)
                if idle is None and len(pool) < workers:
                    idle = _Worker(ctx, func, limits)
                    pool.append(idle)
                if idle is None:
                    break
                nxt = next(pending, None)
                if nxt is None:
                    more = False
                    break
                idle.send(nxt[0], nxt[1], limits.timeout_s)
            busy = [(w, w.task) for w in pool if w.task is not None]
            if not busy:
                return
            timeout = max(0.0, min(task[1] for _, task in busy) - time.monotonic())
            ready = set(
                wait(
                    [w.conn for w, _ in busy] + [w.process.sentinel for w, _ in busy],
                    timeout=timeout,
                )
            )
            for worker, (key, deadline) in busy:
                if worker.conn in ready or worker.process.sentinel in ready:
                    worker.task = None
                    message = _receive(worker)
                    if message is None:  # died without a word: a crash or a hard limit
                        worker.process.join(timeout=5)
                        yield key, _death_reason(worker.process, limits)
                        _retire(pool, worker, kill=True)
                        continue
                    yield key, message[2]
                    if message[3]:  # the worker quits after a MemoryError
                        _retire(pool, worker)
                elif time.monotonic() >= deadline:
                    worker.task = None
                    _retire(pool, worker, kill=True)
                    yield (
                        key,
                        PDFError(f"timeout: took over {limits.timeout_s:g} s", reason="timeout"),
                    )
    finally:
        for worker in pool:
            worker.stop(kill=worker.task is not None)


def _receive(worker: _Worker):
    try:
        if worker.conn.poll():
            return worker.conn.recv()
    except (EOFError, OSError):
        pass
    return None


def _retire(pool: list[_Worker], worker: _Worker, *, kill: bool = False) -> None:
    pool.remove(worker)
    worker.stop(kill=kill)


class _Expired(BaseException):
    """Raised by the timer inside a task run in this process (a BaseException, so a task's
    own `except Exception` cannot swallow it)."""


def can_run_inline() -> bool:
    """True where run_inline can apply its time limit: the main thread, and no periodic
    timer (a one-shot timer already set, like pytest-timeout's, still fires on time)."""
    return (
        threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[1] == 0
    )


def run_inline(
    func: Callable, tasks: Iterable[tuple[Any, tuple]], *, limits: Limits | None = None
) -> Iterator[tuple[Any, Any]]:
    """Yield (key, result or PDFError) for each (key, args) task, run in this process.

    Only for work that opens no PDF (a re-detection from stored text: pure Python on text
    that was parsed within the limits): no process is started, the time limit holds
    (SIGALRM interrupts Python code and regular expressions alike), the memory limit does
    not (it would bind this process). Needs can_run_inline()."""
    limits = limits or Limits()
    if not can_run_inline():
        raise RuntimeError("run_inline needs the main thread and no periodic timer")
    left = signal.getitimer(signal.ITIMER_REAL)[0]
    outer = time.monotonic() + left if left else None  # the deadline of a timer already set
    task: float | None = None  # the running task's deadline
    previous = signal.getsignal(signal.SIGALRM)

    def arm() -> None:
        ends = [d for d in (task, outer) if d is not None]
        signal.setitimer(signal.ITIMER_REAL, max(1e-6, min(ends) - time.monotonic()) if ends else 0)

    def expire(signum, frame) -> None:
        nonlocal outer
        now = time.monotonic()
        if task is not None and now >= task:
            raise _Expired
        if outer is not None and now >= outer:  # the earlier timer's turn: its handler runs
            outer = None
            arm()
            if callable(previous):
                previous(signum, frame)
            elif previous == signal.SIG_DFL:
                signal.signal(signal.SIGALRM, signal.SIG_DFL)
                signal.raise_signal(signal.SIGALRM)
            return
        arm()

    signal.signal(signal.SIGALRM, expire)
    try:
        for key, args in tasks:
            try:
                task = time.monotonic() + limits.timeout_s
                arm()
                try:
                    result = func(*args)
                finally:
                    task = None
                    arm()
            except _Expired:
                result = PDFError(f"timeout: took over {limits.timeout_s:g} s", reason="timeout")
            except Exception as exc:  # noqa: BLE001 - any bug is one record, as in a worker
                result = _task_error(exc, None)
            yield key, result
    finally:
        task = None
        signal.signal(signal.SIGALRM, previous)
        arm()
