"""One job, one record: ranks of a distributed job find each other through the launcher.

1. Identity. `job_context()` reads the launcher's variables: torchrun's (RANK, WORLD_SIZE,
   LOCAL_RANK, LOCAL_WORLD_SIZE, GROUP_RANK, TORCHELASTIC_RUN_ID, MASTER_ADDR,
   MASTER_PORT, TORCHELASTIC_RESTART_COUNT), else Slurm's (SLURM_JOB_ID, SLURM_STEP_ID,
   SLURM_PROCID, SLURM_STEP_NUM_TASKS or SLURM_NTASKS, SLURM_LOCALID,
   SLURM_STEP_TASKS_PER_NODE or SLURM_TASKS_PER_NODE, SLURM_NODEID, SLURM_STEP_NUM_NODES or
   SLURM_NNODES), for tasks srun started only: the batch script and an salloc shell are
   not ranks. Every rank of one job derives the same job id; a job of one rank is none.
2. Claims, once per node. Each thing measured node-wide (a GPU by UUID, RAPL package,
   RAPL dram) is claimed by creating a file with O_EXCL in a node-local folder
   (`GREENLENS_CLAIM_DIR`, default /dev/shm/greenlens-UID): the first rank to claim it
   meters it, the others leave it out, so each GPU and each node's CPU/DRAM counters count
   once. A claim whose process has died is taken over. The CPU *estimate* is per process
   and is not claimed: every rank estimates its own CPU time and the parts add up.
3. Gather. At the end of each window every rank writes its part (a Measurement of what it
   claimed) as JSON; the merging rank waits for the others' parts (up to `wait_s`) and
   merges them into one record. With `GREENLENS_JOB_DIR` (a folder all nodes share) rank 0
   merges the whole job; without it, parts stay node-local and local rank 0 merges its
   node, saying so (one record per node).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from replication.meters.measurement import Measurement

CLAIM_DIR_ENV = "GREENLENS_CLAIM_DIR"
JOB_DIR_ENV = "GREENLENS_JOB_DIR"
WAIT_ENV = "GREENLENS_JOB_WAIT_S"
DEFAULT_WAIT_S = 60.0


@dataclass(frozen=True)
class JobContext:
    """Where this process sits in a distributed job, from the launcher's variables."""

    launcher: str  # "torchrun" | "slurm"
    job_id: str
    rank: int
    world_size: int
    local_rank: int
    local_world_size: int
    node_rank: int
    nnodes: int
    host: str

    def to_dict(self) -> dict:
        """JSON-ready fields."""
        return {
            "launcher": self.launcher,
            "id": self.job_id,
            "rank": self.rank,
            "world_size": self.world_size,
            "local_rank": self.local_rank,
            "local_world_size": self.local_world_size,
            "node_rank": self.node_rank,
            "nnodes": self.nnodes,
            "host": self.host,
        }


@overload
def _int(env: Mapping[str, str], key: str) -> int | None: ...
@overload
def _int(env: Mapping[str, str], key: str, default: int) -> int: ...
def _int(env: Mapping[str, str], key: str, default: int | None = None) -> int | None:
    try:
        return int(env[key])
    except (KeyError, ValueError):
        return default


def tasks_on_node(tasks_per_node: str, node_id: int) -> int | None:
    """Slurm's SLURM_TASKS_PER_NODE ("4(x2),3") expanded, at node `node_id`."""
    counts: list[int] = []
    for part in tasks_per_node.split(","):
        m = re.fullmatch(r"\s*(\d+)(?:\(x(\d+)\))?\s*", part)
        if not m:
            return None
        counts += [int(m.group(1))] * int(m.group(2) or 1)
    return counts[node_id] if 0 <= node_id < len(counts) else None


