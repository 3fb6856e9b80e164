"""Hardware facts, kept once: accelerator and processor model names as papers write them,
and peak dense FLOP/s per precision with the datasheet each figure comes from.

Used by the hardware detector (names and patterns), the compute estimates
(analysis.compute: a paper's device name -> peak) and MFU (replication.flop_count: an
NVML/CUDA device name -> peak). Figures are dense (no sparsity): where a datasheet gives
only the "with sparsity" tensor figure, it is halved. `fp16`/`bf16` are matrix-unit peaks
with FP32 accumulate where a card lists both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Accelerator and processor models as papers name them, most specific first (the hardware
# detector matches these; extractors.quantities builds its pattern from them).
MODEL_NAMES = (
    "H100",
    "H200",
    "H800",
    "A100",
    "A800",
    "A6000",
    "A5000",
    "A4000",
    "A40",
    "A30",
    "A10G",
    "A10",
    "L40S",
    "L40",
    "L4",
    "V100",
    "P100",
    "P40",
    "P4",
    "T4",
    "K80",
    "K40",
    "K20",
    "M40",
    "M60",
    "Titan Xp",
    "Titan X",
    "Titan V",
    "Titan RTX",
    "Titan Black",
    "Titan Z",
    "TITAN Xp",
    "TITAN X",
    "TITAN V",
    "TITAN RTX",
    "RTX 4090",
    "RTX 4080",
    "RTX 3090",
    "RTX 3080",
    "RTX 3070",
    "RTX 3060",
    "RTX 2080 Ti",
    "RTX 2080",
    "RTX 2070",
    "RTX A6000",
    "RTX 6000",
    "RTX 8000",
    "Quadro RTX 6000",
    "Quadro RTX 8000",
    "Quadro P6000",
    "Quadro M6000",
    "GTX 1080 Ti",
    "GTX 1080",
    "GTX 1070",
    "GTX 1060",
    "GTX 980 Ti",
    "GTX 980",
    "GTX 970",
    "GTX 780",
    "GTX 680",
    "GTX 580",
    "GTX Titan",
    "Tesla V100",
    "Tesla P100",
    "Tesla K80",
    "Tesla K40",
    "Tesla M40",
    "Tesla T4",
    "Jetson Nano",
    "Jetson TX2",
    "Jetson Xavier",
    "Jetson AGX Xavier",
    "Jetson TX1",
    "Radeon",
    "MI250",
    "MI100",
    "MI300",
    "Gaudi",
    "TPU v2",
    "TPU v3",
    "TPU v4",
    "TPU v5",
    "TPUv2",
    "TPUv3",
    "TPUv4",
    "Cloud TPU",
    "Kepler GPU",
    "Pascal GPU",
    "Maxwell GPU",
    "Volta GPU",
    "Xeon",
    "EPYC",
    "Core i7",
    "Core i9",
    "Core i5",
    "Ryzen",
    "Threadripper",
    "Snapdragon",
    "Pixel 1",
    "Pixel 2",
    "Pixel 3",
    "Pixel 4",
    "Pixel phone",
    "iPhone",
    "Apple M1",
    "Apple M2",
    "Raspberry Pi",
    "Exynos",
    "Kirin",
    "Cortex-A",
    "Galaxy S",
    "IPU",
    "Cerebras",
    "Trainium",
    "Inferentia",
    "Myriad",
    "Edge TPU",
)
# Families named by a pattern rather than a list: GTX 750, RTX8000, GeForce 940M...
MODEL_PATTERNS = (
    r"GTX[\s-]?\d{3,4}(?:\s?Ti)?",
    r"RTX[\s-]?\d{4}(?:\s?Ti)?",
    r"Quadro\s[A-Z]?\d{3,4}[A-Z]?",
    r"GeForce\s\d{3,4}[A-Z]{0,2}",
    # a GeForce number without its family: "NVIDIA 1080Ti GPU", "2080 Ti", "3090 GPUs"
    r"[1-4]0[5-9]0(?:Ti\b|\sTi(?=\s))|[1-4]0[5-9]0(?=\s(?:GPU(?![-\s]?(?:hours?|hrs?|days?|years?|h\b))|graphics))",
    # CPUs as papers write them: "Core(TM) i7-6700", "Intel i5", "i7-3770K", "an i7 2.5GHz
    # CPU", "Intel E5-2620", "Xeonr" (a lost (R) sign), Opteron/Pentium/Celeron/Athlon
    r"Core\s?(?:\(TM\)|TM|™)\s?(?:i[3579]|2)",
    r"Intel\s?(?:\(R\)|®|R)?\s(?:Core\s)?i[3579]\b(?:-\d{4,5}[A-Z]{0,3})?",
    r"i[3579]-\d{4,5}[A-Z]{0,3}",
    r"i[3579](?=\s(?:CPU|processor|\d(?:\.\d+)?\s?GHz))",
    r"Intel\s?(?:\(R\)|®|R)?\s(?:[EX]\d-\d{4}[A-Z]?(?:\s?v\d)?|[EXLW]\d{4}[A-Z]?)",
    r"Xeon[r®]",
    r"(?:Opteron|Pentium|Celeron|Athlon)",
    r"Core\s?2\s?(?:Duo|Quad)",
    # named systems and other compute devices: Macs, DGX, AMD Instinct, FPGAs, Graviton
    r"Mac[Bb]ook(?:\s(?:Pro|Air))?|Mac\smini|Mac\sStudio|iMac(?=\s)",
    r"NVIDIA\sDGX|DGX[-\s]?(?:1|2|A100|H100|H200|B200|Station|SuperPOD)\b",
    r"Tesla-[VPKMT]\d{2,3}",
    r"MI(?:25|50|60|200|210|250X|300X)\b",
    r"Apple\sM[1-4](?:\s(?:Pro|Max|Ultra))?",
    r"(?:Zynq|Virtex|Kintex|Alveo|Arria|Stratix)",
    r"Graviton\d?",
    r"Intel\sNUC(?=\s)|NUC(?=\s(?:computer|PC|mini\s?PC))",
    # cloud instance types name a system (ruling D6): AWS p3.2xlarge / m6i.4xlarge,
    # GCP n1-standard-8 / a2-highgpu-1g, Azure Standard_NC6s_v3
    r"(?:p[2-5]|g[2-6]|inf[12]|trn1|dl1|[mcrxtz][1-7])[a-z]{0,3}\.(?:\d{1,2})?x?large|"
    r"(?:p[2-5]|g[2-6]|[mcr][4-7])[a-z]{0,3}\.metal",
    r"[neca][12][a-z]?-(?:standard|highmem|highcpu|highgpu)-\d+g?",
    r"Standard_[A-Z]{1,3}\d+[a-z]*(?:_[A-Z]\d+)?(?:_v\d)?",
)

PRECISIONS = ("fp32", "tf32", "bf16", "fp16")


@dataclass(frozen=True)
class Device:
    """One device's dense peak TFLOP/s per precision, and where the figures come from."""

    name: str
    tflops: dict[str, float]
    source: str
    papers: tuple[str, ...] = ()  # the MODEL_NAMES (findings.unit) that mean this device
    nvml: str | None = None  # regex over the lower-cased NVML/CUDA device name
    tensor: bool = True  # the 16-bit peak is a matrix-unit one (P100: no)

    @property
    def half(self) -> float | None:
        """The 16-bit peak: FP16, else BF16 (TPUs list only bf16)."""
        return self.tflops.get("fp16", self.tflops.get("bf16"))

    @property
    def tensor_units(self) -> bool:
        """Whether the device has FP16/BF16 matrix units (Volta and later, TPUs)."""
        return self.half is not None and self.tensor


