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

DEFAULT_UTILISATION = 0.33
DEFAULT_PRECISION = "auto"
PRECISIONS = ("auto", "fp32", "fp16")
ESTIMATE_LIMIT = 10000


@dataclass(frozen=True)
class Peak:
    """A device's peak dense throughput in TFLOP/s (fp16 = FP16/BF16 tensor units, no
    sparsity), and where the figure comes from."""

    fp32: float | None
    fp16: float | None
    source: str
    tensor: bool = True  # fp16 is a matrix-unit peak (tensor cores, TPU MXU); P100: no

    @property
    def tensor_units(self) -> bool:
        """Whether `auto` takes the fp16 peak: the device has FP16/BF16 matrix units."""
        return self.fp16 is not None and self.tensor

    def tflops(self, precision: str) -> tuple[float | None, str]:
        """The peak for `precision` (auto/fp32/fp16) and the precision it resolved to."""
        if precision == "auto":
            precision = "fp16" if self.tensor_units else "fp32"
        return (self.fp32 if precision == "fp32" else self.fp16), precision


_NV = "NVIDIA {} datasheet"
# Names are the canonical model names the hardware detector writes in findings.unit
# (extractors.quantities.GPU_MODELS). "Titan X" and "TPU" alone are left out on purpose:
# each names devices whose peaks differ by 2x or more (Maxwell vs Pascal Titan X; TPU v2-v5).
PEAKS: dict[str, Peak] = {
    "H100": Peak(66.9, 989.4, _NV.format("H100 (SXM5)")),
    "H200": Peak(66.9, 989.4, _NV.format("H200 (SXM)")),
    "A100": Peak(19.5, 312.0, _NV.format("A100 (SXM4/PCIe)")),
    "A6000": Peak(38.7, 154.8, _NV.format("RTX A6000")),
    "RTX A6000": Peak(38.7, 154.8, _NV.format("RTX A6000")),
    "A40": Peak(37.4, 149.7, _NV.format("A40")),
    "A30": Peak(10.3, 165.0, _NV.format("A30")),
    "A10": Peak(31.2, 125.0, _NV.format("A10")),
    "L40S": Peak(91.6, 362.1, _NV.format("L40S")),
    "L40": Peak(90.5, 181.0, _NV.format("L40")),
    "L4": Peak(30.3, 121.0, _NV.format("L4")),
    "V100": Peak(15.7, 125.0, _NV.format("Tesla V100 (SXM2)")),
    "Tesla V100": Peak(15.7, 125.0, _NV.format("Tesla V100 (SXM2)")),
    "P100": Peak(10.6, 21.2, _NV.format("Tesla P100 (SXM2)"), tensor=False),
    "Tesla P100": Peak(10.6, 21.2, _NV.format("Tesla P100 (SXM2)"), tensor=False),
    "P40": Peak(12.0, None, _NV.format("Tesla P40")),
    "P4": Peak(5.5, None, _NV.format("Tesla P4")),
    "T4": Peak(8.1, 65.0, _NV.format("T4")),
    "Tesla T4": Peak(8.1, 65.0, _NV.format("T4")),
    "K80": Peak(4.37, None, _NV.format("Tesla K80") + " (8.73 per two-GPU board; "
                "cloud instances count each GK210 as one GPU)"),
    "Tesla K80": Peak(4.37, None, _NV.format("Tesla K80") + " (per GK210 GPU)"),
    "K40": Peak(4.29, None, _NV.format("Tesla K40") + " (base clock)"),
    "Tesla K40": Peak(4.29, None, _NV.format("Tesla K40") + " (base clock)"),
    "K20": Peak(3.52, None, _NV.format("Tesla K20")),
    "M40": Peak(7.0, None, _NV.format("Tesla M40")),
    "Tesla M40": Peak(7.0, None, _NV.format("Tesla M40")),
    "Titan Xp": Peak(12.1, None, "NVIDIA TITAN Xp product page"),
    "Titan V": Peak(14.9, 110.0, "NVIDIA TITAN V product page"),
    "Titan RTX": Peak(16.3, 130.0, "NVIDIA TITAN RTX product page"),
    "RTX 4090": Peak(82.6, 165.2, "NVIDIA Ada GPU architecture whitepaper (FP32 accumulate)"),
    "RTX 3090": Peak(35.6, 71.0, "NVIDIA Ampere GA102 whitepaper (FP32 accumulate)"),
    "RTX 3080": Peak(29.8, 59.5, "NVIDIA Ampere GA102 whitepaper (FP32 accumulate)"),
    "RTX 2080 Ti": Peak(13.4, 53.8, "NVIDIA Turing whitepaper (FP32 accumulate)"),
    "RTX 2080": Peak(10.1, 40.3, "NVIDIA Turing whitepaper (FP32 accumulate)"),
    "Quadro RTX 8000": Peak(16.3, 130.5, _NV.format("Quadro RTX 8000")),
    "RTX 8000": Peak(16.3, 130.5, _NV.format("Quadro RTX 8000")),
    "Quadro RTX 6000": Peak(16.3, 130.5, _NV.format("Quadro RTX 6000")),
    "RTX 6000": Peak(16.3, 130.5, _NV.format("Quadro RTX 6000")),
    "Quadro P6000": Peak(12.6, None, _NV.format("Quadro P6000")),
    "GTX 1080 Ti": Peak(11.3, None, "NVIDIA GeForce GTX 1080 Ti specifications"),
    "GTX 1080": Peak(8.9, None, "NVIDIA GeForce GTX 1080 specifications"),
    "GTX 1070": Peak(6.5, None, "NVIDIA GeForce GTX 1070 specifications"),
    "GTX 980 Ti": Peak(5.6, None, "NVIDIA GeForce GTX 980 Ti specifications"),
    "GTX 980": Peak(4.6, None, "NVIDIA GeForce GTX 980 specifications"),
    "GTX Titan": Peak(4.5, None, "NVIDIA GeForce GTX TITAN specifications"),
    "TPU v2": Peak(None, 45.0, "Google Cloud TPU v2 documentation (bf16, per chip)"),
    "TPUv2": Peak(None, 45.0, "Google Cloud TPU v2 documentation (bf16, per chip)"),
    "TPU v3": Peak(None, 123.0, "Google Cloud TPU v3 documentation (bf16, per chip)"),
    "TPUv3": Peak(None, 123.0, "Google Cloud TPU v3 documentation (bf16, per chip)"),
    "TPU v4": Peak(None, 275.0, "Google Cloud TPU v4 documentation (bf16, per chip)"),
    "TPUv4": Peak(None, 275.0, "Google Cloud TPU v4 documentation (bf16, per chip)"),
}


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
    return count * hours, (f"{count:g} x {r['gpu']} (p. {r['hw_page']}) x {hours:g} h "
                           f"training time (p. {r['rt_page']})")