def job_context(environ: Mapping[str, str] | None = None) -> JobContext | None:
    """The job this process is a rank of (torchrun first, then Slurm); None for one rank."""
    env = os.environ if environ is None else environ
    host = socket.gethostname()
    world = _int(env, "WORLD_SIZE")
    rank = _int(env, "RANK")
    if world is not None and rank is not None and "LOCAL_RANK" in env:
        local_world = _int(env, "LOCAL_WORLD_SIZE", world)
        key = "|".join(
            env.get(k, "")
            for k in (
                "TORCHELASTIC_RUN_ID",
                "MASTER_ADDR",
                "MASTER_PORT",
                "TORCHELASTIC_RESTART_COUNT",
            )
        )
        ctx = JobContext(
            "torchrun",
            "torchrun-" + _digest(key),
            rank,
            world,
            _int(env, "LOCAL_RANK", 0),
            local_world,
            _int(env, "GROUP_RANK", rank // max(local_world, 1)),
            max(1, world // max(local_world, 1)),
            host,
        )
    elif _slurm_task(env) and (ntasks := _slurm_ntasks(env)) is not None:
        # the step's variables (srun sets them) first: a step may use part of the job
        node_id = _int(env, "SLURM_NODEID", 0)
        per_node = env.get("SLURM_STEP_TASKS_PER_NODE") or env.get("SLURM_TASKS_PER_NODE", "")
        local_world = tasks_on_node(per_node, node_id) or ntasks
        ctx = JobContext(
            "slurm",
            f"slurm-{env['SLURM_JOB_ID']}.{_step(env)}",
            _int(env, "SLURM_PROCID", 0),
            ntasks,
            _int(env, "SLURM_LOCALID", 0),
            local_world,
            node_id,
            _int(env, "SLURM_STEP_NUM_NODES") or _int(env, "SLURM_NNODES", 1),
            host,
        )
    else:
        return None
    return ctx if ctx.world_size > 1 else None


def _step(env: Mapping[str, str]) -> str:
    return env.get("SLURM_STEP_ID") or env.get("SLURM_STEPID") or ""


def _slurm_task(env: Mapping[str, str]) -> bool:
    """A task srun started: the batch script and an salloc shell have no step id, and
    `greenlens meter -- srun ...` there is one process around the whole step."""
    step = _step(env)
    return (
        "SLURM_JOB_ID" in env
        and "SLURM_PROCID" in env
        and step.isdigit()
        and int(step) < 0xFFFFFFF0  # batch/extern steps use sentinel ids
        and _slurm_ntasks(env) is not None
    )


def _slurm_ntasks(env: Mapping[str, str]) -> int | None:
    """The step's task count (srun sets it), else the job's; None when neither is set."""
    return _int(env, "SLURM_STEP_NUM_TASKS") or _int(env, "SLURM_NTASKS")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def default_claim_dir() -> Path:
    """GREENLENS_CLAIM_DIR, else /dev/shm/greenlens-UID (node-local, shared by all ranks)."""
    if os.environ.get(CLAIM_DIR_ENV):
        return Path(os.environ[CLAIM_DIR_ENV])
    base = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else Path("/tmp")
    return base / f"greenlens-{os.getuid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


class JobClaims:
    """Node-local claims and the part exchange of one job (see the module docstring)."""

    def __init__(
        self,
        ctx: JobContext,
        claim_dir: Path | None = None,
        job_dir: Path | None = None,
        wait_s: float = DEFAULT_WAIT_S,
    ) -> None:
        self.ctx = ctx
        self.claims = (claim_dir or default_claim_dir()) / ctx.job_id / "claims"
        self.claims.mkdir(parents=True, exist_ok=True)
        shared = job_dir or (Path(os.environ[JOB_DIR_ENV]) if os.environ.get(JOB_DIR_ENV) else None)
        self.shared = shared is not None or ctx.nnodes <= 1
        root = shared if shared is not None else (claim_dir or default_claim_dir())
        self.parts = Path(root) / ctx.job_id / "parts"
        self.wait_s = float(os.environ.get(WAIT_ENV) or wait_s)
        self.owner = f"{os.getpid()}:{ctx.rank}"
        self.held: list[Path] = []
        self.pids = self.claims.parent / "pids"
        self.pids.mkdir(exist_ok=True)
        (self.pids / f"rank-{ctx.rank}").write_text(str(os.getpid()))

    def rank_pids(self) -> set[int]:
        """The pids of this job's ranks on this node that are still alive."""
        out = set()
        for f in self.pids.glob("rank-*"):
            with contextlib.suppress(OSError, ValueError):
                pid = int(f.read_text())
                if _alive(pid):
                    out.add(pid)
        return out

    def claim(self, thing: str) -> str | None:
        """Claim `thing` on this node: None if this rank now holds it, else who does."""
        path = self.claims / re.sub(r"[^\w.-]", "_", thing)
        for _ in range(2):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self._holder(path)
                if holder is None:  # its process died: take the claim over
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                    continue
                if holder == self.owner:
                    return None
                return f"rank {holder.split(':')[1]} (pid {holder.split(':')[0]})"
            with os.fdopen(fd, "w") as f:
                f.write(self.owner)
            self.held.append(path)
            return None
        return "another rank (the claim changed hands while taken over)"

    def _holder(self, path: Path) -> str | None:
        try:
            owner = path.read_text().strip()
        except FileNotFoundError:
            return None
        if not owner:  # being written right now
            time.sleep(0.01)
            owner = path.read_text().strip() if path.exists() else ""
        pid = owner.split(":")[0]
        return owner if pid.isdigit() and _alive(int(pid)) else None

    def release(self) -> None:
        """Drop this rank's claims (monitor closed)."""
        for path in self.held:
            with contextlib.suppress(OSError):
                if path.read_text().strip() == self.owner:
                    path.unlink()
        self.held = []
        with contextlib.suppress(OSError):
            mine = self.pids / f"rank-{self.ctx.rank}"
            if mine.read_text().strip() == str(os.getpid()):
                mine.unlink()

    @property
    def merger(self) -> bool:
        """True for the rank that merges: rank 0 (shared folder) or local rank 0 (per node)."""
        return self.ctx.rank == 0 if self.shared else self.ctx.local_rank == 0

    @property
    def expected(self) -> int:
        """How many parts the merger waits for."""
        return self.ctx.world_size if self.shared else self.ctx.local_world_size

    def window_dir(self, name: str, seq: int) -> Path:
        """The folder of one window's parts (same on every rank)."""
        safe = re.sub(r"[^\w.-]", "_", name)[:48]
        return self.parts / f"{safe}-{_digest(name)[:6]}-{seq}"

    def gather(
        self, part: Measurement, name: str, seq: int, sleep=time.sleep, clock=time.monotonic
    ) -> Measurement:
        """Write this rank's part; the merger returns the merged record, others their part."""
        folder = self.window_dir(name, seq)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"rank-{self.ctx.rank}.json"
        tmp = folder / f".rank-{self.ctx.rank}.tmp"
        tmp.write_text(part.to_json())
        os.replace(tmp, path)
        if not self.merger:
            part.job = dict(
                part.job or {},
                merged_by=("rank 0" if self.shared else f"local rank 0 on {self.ctx.host}"),
            )
            return part
        deadline = clock() + self.wait_s
        while len(list(folder.glob("rank-*.json"))) < self.expected and clock() < deadline:
            sleep(0.05)
        parts = []
        for f in sorted(folder.glob("rank-*.json")):
            with contextlib.suppress(OSError, ValueError):
                parts.append(Measurement.from_dict(json.loads(f.read_text())))
        for f in folder.iterdir():
            with contextlib.suppress(OSError):
                f.unlink()
        with contextlib.suppress(OSError):
            folder.rmdir()
        return merge_parts(parts, self.ctx, self.expected, self.shared, self.wait_s)


def _relabel(d: dict, prefix: str) -> dict:
    return {f"{prefix}{k}": v for k, v in d.items()}


def merge_parts(
    parts: list[Measurement],
    ctx: JobContext,
    expected: int,
    shared: bool,
    wait_s: float = DEFAULT_WAIT_S,
) -> Measurement:
    """One record from the ranks' parts: each counted thing appears in exactly one part."""
    parts = sorted(parts, key=lambda p: (p.job or {}).get("rank", 0))
    hosts = sorted({(p.job or {}).get("host", "") for p in parts})
    multi = len(hosts) > 1

    def pre(p: Measurement) -> str:
        return f"{(p.job or {}).get('host', '')}:" if multi else ""

    first = parts[0]
    gpu: dict[str, float | None] = {}
    attributed: dict[str, float | None] = {}
    idle_w: dict[str, float | None] = {}
    devices, notes, errors, estimated, device = [], [], [], [], []
    sources: dict[str, list[str]] = {}
    cpu = dram = None
    ranks = []
    for p in parts:
        job = p.job or {}
        rank = job.get("rank")
        ranks.append(rank)
        counted = job.get("counted", {})
        gpu.update(_relabel(p.gpu_energy_j, pre(p)))
        attributed.update(_relabel(p.gpu_attributed_j, pre(p)))
        if p.idle:
            idle_w.update(_relabel(p.idle["w_per_device"], pre(p)))
        devices += [
            dict(g, label=pre(p) + g["label"], rank=rank, host=job.get("host"))
            for g in p.gpu_devices
        ]
        if p.cpu_energy_j is not None:
            cpu = (cpu or 0.0) + p.cpu_energy_j
        if p.dram_energy_j is not None:
            dram = (dram or 0.0) + p.dram_energy_j
        for kind, src in p.sources.items():
            if not counted.get(kind.split("_")[0], True):
                continue  # this rank left that kind to another one
            sources.setdefault(kind, [])
            if src not in sources[kind]:
                sources[kind].append(src)
        notes += [n for n in p.notes if n not in notes]
        errors += [f"rank {rank}: {e}" for e in p.errors]
        estimated += [k for k in p.estimated if k not in estimated]
        if p.device not in device:
            device.append(p.device)
    missing = sorted(set(range(expected)) - set(ranks)) if shared else []
    if len(parts) < expected:
        what = f"ranks {missing}" if missing else f"{expected - len(parts)} rank(s)"
        errors.append(
            f"{what} sent no part within {wait_s:g} s: what they alone counted is "
            f"missing from this record"
        )
    scope = "job" if shared else f"node {ctx.host}"
    job = dict(
        ctx.to_dict(),
        scope=scope,
        ranks=ranks,
        hosts=hosts,
        summary=f"{ctx.launcher} job {ctx.job_id}: one record for the {scope}, "
        f"{len(parts)} of {expected} rank part(s) merged; each GPU and each "
        f"node's RAPL counters counted once",
    )
    if not shared:
        notes.append(
            f"{ctx.nnodes} nodes and no {JOB_DIR_ENV}: this record covers node "
            f"{ctx.host} only (one record per node); set {JOB_DIR_ENV} to a folder "
            f"all nodes share for one record per job"
        )
    idle = None
    if idle_w:
        idle = {
            "seconds": max(p.idle["seconds"] for p in parts if p.idle),
            "w_per_device": idle_w,
            "source": " | ".join(dict.fromkeys(p.idle["source"] for p in parts if p.idle)),
        }
    return Measurement(
        name=first.name,
        started_at=min(p.started_at for p in parts),
        wall_s=max(p.wall_s for p in parts),
        gpu_energy_j=gpu,
        cpu_energy_j=cpu,
        dram_energy_j=dram,
        pue=first.pue,
        grid_gco2e_per_kwh=first.grid_gco2e_per_kwh,
        sources={k: " | ".join(v) for k, v in sources.items()},
        estimated=estimated,
        errors=errors,
        device=" | ".join(device),
        gpu_devices=devices,
        notes=notes,
        idle=idle,
        gpu_attributed_j=attributed,
        job=job,
    )


__all__ = [
    "CLAIM_DIR_ENV",
    "JOB_DIR_ENV",
    "WAIT_ENV",
    "JobClaims",
    "JobContext",
    "default_claim_dir",
    "job_context",
    "merge_parts",
    "tasks_on_node",
]
