"""Which GPUs the job can use: launcher and runtime variables resolved to NVML devices.

Precedence, first set wins: `CUDA_VISIBLE_DEVICES` (what CUDA in this process sees),
`NVIDIA_VISIBLE_DEVICES` (the container runtime's), Slurm's `SLURM_STEP_GPUS` /
`SLURM_JOB_GPUS`; with none of them, every device NVML shows. Entries may be NVML indices,
GPU UUIDs (`GPU-8932f937-...`, or a unique prefix as CUDA accepts) or MIG identifiers
(`MIG-<uuid>`, or the older `MIG-GPU-<uuid>/<gi>/<ci>`). Like CUDA, the first entry that
matches no device ends the list. NVML's energy counter belongs to the physical GPU, so a
MIG instance resolves to the GPU that holds it, and `notes` says so.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class GpuDevice:
    """One physical GPU to meter: its NVML index, UUID, name, and visible MIG instances."""

    index: int
    uuid: str
    name: str
    mig: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The key of this GPU in `Measurement.gpu_energy_j` (the NVML index)."""
        return str(self.index)

    def to_dict(self) -> dict:
        """JSON-ready: label, nvml_index, uuid, name, mig (MIG UUIDs the job sees, or [])."""
        return {
            "label": self.label,
            "nvml_index": self.index,
            "uuid": self.uuid,
            "name": self.name,
            "mig": list(self.mig),
        }


@dataclass
class VisibleGpus:
    """The resolved devices, the variable that decided (`source`), and what to know (`notes`)."""

    devices: list[GpuDevice]
    source: str
    notes: list[str] = field(default_factory=list)


@dataclass
class _Dev:
    index: int
    handle: object
    uuid: str
    name: str
    minor: int | None
    mig: list[str]


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _call(nvml, fn: str, *args, default=None):
    try:
        return getattr(nvml, fn)(*args)
    except (nvml.NVMLError, AttributeError):
        return default


def _mig_uuids(nvml, handle) -> list[str]:
    mode = _call(nvml, "nvmlDeviceGetMigMode", handle)
    if not mode or mode[0] != getattr(nvml, "NVML_DEVICE_MIG_ENABLE", 1):
        return []
    out = []
    for i in range(_call(nvml, "nvmlDeviceGetMaxMigDeviceCount", handle, default=0) or 0):
        mig = _call(nvml, "nvmlDeviceGetMigDeviceHandleByIndex", handle, i)
        if mig is not None:
            uuid = _call(nvml, "nvmlDeviceGetUUID", mig)
            if uuid is not None:
                out.append(_text(uuid))
    return out


def _inventory(nvml) -> list[_Dev]:
    devs = []
    for i in range(nvml.nvmlDeviceGetCount()):
        h = nvml.nvmlDeviceGetHandleByIndex(i)
        devs.append(
            _Dev(
                i,
                h,
                _text(_call(nvml, "nvmlDeviceGetUUID", h, default=f"index-{i}")),
                _text(_call(nvml, "nvmlDeviceGetName", h, default="unknown GPU")),
                _call(nvml, "nvmlDeviceGetMinorNumber", h),
                _mig_uuids(nvml, h),
            )
        )
    return devs


def _match(entry: str, devs: list[_Dev], by: str) -> tuple[_Dev, str | None] | None:
    """The device `entry` names, with the MIG UUID when it names a MIG instance."""
    e = entry.strip()
    if e.isdigit():
        n = int(e)
        found = [d for d in devs if (d.minor if by == "minor" else d.index) == n]
        return (found[0], None) if found else None
    if e.startswith("MIG-GPU-"):  # R450 format: MIG-GPU-<gpu uuid>/<gi>/<ci>
        parent = e[len("MIG-") :].split("/")[0]
        found = [d for d in devs if d.uuid == parent]
        return (found[0], e) if found else None
    if e.startswith("MIG-"):
        found = [d for d in devs if any(m.startswith(e) for m in d.mig)]
        if len(found) == 1:
            mig = [m for m in found[0].mig if m.startswith(e)]
            return (found[0], mig[0]) if len(mig) == 1 else None
        return None
    if e.startswith("GPU-"):
        found = [d for d in devs if d.uuid.startswith(e)]
        return (found[0], None) if len(found) == 1 else None  # a prefix must be unique
    return None


def _resolve_list(
    value: str, var: str, devs: list[_Dev], by: str
) -> tuple[list[GpuDevice], list[str]]:
    picked: dict[int, tuple[_Dev, list[str]]] = {}
    notes = []
    if by == "minor" and all(d.minor is None for d in devs):
        by = "index"  # NVML gives no minor numbers here: the indices are the best guess
        notes.append(f"NVML reports no device minor numbers: {var} matched on NVML indices")
    for entry in (x for x in value.split(",")):
        hit = _match(entry, devs, by)
        if hit is None:
            notes.append(
                f"{var} entry {entry.strip()!r} matches no NVML device; like CUDA, "
                f"it and every entry after it are ignored"
            )
            break
        dev, mig = hit
        migs = picked.setdefault(dev.index, (dev, []))[1]
        if mig is not None and mig not in migs:
            migs.append(mig)
    out = [GpuDevice(d.index, d.uuid, d.name, tuple(m)) for d, m in picked.values()]
    return out, notes


