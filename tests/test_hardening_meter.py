"""`greenlens meter` under signals and odd output: the command gets the signal, the run is
always recorded, and with --json the last line of stdout is the JSON object."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.store import Store

REPO = Path(__file__).resolve().parents[1]
GREENLENS = [sys.executable, "-c", "from app.cli import main; main()"]

# A command that says when it is ready, records the signals it gets, and exits with 3
# (after a short clean-up) on the first SIGINT/SIGTERM unless told to ignore them.
CHILD = r"""
import os, signal, sys, time
ready, mode = sys.argv[1], sys.argv[2]
got = []
def on(signum, frame):
    got.append(signum)
    with open(ready + ".signals", "a") as fh:
        fh.write(f"{signum}\n")
for s in (signal.SIGINT, signal.SIGTERM):
    signal.signal(s, on)
open(ready, "w").write(str(os.getpid()))
deadline = time.time() + 30
while time.time() < deadline:
    time.sleep(0.05)
    if got and mode == "exit":
        time.sleep(1.5)  # clean-up, during which another Ctrl-C may come
        sys.exit(3)
sys.exit(0)
"""


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO), "GREENLENS_LOCK_WAIT_S": "10"}


def _start(tmp_path, mode: str = "exit", **kw) -> tuple[subprocess.Popen, Path]:
    ready = tmp_path / "ready"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    proc = subprocess.Popen(
        [
            *GREENLENS,
            "meter",
            "--db",
            str(tmp_path / "s.duckdb"),
            "--",
            sys.executable,
            str(script),
            str(ready),
            mode,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        start_new_session=True,
        **kw,
    )
    deadline = time.monotonic() + 60
    while not (ready.exists() and ready.read_text()):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the metered command did not start"
        time.sleep(0.05)
    return proc, ready


def _runs(tmp_path) -> list[dict]:
    with Store(tmp_path / "s.duckdb", read_only=True) as s:
        return s.fetch_dicts("SELECT command, exit_code FROM runs WHERE kind = 'meter'")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return (
        Path(f"/proc/{pid}").exists()
        and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    )


def _signals(ready: Path) -> list[int]:
    path = Path(str(ready) + ".signals")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def test_json_is_the_last_line_after_output_without_newline(tmp_path):
    res = subprocess.run(
        [*GREENLENS, "meter", "--json", "--no-record", "--", "printf", "no newline"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == "no newline"
    assert json.loads(lines[-1])["exit_code"] == 0
    res = subprocess.run(
        [*GREENLENS, "meter", "--json", "--no-record", "--", "echo", "x"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert res.stdout.splitlines()[0] == "x" and len(res.stdout.splitlines()) == 2


def test_sigterm_is_forwarded_and_the_run_recorded(tmp_path):
    proc, ready = _start(tmp_path)
    child = int(ready.read_text())
    os.kill(proc.pid, signal.SIGTERM)  # a scheduler stopping the job: meter only
    proc.communicate(timeout=60)
    assert proc.returncode == 3  # the command's own exit code, after its clean-up
    assert _signals(ready) == [signal.SIGTERM]
    assert not _alive(child)
    assert [r["exit_code"] for r in _runs(tmp_path)] == [3]


def test_sigint_to_the_meter_pid_is_forwarded(tmp_path):
    proc, ready = _start(tmp_path)
    os.kill(proc.pid, signal.SIGINT)  # `kill -INT`, not a terminal's Ctrl-C
    proc.communicate(timeout=60)
    assert _signals(ready) == [signal.SIGINT]
    assert proc.returncode == 3 and [r["exit_code"] for r in _runs(tmp_path)] == [3]


def test_ctrl_c_twice_still_records_the_run(tmp_path):
    proc, ready = _start(tmp_path)
    os.killpg(proc.pid, signal.SIGINT)  # the terminal signals the whole group
    time.sleep(0.7)
    os.killpg(proc.pid, signal.SIGINT)  # impatient second Ctrl-C, during clean-up
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, err
    assert b"Traceback" not in err
    assert [r["exit_code"] for r in _runs(tmp_path)] == [3]


def test_a_command_that_ignores_signals_is_killed_at_the_third(tmp_path):
    proc, ready = _start(tmp_path, mode="ignore")
    child = int(ready.read_text())
    for _ in range(3):
        os.kill(proc.pid, signal.SIGTERM)
        time.sleep(0.3)
    proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGKILL
    assert not _alive(child)
    assert [r["exit_code"] for r in _runs(tmp_path)] == [128 + signal.SIGKILL]


@pytest.mark.skipif(shutil.which("timeout") is None, reason="needs coreutils timeout")
def test_timeout_around_meter_records_the_run(tmp_path):
    started = time.monotonic()
    # 10 s: greenlens itself takes 1-4 s to start on a loaded 2-core machine
    res = subprocess.run(
        [
            "timeout",
            "10",
            *GREENLENS,
            "meter",
            "--db",
            str(tmp_path / "s.duckdb"),
            "--",
            "sleep",
            "60",
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=90,
    )
    assert res.returncode == 124, res.stderr  # timeout's own code: it stopped the command
    assert time.monotonic() - started < 30
    assert [r["exit_code"] for r in _runs(tmp_path)] == [128 + signal.SIGTERM]