def _nv(name: str) -> str:
    return f"NVIDIA {name} datasheet"


_H100 = {"fp32": 67, "tf32": 494.5, "bf16": 989.5, "fp16": 989.5}
_H_NVL = {"fp32": 60, "tf32": 417.5, "bf16": 835.5, "fp16": 835.5}
_K80 = (
    "NVIDIA Tesla K80 datasheet (8.73 per two-GPU board; cloud instances count each "
    "GK210 as one GPU)"
)
_GA102 = "NVIDIA Ampere GA102 GPU architecture whitepaper (FP32 accumulate)"
_TURING = "NVIDIA Turing GPU architecture whitepaper (FP32 accumulate)"

# Most specific first: the first device whose `nvml` pattern matches a device name wins.
# "Titan X" and a bare "TPU" are left out on purpose: each names devices whose peaks differ
# by 2x or more (Maxwell vs Pascal Titan X; TPU v2-v5), so no figure beats a wrong one.
DEVICES: tuple[Device, ...] = (
    Device(
        "H100 PCIe",
        {"fp32": 51, "tf32": 378, "bf16": 756, "fp16": 756},
        _nv("H100 Tensor Core GPU"),
        nvml=r"h100.*pcie",
    ),
    Device("H100 NVL", _H_NVL, _nv("H100 Tensor Core GPU"), nvml=r"h100.*nvl"),
    Device("H100 SXM", _H100, _nv("H100 Tensor Core GPU"), ("H100",), r"h100"),
    Device("H200 NVL", _H_NVL, _nv("H200 Tensor Core GPU"), nvml=r"h200.*nvl"),
    Device("H200 SXM", _H100, _nv("H200 Tensor Core GPU"), ("H200",), r"h200"),
    Device(
        "A100",
        {"fp32": 19.5, "tf32": 156, "bf16": 312, "fp16": 312},
        _nv("A100 Tensor Core GPU"),
        ("A100",),
        r"a100",
    ),
    Device(
        "V100 SXM2",
        {"fp32": 15.7, "fp16": 125},
        _nv("Tesla V100 GPU"),
        ("V100", "Tesla V100"),
        r"v100.*sxm",
    ),
    Device("V100 PCIe", {"fp32": 14, "fp16": 112}, _nv("Tesla V100 GPU"), nvml=r"v100"),
    Device(
        "L40S",
        {"fp32": 91.6, "tf32": 183, "bf16": 362.05, "fp16": 362.05},
        _nv("L40S"),
        ("L40S",),
        r"l40s",
    ),
    Device(
        "L40",
        {"fp32": 90.5, "tf32": 90.5, "bf16": 181.05, "fp16": 181.05},
        _nv("L40"),
        ("L40",),
        r"\bl40\b",
    ),
    Device(
        "L4",
        {"fp32": 30.3, "tf32": 60, "bf16": 121, "fp16": 121},
        _nv("L4 Tensor Core GPU"),
        ("L4",),
        r"\bl4\b",
    ),
    Device(
        "A10",
        {"fp32": 31.2, "tf32": 62.5, "bf16": 125, "fp16": 125},
        _nv("A10 Tensor Core GPU"),
        ("A10",),
        r"\ba10\b",
    ),
    Device(
        "RTX A6000",
        {"fp32": 38.7, "fp16": 154.8},
        _nv("RTX A6000"),
        ("A6000", "RTX A6000"),
        r"rtx a6000",
    ),
    Device("A40", {"fp32": 37.4, "fp16": 149.7}, _nv("A40"), ("A40",), r"\ba40\b"),
    Device("A30", {"fp32": 10.3, "fp16": 165.0}, _nv("A30"), ("A30",), r"\ba30\b"),
    Device(
        "P100",
        {"fp32": 10.6, "fp16": 21.2},
        _nv("Tesla P100 (SXM2)"),
        ("P100", "Tesla P100"),
        tensor=False,
    ),
    Device("P40", {"fp32": 12.0}, _nv("Tesla P40"), ("P40",)),
    Device("P4", {"fp32": 5.5}, _nv("Tesla P4"), ("P4",)),
    Device(
        "T4", {"fp32": 8.1, "fp16": 65}, _nv("T4 Tensor Core GPU"), ("T4", "Tesla T4"), r"\bt4\b"
    ),
    Device("K80", {"fp32": 4.37}, _K80, ("K80", "Tesla K80")),
    Device("K40", {"fp32": 4.29}, _nv("Tesla K40") + " (base clock)", ("K40", "Tesla K40")),
    Device("K20", {"fp32": 3.52}, _nv("Tesla K20"), ("K20",)),
    Device("M40", {"fp32": 7.0}, _nv("Tesla M40"), ("M40", "Tesla M40")),
    Device("Titan Xp", {"fp32": 12.1}, "NVIDIA TITAN Xp product page", ("Titan Xp",)),
    Device("Titan V", {"fp32": 14.9, "fp16": 110.0}, "NVIDIA TITAN V product page", ("Titan V",)),
    Device(
        "Titan RTX", {"fp32": 16.3, "fp16": 130.0}, "NVIDIA TITAN RTX product page", ("Titan RTX",)
    ),
    Device(
        "RTX 4090",
        {"fp32": 82.6, "bf16": 165.2, "fp16": 165.2},
        "NVIDIA Ada Lovelace GPU architecture whitepaper (FP32 accumulate)",
        ("RTX 4090",),
        r"rtx 4090",
    ),
    Device("RTX 3090", {"fp32": 35.6, "bf16": 71, "fp16": 71}, _GA102, ("RTX 3090",), r"rtx 3090"),
    Device("RTX 3080", {"fp32": 29.8, "fp16": 59.5}, _GA102, ("RTX 3080",)),
    Device("RTX 2080 Ti", {"fp32": 13.4, "fp16": 53.8}, _TURING, ("RTX 2080 Ti",)),
    Device("RTX 2080", {"fp32": 10.1, "fp16": 40.3}, _TURING, ("RTX 2080",)),
    Device(
        "Quadro RTX 8000",
        {"fp32": 16.3, "fp16": 130.5},
        _nv("Quadro RTX 8000"),
        ("Quadro RTX 8000", "RTX 8000"),
    ),
    Device(
        "Quadro RTX 6000",
        {"fp32": 16.3, "fp16": 130.5},
        _nv("Quadro RTX 6000"),
        ("Quadro RTX 6000", "RTX 6000"),
    ),
    Device("Quadro P6000", {"fp32": 12.6}, _nv("Quadro P6000"), ("Quadro P6000",)),
    Device(
        "GTX 1080 Ti", {"fp32": 11.3}, "NVIDIA GeForce GTX 1080 Ti specifications", ("GTX 1080 Ti",)
    ),
    Device("GTX 1080", {"fp32": 8.9}, "NVIDIA GeForce GTX 1080 specifications", ("GTX 1080",)),
    Device("GTX 1070", {"fp32": 6.5}, "NVIDIA GeForce GTX 1070 specifications", ("GTX 1070",)),
    Device(
        "GTX 980 Ti", {"fp32": 5.6}, "NVIDIA GeForce GTX 980 Ti specifications", ("GTX 980 Ti",)
    ),
    Device("GTX 980", {"fp32": 4.6}, "NVIDIA GeForce GTX 980 specifications", ("GTX 980",)),
    Device("GTX Titan", {"fp32": 4.5}, "NVIDIA GeForce GTX TITAN specifications", ("GTX Titan",)),
    Device(
        "TPU v2",
        {"bf16": 45.0},
        "Google Cloud TPU v2 documentation (bf16, per chip)",
        ("TPU v2", "TPUv2"),
    ),
    Device(
        "TPU v3",
        {"bf16": 123.0},
        "Google Cloud TPU v3 documentation (bf16, per chip)",
        ("TPU v3", "TPUv3"),
    ),
    Device(
        "TPU v4",
        {"bf16": 275.0},
        "Google Cloud TPU v4 documentation (bf16, per chip)",
        ("TPU v4", "TPUv4"),
    ),
)


def by_paper_name() -> dict[str, Device]:
    """Each paper model name (as the hardware detector writes it) -> its device."""
    return {name: d for d in DEVICES for name in d.papers}


def find_device(device_name: str) -> Device | None:
    """The device matching an NVML/CUDA device name ('NVIDIA H100 80GB HBM3'), or None."""
    lower = device_name.lower()
    for device in DEVICES:
        if device.nvml and re.search(device.nvml, lower):
            return device
    return None
