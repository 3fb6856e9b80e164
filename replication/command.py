"""Run any command as a subprocess inside one measurement window (`greenlens meter`)."""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass

from corpus.errors import ConfigError
from corpus.store import Store
from replication.meters.measurement import Measurement
from replication.meters.monitor import EnergyMonitor
from replication.runs import record_run


class CommandNotFound(ConfigError):
    """The command to meter does not exist or cannot be executed."""

    exit_code = 127


@dataclass
class MeteredCommand:
    """A command's measurement, its exit code and the `runs` id it was stored under."""

    measurement: Measurement
    exit_code: int
    run_id: str | None

    def to_dict(self) -> dict:
        """The measurement's dict plus exit_code and run_id."""
        d = self.measurement.to_dict()
        d.update(exit_code=self.exit_code, run_id=self.run_id)
        return d


def run_metered(argv: list[str], monitor: EnergyMonitor, store: Store | None = None
                ) -> MeteredCommand:
    """Run `argv` (stdio passed through) under `monitor`; store the run if a store is given."""
    if not argv:
        raise ConfigError("no command given: use `greenlens meter -- CMD ARGS...`")
    command = shlex.join(argv)
    monitor.begin_window("meter")
    try:
        proc = subprocess.Popen(argv)
    except OSError as exc:
        monitor.end_window("meter")
        raise CommandNotFound(f"cannot run {argv[0]!r}: {exc.strerror or exc}") from exc
    try:
        code = proc.wait()
    except KeyboardInterrupt:  # the child got the same SIGINT; let it finish, then record
        code = proc.wait()
    measurement = monitor.end_window("meter")
    if code < 0:  # killed by a signal: report it the way a shell does
        code = 128 - code
    run_id = None
    if store is not None:
        run_id = record_run(store, measurement, kind="meter", command=command, exit_code=code)
    return MeteredCommand(measurement, code, run_id)


__all__ = ["CommandNotFound", "MeteredCommand", "run_metered"]
