"""CLI: meter (run any command under the energy meter), replicate (metered baseline search)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import click

from app.cli.options import (
    clean_errors,
    db_option,
    no_progress_option,
    open_store,
    prepare_out,
)


def _monitor_options(func):
    """--interval-s, --cpu-tdp-w, --pue, --grid-gco2e-per-kwh."""
    from replication.meters.base import (
        DEFAULT_CPU_TDP_W,
        DEFAULT_GRID_GCO2E_PER_KWH,
        DEFAULT_PUE,
        DEFAULT_SAMPLE_INTERVAL_S,
    )

    options = [
        click.option(
            "--interval-s",
            type=float,
            default=DEFAULT_SAMPLE_INTERVAL_S,
            show_default=True,
            help="GPU power sampling interval where NVML has no energy counter.",
        ),
        click.option(
            "--cpu-tdp-w",
            type=float,
            default=DEFAULT_CPU_TDP_W,
            show_default=True,
            help="CPU TDP for the utilisation estimate used where RAPL is unreadable.",
        ),
        click.option(
            "--pue",
            type=float,
            default=DEFAULT_PUE,
            show_default=True,
            help="Power usage effectiveness (1.0: workstation).",
        ),
        click.option(
            "--grid-gco2e-per-kwh",
            type=float,
            default=DEFAULT_GRID_GCO2E_PER_KWH,
            show_default=True,
            help="Grid carbon intensity (default: world average 2023, Ember).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _make_monitor(
    interval_s: float,
    cpu_tdp_w: float,
    pue: float,
    grid: float,
    per_process: bool = False,
    job: str | None = None,
):
    from replication.meters import EnergyMonitor
    from replication.meters.base import carbon_config

    return EnergyMonitor(
        carbon=carbon_config(grid, pue),
        interval_s=interval_s,
        cpu_tdp_w=cpu_tdp_w,
        per_process=per_process,
        job=job,
    )


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@db_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object (the last line of stdout) instead of a summary.",
)
@click.option("--no-record", is_flag=True, help="Do not store the run in the `runs` table.")
@click.option(
    "--idle-s",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Measure the GPUs idle for this long before the command: reports "
    "gpu_idle_w and gpu_active_energy_j beside the total (never subtracted).",
)
@click.option(
    "--per-process",
    is_flag=True,
    help="Also estimate this command's share of each GPU from NVML per-process "
    "utilisation (gpu_attributed_j; an estimate beside the measured total).",
)
@click.option(
    "--per-rank",
    is_flag=True,
    help="Under torchrun or Slurm with several ranks, do not merge the ranks into "
    "one record (each rank then meters every GPU it can see).",
)
@_monitor_options
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@clean_errors
def meter(
    db_path,
    as_json,
    no_record,
    idle_s,
    per_process,
    per_rank,
    interval_s,
    cpu_tdp_w,
    pue,
    grid_gco2e_per_kwh,
    command,
) -> None:
    """Run COMMAND under the energy meter and exit with its exit code.

    Example: greenlens meter --json -- python train.py --epochs 3
    """
    from replication.command import run_metered, signals_forwarded
    from replication.runs import record_run

    monitor = _make_monitor(
        interval_s,
        cpu_tdp_w,
        pue,
        grid_gco2e_per_kwh,
        per_process=per_process,
        job=None if per_rank else "auto",
    )
    if monitor.claims is not None and not monitor.claims.merger:
        no_record = True  # one record per job: the merging rank stores it
    if not no_record:  # fail before running if the store cannot be opened; do not hold it
        try:
            open_store(db_path).close()
        except BaseException:
            monitor.close()
            raise
    # from here until the run is recorded, signals go to the command, not to us
    with signals_forwarded() as forwarding:
        try:
            if idle_s:
                monitor.measure_idle(idle_s)
            relay = as_json and not _isatty(sys.stdout)
            result = run_metered(list(command), monitor, forwarding=forwarding, relay_stdout=relay)
        finally:
            monitor.close()
        if not no_record:
            try:
                with open_store(db_path) as store:
                    result.run_id = record_run(
                        store,
                        result.measurement,
                        kind="meter",
                        command=shlex.join(command),
                        exit_code=result.exit_code,
                    )
            except Exception as exc:  # the measurement is still printed below
                click.echo(f"warning: run not stored: {exc}", err=True)
        if as_json:
            if result.stdout_ends_line is not True:  # the JSON is the last line, alone
                click.echo("")
            click.echo(json.dumps(result.to_dict(), sort_keys=True, default=str))
        else:
            click.echo(result.measurement.summary(), err=True)
            click.echo(
                f"  exit code {result.exit_code}"
                + (f", stored as run {result.run_id}" if result.run_id else ""),
                err=True,
            )
    sys.exit(result.exit_code)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@click.command()
@click.argument("recipe")
@db_option
@click.option(
    "--trials",
    type=int,
    default=None,
    help="Number of random-search trials [default: the recipe's budget].",
)
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder with train.tsv and dev.tsv [default: ../shared/replication/sst2].",
)
@click.option("--limit-train", type=int, default=None, help="Seeded random subset of train.")
@click.option("--limit-dev", type=int, default=None, help="Seeded random subset of dev.")
@click.option("--max-epochs", type=int, default=None, help="Cap every trial's epochs.")
@click.option("--fresh", is_flag=True, help="Discard this recipe's stored trials first.")
@no_progress_option
@clean_errors
def replicate(
    recipe,
    db_path,
    trials,
    device,
    data_dir,
    limit_train,
    limit_dev,
    max_epochs,
    fresh,
    no_progress,
) -> None:
    """Run RECIPE's hyperparameter search, each trial metered; resumes where it stopped.

    RECIPE is a shipped recipe name (sst2-tfidf-logreg, sst2-kim-cnn, sst2-minilm) or a
    TOML file. Example: greenlens replicate sst2-kim-cnn --trials 20 --device cuda
    """
    from replication.search import replicate as run

    with open_store(db_path) as store:
        summary = run(
            store,
            recipe,
            trials,
            device=device,
            data_dir=data_dir,
            limit_train=limit_train,
            limit_dev=limit_dev,
            max_epochs=max_epochs,
            fresh=fresh,
            progress=not no_progress,
        )
    click.echo(
        f"{summary.recipe}: {summary.done} trial(s) run, {summary.skipped} already "
        f"done, {summary.failed} failed"
    )
    for t in summary.trials:
        score = "failed" if t.val_metric is None else f"{t.metric} {t.val_metric:.4f}"
        flops = "" if not t.train_flops else f"  train {t.train_flops:.3g} FLOPs"
        click.echo(
            f"  trial {t.trial:>3}  {score:<18} {t.energy_j or 0:>10.1f} J "
            f"{t.wall_s or 0:>8.1f} s{flops}"
        )
    if summary.failed:
        first = next(t for t in summary.trials if t.status == "failed")
        click.echo(
            f"first failure (trial {first.trial}): {(first.error or 'no message').splitlines()[0]}",
            err=True,
        )


@click.command()
@click.argument("recipes", nargs=-1, required=True)
@db_option
@click.option(
    "--energy",
    type=click.Choice(["mean", "cumulative"]),
    default="mean",
    show_default=True,
    help="Energy budget: n x mean per trial, or cumulative.",
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also save a PNG of EVP against the budget.",
)
@click.option(
    "--x",
    "x_axis",
    type=click.Choice(["trials", "energy"]),
    default="trials",
    show_default=True,
    help="The plot's budget axis.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@clean_errors
def evp(recipes, db_path, energy, plot, x_axis, as_json) -> None:
    """Expected validation performance of stored trials vs budget, as in Show Your Work.

    The closed form of Dodge et al. (2019) over the empirical distribution of the trials.
    """
    from replication.evp import evp_curve, plot_evp

    prepare_out(plot)
    with open_store(db_path, read_only=True) as store:
        curves = {r: evp_curve(store, r, energy=energy) for r in recipes}
        if plot:
            plot_evp(store, recipes, plot, x=x_axis, energy=energy)
    if as_json:
        click.echo(
            json.dumps(
                {r: [{"n": n, "evp": v, "energy_j": e} for n, v, e in c] for r, c in curves.items()}
            )
        )
    else:
        for recipe, curve in curves.items():
            click.echo(f"{recipe}:" + (" no finished trials" if not curve else ""))
            for n, value, energy_j in curve:
                ej = "n/a" if energy_j is None else f"{energy_j:,.0f} J"
                click.echo(f"  n={n:<4} EVP {value:.4f}  energy {ej}")
    if plot:
        click.echo(f"plot: {plot}", err=True)


def register(group: click.Group) -> None:
    """Add this module's commands to the CLI."""
    group.add_command(meter)
    group.add_command(replicate)
    group.add_command(evp)
