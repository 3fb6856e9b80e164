"""Compute estimates from a paper's hardware and run time, beside the FLOPs it reports.

estimate = GPU-hours x 3600 s/h x the named GPU's peak FLOP/s x utilisation, the method
Epoch AI calls "hardware details and usage" (Sevilla et al., "Estimating Training Compute
of Deep Learning Models", epochai.org, 2022). The utilisation is an assumption (default
0.33) and is printed with every estimate, as is the precision whose peak is used:
`auto` (default) takes the FP16/BF16 tensor peak on devices with tensor units (Volta and
later, TPUs), where mixed-precision training is the norm, and the FP32 peak on older ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis import queries as Q
from analysis.db import Filters, Reader, current_version, query
from corpus.hardware_facts import Device, by_paper_name

DEFAULT_UTILISATION = 0.33
DEFAULT_PRECISION = "auto"
PRECISIONS = ("auto", "fp32", "fp16")
ESTIMATE_LIMIT = 10000


# Paper model name (the hardware detector's findings.unit) -> device with its peaks
# (corpus.hardware_facts, one table with the datasheet of each figure).
PEAKS: dict[str, Device] = by_paper_name()


def peak_tflops(device: Device, precision: str) -> tuple[float | None, str]:
    """The device's peak for `precision` (auto/fp32/fp16) and the precision it resolved to:
    `auto` is the 16-bit (FP16/BF16) matrix-unit peak where there is one, else FP32."""
    if precision == "auto":
        precision = "fp16" if device.tensor_units else "fp32"
    return (device.tflops.get("fp32") if precision == "fp32" else device.half), precision


@dataclass(frozen=True)
class ComputeRow:
    """One paper: its compute estimate (if hardware and run time allow) and reported FLOPs."""

    paper_id: str
    title: str
    venue: str
    year: int
    gpu: str | None
    gpu_hours: float | None
    peak_tflops: float | None
    utilisation: float
    precision: str
    estimate_flop: float | None
    estimate_label: str  # "estimate: <how>" or why there is none
    reported_flop: float | None
    reported_unit: str | None
    reported_label: str  # "reported: <evidence> (p. N)" or ""


def estimate_flop(gpu_hours: float, peak_tflops: float, utilisation: float) -> float:
    """GPU-hours x 3600 s/h x peak TFLOP/s x 1e12 x utilisation."""
    return gpu_hours * 3600.0 * peak_tflops * 1e12 * utilisation


def _gpu_hours(r: dict) -> tuple[float, str]:
    if r["rt_unit"] == "GPU-h":
        return float(r["rt_value"]), f"{r['rt_value']:g} GPU-h as stated (p. {r['rt_page']})"
    count = float(r["gpu_count"] or 1)
    hours = float(r["rt_value"])
    return count * hours, (
        f"{count:g} x {r['gpu']} (p. {r['hw_page']}) x {hours:g} h "
        f"training time (p. {r['rt_page']})"
    )


def _row(r: dict, utilisation: float, precision: str) -> ComputeRow:
    est = gpu_hours = peak_value = None
    label = "no estimate: the paper names no GPU in the peak table, or no training duration"
    if r["gpu"] is not None and r["rt_value"] is not None:
        peak = PEAKS[r["gpu"]]
        peak_value, used = peak_tflops(peak, precision)
        gpu_hours, how = _gpu_hours(r)
        if peak_value is None:
            label = (
                f"no estimate: no {used} peak listed for {r['gpu']} "
                f"({peak.source}); try the other precision"
            )
        else:
            est = estimate_flop(gpu_hours, peak_value, utilisation)
            label = (
                f"estimate: {gpu_hours:g} GPU-h [{how}] x {peak_value:g} TFLOP/s "
                f"({r['gpu']} {used} peak, {peak.source}) x {utilisation:g} "
                f"utilisation (assumed) = {est:.3g} FLOP"
            )
    reported = ""
    if r["flops_value"] is not None:
        reported = (
            f'reported: {r["flops_value"]:.3g} {r["flops_unit"]} in "{r["flops_evidence"]}"'
            f" (p. {r['flops_page']}); the paper's own count, often per forward pass"
        )
    return ComputeRow(
        r["paper_id"],
        r["title"],
        r["venue"],
        int(r["year"]),
        r["gpu"],
        gpu_hours,
        peak_value,
        utilisation,
        precision,
        est,
        label,
        r["flops_value"],
        r["flops_unit"],
        reported,
    )


def compute_estimates(
    db: Reader,
    filters: Filters | None = None,
    *,
    utilisation: float = DEFAULT_UTILISATION,
    precision: str = DEFAULT_PRECISION,
    limit: int = ESTIMATE_LIMIT,
) -> list[ComputeRow]:
    """Papers with a compute estimate or a reported FLOP count (at most `limit`)."""
    filters = filters or Filters()
    from corpus.errors import ConfigError

    if precision not in PRECISIONS:
        raise ConfigError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    if not 0 < utilisation <= 1:
        raise ConfigError(f"utilisation must be in (0, 1], not {utilisation}")
    version = current_version(db, filters.version)
    if version is None:
        return []
    params = {**filters.params(version), "models": sorted(PEAKS), "limit": int(limit)}
    return [_row(r, utilisation, precision) for r in query(db, Q.COMPUTE_INPUTS, params)]