def _row(r: dict, utilisation: float, precision: str) -> ComputeRow:
    est = gpu_hours = peak_value = None
    label = "no estimate: the paper names no GPU in the peak table, or no training duration"
    if r["gpu"] is not None and r["rt_value"] is not None:
        peak = PEAKS[r["gpu"]]
        peak_value, used = peak.tflops(precision)
        gpu_hours, how = _gpu_hours(r)
        if peak_value is None:
            label = (f"no estimate: no {used} peak listed for {r['gpu']} "
                     f"({peak.source}); try the other precision")
        else:
            est = estimate_flop(gpu_hours, peak_value, utilisation)
            label = (f"estimate: {gpu_hours:g} GPU-h [{how}] x {peak_value:g} TFLOP/s "
                     f"({r['gpu']} {used} peak, {peak.source}) x {utilisation:g} "
                     f"utilisation (assumed) = {est:.3g} FLOP")
    reported = ""
    if r["flops_value"] is not None:
        reported = (f"reported: {r['flops_value']:.3g} {r['flops_unit']} in \"{r['flops_evidence']}\""
                    f" (p. {r['flops_page']}); the paper's own count, often per forward pass")
    return ComputeRow(r["paper_id"], r["title"], r["venue"], int(r["year"]), r["gpu"],
                      gpu_hours, peak_value, utilisation, precision, est, label,
                      r["flops_value"], r["flops_unit"], reported)


def compute_estimates(db: Reader, filters: Filters | None = None, *,
                      utilisation: float = DEFAULT_UTILISATION,
                      precision: str = DEFAULT_PRECISION,
                      limit: int = ESTIMATE_LIMIT) -> list[ComputeRow]:
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