def _all(devs: list[_Dev]) -> list[GpuDevice]:
    return [GpuDevice(d.index, d.uuid, d.name) for d in devs]


def resolve_visible(nvml, environ: Mapping[str, str] | None = None) -> VisibleGpus:
    """The physical GPUs this job can use, from the environment (see the module docstring)."""
    env = os.environ if environ is None else environ
    devs = _inventory(nvml)
    if "CUDA_VISIBLE_DEVICES" in env:
        value = env["CUDA_VISIBLE_DEVICES"].strip()
        source = f"CUDA_VISIBLE_DEVICES={value}"
        if not value:
            return VisibleGpus(
                [],
                source,
                ["CUDA_VISIBLE_DEVICES is empty: the job can use no GPU, none is metered"],
            )
        devices, notes = _resolve_list(value, "CUDA_VISIBLE_DEVICES", devs, "index")
        names = {d.name for d in devs}
        if (
            any(x.strip().isdigit() for x in value.split(","))
            and len(names) > 1
            and env.get("CUDA_DEVICE_ORDER") != "PCI_BUS_ID"
        ):
            notes.append(
                "GPUs of different models and CUDA_DEVICE_ORDER is not PCI_BUS_ID: "
                "CUDA may number them differently from NVML; set "
                "CUDA_DEVICE_ORDER=PCI_BUS_ID or give UUIDs"
            )
    elif "NVIDIA_VISIBLE_DEVICES" in env:
        value = env["NVIDIA_VISIBLE_DEVICES"].strip()
        source = f"NVIDIA_VISIBLE_DEVICES={value}"
        entries = [x for x in value.split(",") if x.strip()]
        if value.lower() in ("none", "void", ""):
            return VisibleGpus(
                [],
                source,
                [
                    f"NVIDIA_VISIBLE_DEVICES={value!r}: the container "
                    f"was given no GPU, none is metered"
                ],
            )
        if value.lower() == "all":
            devices, notes = _all(devs), []
        elif all(x.strip().isdigit() for x in entries) and len(entries) == len(devs):
            devices = _all(devs)
            notes = [
                "NVIDIA_VISIBLE_DEVICES lists host indices and NVML shows exactly that "
                "many devices: the container runtime has already narrowed the view"
            ]
        else:
            devices, notes = _resolve_list(value, "NVIDIA_VISIBLE_DEVICES", devs, "index")
    elif env.get("SLURM_STEP_GPUS") or env.get("SLURM_JOB_GPUS"):
        var = "SLURM_STEP_GPUS" if env.get("SLURM_STEP_GPUS") else "SLURM_JOB_GPUS"
        value = env[var].strip()
        source = f"{var}={value}"
        entries = [x for x in value.split(",") if x.strip()]
        devices, notes = _resolve_list(value, var, devs, "minor")
        if len(devices) < len(entries) and len(entries) == len(devs):
            devices = _all(devs)
            notes = [
                f"{var} names /dev/nvidia minor numbers NVML does not show, and NVML "
                f"shows exactly {len(devs)} device(s): Slurm's cgroup has narrowed the "
                f"view, all of them are metered"
            ]
        else:
            notes.append(
                f"{var} entries matched on the device minor number "
                f"(/dev/nvidiaN, as gres.conf names them)"
            )
    else:
        return VisibleGpus(
            _all(devs),
            "all NVML devices (no CUDA_VISIBLE_DEVICES, "
            "NVIDIA_VISIBLE_DEVICES or Slurm GPU variable)",
        )
    return VisibleGpus(devices, source, notes + _mig_notes(devices, devs))


def _mig_notes(devices: list[GpuDevice], devs: list[_Dev]) -> list[str]:
    notes = []
    by_index = {d.index: d for d in devs}
    for g in devices:
        total = len(by_index[g.index].mig)
        if not total:
            continue
        seen = f"the job sees {', '.join(g.mig)}" if g.mig else "the job names the whole GPU"
        notes.append(
            f"GPU {g.index} ({g.name}) is in MIG mode with {total} instance(s); "
            f"{seen}. NVML's energy counter is per physical GPU: the figure for "
            f"GPU {g.index} is the whole GPU's energy, every MIG instance on it "
            f"included, counted once"
        )
    return notes


__all__ = ["GpuDevice", "VisibleGpus", "resolve_visible"]
