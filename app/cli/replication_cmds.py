"""CLI: meter (run any command under the energy meter), replicate (metered baseline search)."""

from __future__ import annotations

import json
import shlex
import sys

import click

from app.cli.common import clean_errors, db_option, open_store


def _monitor_options(func):
    """--interval-s, --cpu-tdp-w, --pue, --grid-gco2e-per-kwh."""
    from replication.meters.base import (DEFAULT_CPU_TDP_W, DEFAULT_GRID_GCO2E_PER_KWH,
                                         DEFAULT_PUE, DEFAULT_SAMPLE_INTERVAL_S)
    options = [
        click.option("--interval-s", type=float, default=DEFAULT_SAMPLE_INTERVAL_S,
                     show_default=True,
                     help="GPU power sampling interval where NVML has no energy counter."),
        click.option("--cpu-tdp-w", type=float, default=DEFAULT_CPU_TDP_W, show_default=True,
                     help="CPU TDP for the utilisation estimate used where RAPL is unreadable."),
        click.option("--pue", type=float, default=DEFAULT_PUE, show_default=True,
                     help="Power usage effectiveness (1.0: workstation)."),
        click.option("--grid-gco2e-per-kwh", type=float, default=DEFAULT_GRID_GCO2E_PER_KWH,
                     show_default=True,
                     help="Grid carbon intensity (default: world average 2023, Ember)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _make_monitor(interval_s: float, cpu_tdp_w: float, pue: float, grid: float):
    from replication.meters import EnergyMonitor
    from replication.meters.base import carbon_config

    return EnergyMonitor(carbon=carbon_config(grid, pue), interval_s=interval_s,
                         cpu_tdp_w=cpu_tdp_w)


@click.command(context_settings={"ignore_unknown_options": True,
                                 "allow_interspersed_args": False})
@db_option
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (the last line of stdout) instead of a summary.")
@click.option("--no-record", is_flag=True, help="Do not store the run in the `runs` table.")
@_monitor_options
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@clean_errors
def meter(db_path, as_json, no_record, interval_s, cpu_tdp_w, pue, grid_gco2e_per_kwh,
          command) -> None:
    """Run COMMAND under the energy meter and exit with its exit code.

    Example: greenlens meter --json -- python train.py --epochs 3
    """
    from replication.command import run_metered
    from replication.runs import record_run

    if not no_record:  # fail before running if the store cannot be opened; do not hold it
        open_store(db_path).close()
    monitor = _make_monitor(interval_s, cpu_tdp_w, pue, grid_gco2e_per_kwh)
    try:
        result = run_metered(list(command), monitor)
    finally:
        monitor.close()
    if not no_record:
        try:
            with open_store(db_path) as store:
                result.run_id = record_run(store, result.measurement, kind="meter",
                                           command=shlex.join(command),
                                           exit_code=result.exit_code)
        except Exception as exc:  # the measurement is still printed below
            click.echo(f"warning: run not stored: {exc}", err=True)
    if as_json:
        click.echo(json.dumps(result.to_dict(), sort_keys=True, default=str))
    else:
        click.echo(result.measurement.summary(), err=True)
        click.echo(f"  exit code {result.exit_code}" +
                   (f", stored as run {result.run_id}" if result.run_id else ""), err=True)
    sys.exit(result.exit_code)


def register(group: click.Group) -> None:
    """Add this module's commands to the CLI."""
    group.add_command(meter)
