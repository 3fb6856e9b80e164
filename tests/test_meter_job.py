"""One job, one record: ranks from torchrun's or Slurm's variables, node-local claims so each
GPU and each node's RAPL counters count once, parts merged by rank 0 (replayed traces)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from replication.meters import EnergyMonitor, NullMeter
from replication.meters.job import JobClaims, JobContext, job_context, tasks_on_node
from replication.meters.replay import RaplReplay, ReplayClock, ReplayNvml, load_trace

REPO = Path(__file__).resolve().parents[1]
TRACES = REPO / "tests" / "fixtures" / "meter"
VARS = (
    "CUDA_VISIBLE_DEVICES",
    "NVIDIA_VISIBLE_DEVICES",
    "SLURM_JOB_GPUS",
    "SLURM_STEP_GPUS",
    "GREENLENS_NVML_TRACE",
    "GREENLENS_JOB_DIR",
    "GREENLENS_CLAIM_DIR",
    "RANK",
    "WORLD_SIZE",
    "LOCAL_RANK",
    "LOCAL_WORLD_SIZE",
    "SLURM_JOB_ID",
    "SLURM_NTASKS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for var in VARS:
        monkeypatch.delenv(var, raising=False)


def torchrun_env(rank: int, world: int, local_world: int | None = None, port: int = 29500):
    local_world = local_world or world
    return {
        "RANK": str(rank),
        "WORLD_SIZE": str(world),
        "LOCAL_RANK": str(rank % local_world),
        "LOCAL_WORLD_SIZE": str(local_world),
        "GROUP_RANK": str(rank // local_world),
        "MASTER_ADDR": "10.0.0.1",
        "MASTER_PORT": str(port),
        "TORCHELASTIC_RUN_ID": "none",
        "TORCHELASTIC_RESTART_COUNT": "0",
    }


def test_job_context_from_torchrun_and_slurm_variables():
    a = job_context(torchrun_env(3, 8, 4))
    b = job_context(torchrun_env(0, 8, 4))
    assert (a.launcher, a.rank, a.world_size, a.local_rank, a.node_rank, a.nnodes) == (
        "torchrun",
        3,
        8,
        3,
        0,
        2,
    )
    assert a.job_id == b.job_id != job_context(torchrun_env(0, 8, 4, port=29501)).job_id
    slurm = {
        "SLURM_JOB_ID": "812",
        "SLURM_STEP_ID": "0",
        "SLURM_PROCID": "9",
        "SLURM_NTASKS": "11",
        "SLURM_LOCALID": "1",
        "SLURM_NODEID": "2",
        "SLURM_NNODES": "3",
        "SLURM_TASKS_PER_NODE": "4(x2),3",
    }
    s = job_context(slurm)
    assert (s.launcher, s.job_id, s.rank, s.world_size, s.local_world_size, s.nnodes) == (
        "slurm",
        "slurm-812.0",
        9,
        11,
        3,
        3,
    )
    # the batch script (no step id) is not a rank: `greenlens meter -- srun ...` there is
    # one process around the whole step and must not wait for parts
    batch = {k: v for k, v in slurm.items() if k != "SLURM_STEP_ID"}
    assert job_context(batch) is None
    assert job_context({**slurm, "SLURM_STEP_ID": "4294967294"}) is None  # the batch step
    # a step using part of the job: the step's own task counts
    step = job_context(
        {
            **slurm,
            "SLURM_STEP_NUM_TASKS": "4",
            "SLURM_STEP_TASKS_PER_NODE": "2(x2)",
            "SLURM_STEP_NUM_NODES": "2",
            "SLURM_NODEID": "1",
            "SLURM_PROCID": "3",
        }
    )
    assert (step.world_size, step.local_world_size, step.nnodes) == (4, 2, 2)
    # torchrun inside an srun step: the rank torchrun gives wins
    assert job_context({**slurm, **torchrun_env(5, 8)}).launcher == "torchrun"
    assert job_context(torchrun_env(0, 1)) is None  # one rank: no job to merge
    assert job_context({}) is None
    assert tasks_on_node("4(x2),3", 1) == 4 and tasks_on_node("2,1", 1) == 1


def _ctx(rank, world, local_world=None, host="n1") -> JobContext:
    local_world = local_world or world
    return JobContext(
        "torchrun",
        "torchrun-test",
        rank,
        world,
        rank % local_world,
        local_world,
        rank // local_world,
        world // local_world,
        host,
    )


def _ranks(
    tmp_path,
    nvml,
    clock,
    world,
    *,
    order=None,
    local_world=None,
    hosts=None,
    job_dir=None,
    wait_s=5.0,
    env_per_rank=None,
    monkeypatch=None,
):
    """EnergyMonitors for ranks `order` (construction order), one per simulated rank."""
    monitors = {}
    for rank in order or range(world):
        host = hosts[rank] if hosts else "n1"
        if env_per_rank:
            for k, v in env_per_rank[rank].items():
                monkeypatch.setenv(k, v)
        monitors[rank] = EnergyMonitor(
            nvml=nvml,
            clock=clock,
            background=False,
            cpu=NullMeter("cpu", "replay"),
            dram=NullMeter("dram", "replay"),
            job=_ctx(rank, world, local_world, host),
            claim_dir=tmp_path / f"claims-{host}",
            job_dir=job_dir,
            job_wait_s=wait_s,
        )
    return monitors


def _window(monitors, clock, seconds=1.5, ends=None):
    for m in monitors.values():
        m.begin_window("train")
    clock.advance(seconds)
    out = {}
    for rank in ends or sorted(monitors, reverse=True):  # the merger (rank 0) ends last
        out[rank] = monitors[rank].end_window("train")
    return out


def test_ranks_on_one_node_count_each_gpu_once(tmp_path):
    trace = load_trace(TRACES / "nvml_8gpu_node.json")
    clock = ReplayClock(0.6)
    nvml = ReplayNvml(trace, clock)
    monitors = _ranks(tmp_path, nvml, clock, 4, order=[2, 0, 1, 3])  # rank 2 starts first
    single = EnergyMonitor(
        nvml=nvml,
        clock=clock,
        background=False,
        job=None,
        cpu=NullMeter("cpu", "x"),
        dram=NullMeter("dram", "x"),
    )
    single.begin_window("ref")
    out = _window(monitors, clock)
    ref = single.end_window("ref")
    merged = out[0]
    assert merged.gpu_energy_j == ref.gpu_energy_j  # 8 GPUs, each once, not 4 times
    assert len(merged.gpu_devices) == 8 and {g["rank"] for g in merged.gpu_devices} == {2}
    assert merged.job["ranks"] == [0, 1, 2, 3] and merged.job["scope"] == "job"
    assert "4 of 4 rank part(s) merged" in merged.job["summary"]
    assert merged.sources["gpu"] == "nvml-energy-counter" and merged.complete
    for rank in (1, 2, 3):
        assert out[rank].job["merged_by"] == "rank 0"
    assert out[2].gpu_total_j == ref.gpu_total_j and out[1].gpu_energy_j == {}
    assert out[1].job["counted"]["gpu"] is False
    assert "by rank 2" in out[1].job["counted_elsewhere"]["gpu"]
    for m in monitors.values():
        m.close()
    assert not list((tmp_path / "claims-n1").rglob("gpu-*"))  # claims released


def test_ranks_with_their_own_gpu_are_summed(tmp_path, monkeypatch):
    # srun --gpus-per-task=1: each task sees one GPU through CUDA_VISIBLE_DEVICES
    trace = load_trace(TRACES / "nvml_8gpu_node.json")
    clock = ReplayClock(0.6)
    nvml = ReplayNvml(trace, clock)
    envs = {0: {"CUDA_VISIBLE_DEVICES": "3"}, 1: {"CUDA_VISIBLE_DEVICES": "5"}}
    monitors = _ranks(tmp_path, nvml, clock, 2, env_per_rank=envs, monkeypatch=monkeypatch)
    out = _window(monitors, clock)
    assert sorted(out[0].gpu_energy_j) == ["3", "5"]
    assert out[0].gpu_energy_j["3"] == pytest.approx(650 * 1.5, rel=0.05)
    assert out[0].gpu_energy_j["5"] == pytest.approx(70 * 1.5, rel=0.05)


def test_rapl_counted_once_per_node(tmp_path):
    clock = ReplayClock()
    RaplReplay(load_trace(TRACES / "rapl_wrap.json"), tmp_path / "powercap", clock)
    monitors = {
        r: EnergyMonitor(
            gpu=NullMeter("gpu", "x"),
            clock=clock,
            powercap_root=tmp_path / "powercap",
            job=_ctx(r, 3),
            claim_dir=tmp_path / "claims",
        )
        for r in range(3)
    }
    kinds = [(type(m.cpu).__name__, type(m.dram).__name__) for m in monitors.values()]
    assert kinds.count(("RaplMeter", "RaplMeter")) == 1
    assert kinds.count(("NullMeter", "NullMeter")) == 2
    out = _window(monitors, clock, 0.0)
    assert out[0].sources["cpu"] == "rapl-package: powercap energy_uj"  # not the others' null
    for m in monitors.values():
        m.close()


def test_a_missing_rank_is_reported_not_waited_for_forever(tmp_path):
    nvml = ReplayNvml(load_trace(TRACES / "nvml_8gpu_node.json"), clock := ReplayClock())
    monitors = _ranks(tmp_path, nvml, clock, 3, wait_s=0.3)
    out = _window(monitors, clock, ends=[1, 0])  # rank 2 never ends its window
    assert any("ranks [2] sent no part within 0.3 s" in e for e in out[0].errors)
    assert not out[0].complete


def test_two_nodes_with_a_shared_job_dir_make_one_record(tmp_path):
    nvml = ReplayNvml(load_trace(TRACES / "nvml_8gpu_node.json"), clock := ReplayClock(1))
    hosts = {0: "n1", 1: "n1", 2: "n2", 3: "n2"}
    monitors = _ranks(
        tmp_path, nvml, clock, 4, local_world=2, hosts=hosts, job_dir=tmp_path / "shared"
    )
    out = _window(monitors, clock)
    labels = sorted(out[0].gpu_energy_j)
    assert len(labels) == 16 and labels[0] == "n1:0" and labels[-1] == "n2:7"
    assert out[0].job["hosts"] == ["n1", "n2"] and out[0].job["scope"] == "job"
    assert out[2].job["merged_by"] == "rank 0"


def test_two_nodes_without_a_shared_dir_give_one_record_per_node(tmp_path):
    nvml = ReplayNvml(load_trace(TRACES / "nvml_8gpu_node.json"), clock := ReplayClock(1))
    hosts = {0: "n1", 1: "n1", 2: "n2", 3: "n2"}
    monitors = _ranks(tmp_path, nvml, clock, 4, local_world=2, hosts=hosts)
    out = _window(monitors, clock, ends=[1, 3, 0, 2])
    for merger, host in ((0, "n1"), (2, "n2")):
        assert len(out[merger].gpu_energy_j) == 8 and out[merger].job["scope"] == f"node {host}"
        assert any("GREENLENS_JOB_DIR" in n for n in out[merger].notes)
    assert out[3].job["merged_by"] == "local rank 0 on n2"


def test_a_dead_ranks_claim_is_taken_over(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    claims = JobClaims(_ctx(1, 2), claim_dir=tmp_path)
    (claims.claims / "gpu-GPU-1").write_text(f"{dead.pid}:0")
    assert claims.claim("gpu-GPU-1") is None  # the holder is gone
    other = JobClaims(_ctx(0, 2), claim_dir=tmp_path)
    assert other.claim("gpu-GPU-1") == f"rank 1 (pid {os.getpid()})"


def test_per_process_share_in_a_job_counts_every_rank_on_the_node(tmp_path):
    sibling = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        nvml = ReplayNvml(load_trace(TRACES / "nvml_shared_gpu.json"), clock := ReplayClock())
        claims = JobClaims(_ctx(1, 2), claim_dir=tmp_path)
        (claims.pids / "rank-1").write_text(str(sibling.pid))  # another rank's process
        monitor = EnergyMonitor(
            nvml=nvml,
            clock=clock,
            background=False,
            per_process=True,
            cpu=NullMeter("cpu", "x"),
            dram=NullMeter("dram", "x"),
            job=_ctx(0, 2),
            claim_dir=tmp_path,
            job_wait_s=0.1,
        )
        pids = monitor.share.pids()
        assert os.getpid() in pids and sibling.pid in pids
        monitor.close()
    finally:
        sibling.kill()
        sibling.wait()


def _greenlens_rank(rank, world, tmp_path, port):
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        **torchrun_env(rank, world, port=port),
        "GREENLENS_NVML_TRACE": str(TRACES / "nvml_8gpu_node.json"),
        "GREENLENS_CLAIM_DIR": str(tmp_path / "claims"),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from app.cli import main; main()",
            "meter",
            "--json",
            "--db",
            str(tmp_path / "m.duckdb"),
            "--",
            sys.executable,
            "-c",
            "import time; time.sleep(1.0)",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_meter_cli_in_every_rank_gives_one_stored_record(tmp_path):
    procs = [_greenlens_rank(r, 3, tmp_path, 29600) for r in range(3)]
    outs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, stderr
        outs.append(json.loads(stdout.strip().splitlines()[-1]))
    merged = outs[0]
    assert len(merged["gpu_energy_j"]) == 8 and merged["job"]["ranks"] == [0, 1, 2]
    assert merged["run_id"] and outs[1]["run_id"] is None and outs[2]["run_id"] is None
    assert outs[1]["job"]["merged_by"] == "rank 0"
    # every rank's own CPU estimate adds up; GPUs come from the one rank that claimed them
    assert merged["cpu_energy_j"] > outs[1]["cpu_energy_j"] + outs[2]["cpu_energy_j"] > 0
    # each GPU is claimed by exactly one rank (ranks start together, so claims may split):
    # no GPU twice among the other ranks' own records, and all of them within the merged 8
    others = [set(o["gpu_energy_j"]) for o in outs[1:]]
    assert not others[0] & others[1] and others[0] | others[1] <= set(merged["gpu_energy_j"])
    from corpus.store import Store
    from replication.runs import get_run

    with Store(tmp_path / "m.duckdb") as store:
        run = get_run(store, merged["run_id"])
        n = store.fetch_dicts("SELECT count(*) AS n FROM runs")[0]["n"]
    assert n == 1 and run["energy_j"] == pytest.approx(merged["energy_j"])
