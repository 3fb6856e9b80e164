"""The real meters on replayed NVML and RAPL traces (tests/fixtures/meter, see its README):
device selection from launcher variables, MIG, the idle baseline, per-process share,
counter steps, wrap and reset, a GPU lost mid-run, RAPL wraparound."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from replication.meters import (
    EnergyMonitor,
    NullMeter,
    NvmlEnergyMeter,
    NvmlPowerSamplingMeter,
    RaplMeter,
)
from replication.meters.attribution import process_tree
from replication.meters.devices import resolve_visible
from replication.meters.factory import make_gpu_meter
from replication.meters.replay import RaplReplay, ReplayClock, ReplayNvml, load_trace

REPO = Path(__file__).resolve().parents[1]
TRACES = REPO / "tests" / "fixtures" / "meter"
LAUNCH_VARS = (
    "CUDA_VISIBLE_DEVICES",
    "NVIDIA_VISIBLE_DEVICES",
    "SLURM_JOB_GPUS",
    "SLURM_STEP_GPUS",
    "CUDA_DEVICE_ORDER",
    "GREENLENS_NVML_TRACE",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for var in LAUNCH_VARS:
        monkeypatch.delenv(var, raising=False)


def replay(name: str, t: float = 0.0) -> tuple[ReplayNvml, ReplayClock, dict]:
    trace = load_trace(TRACES / name)
    clock = ReplayClock(t)
    return ReplayNvml(trace, clock), clock, trace


def counter_at(trace: dict, label: str, t: float) -> int:
    """What the trace's counter read at time t (the last row at or before t)."""
    rows = [e for ts, e in zip(trace["t_s"], trace["energy_mj"][label]) if ts <= t + 1e-9]
    return rows[-1]


def monitor_on(nvml: ReplayNvml, clock: ReplayClock, **kwargs) -> EnergyMonitor:
    monitor = EnergyMonitor(
        nvml=nvml,
        clock=clock,
        background=False,
        cpu=NullMeter("cpu", "replay"),
        dram=NullMeter("dram", "replay"),
        **kwargs,
    )
    clock.on_step(monitor.poll)
    return monitor


# -- energy counter: steps, exact deltas, no polling ---------------------------------------------
def test_counter_replay_gives_the_trace_delta_and_never_polls():
    nvml, clock, trace = replay("nvml_idle_then_train.json", t=3.05)
    monitor = monitor_on(nvml, clock)
    assert isinstance(monitor.gpu, NvmlEnergyMeter)
    reads_before = nvml.calls["nvmlDeviceGetTotalEnergyConsumption"]
    monitor.begin_window("train")
    clock.advance(5.9)
    m = monitor.end_window("train")
    expected = (counter_at(trace, "0", 8.95) - counter_at(trace, "0", 3.05)) / 1000
    assert m.gpu_energy_j == {"0": pytest.approx(expected)}
    assert m.gpu_total_j == pytest.approx(690 * 5.9, rel=0.03)  # counter steps: <= 0.1 s off
    assert m.wall_s == pytest.approx(5.9)
    # two reads per window (begin, end), none in between: no thread, no overhead while running
    assert nvml.calls["nvmlDeviceGetTotalEnergyConsumption"] - reads_before == 2


def test_window_shorter_than_a_counter_step_uses_power_x_time():
    nvml, clock, _ = replay("nvml_idle_then_train.json", t=5.01)
    meter = make_gpu_meter(nvml=nvml, clock=clock)
    meter.start("blink")
    clock.advance(0.05)  # the counter last moved at 5.0 s and moves next at 5.1 s
    reading = meter.stop("blink")
    assert reading.energy_j["0"] == pytest.approx(690 * 0.05, rel=0.03)
    assert "counter unchanged over 0.050 s" in reading.source


# -- item 1: meter only what the job can use -----------------------------------------------------
def test_slurm_job_gpus_meters_only_the_allocated_gpu(monkeypatch):
    monkeypatch.setenv("SLURM_JOB_GPUS", "3")
    nvml, clock, trace = replay("nvml_8gpu_node.json", t=1.0)
    monitor = monitor_on(nvml, clock)
    monitor.begin_window("job")
    clock.advance(1.5)
    m = monitor.end_window("job")
    assert list(m.gpu_energy_j) == ["3"]  # not the 7 idle GPUs beside it
    assert m.gpu_total_j == pytest.approx(650 * 1.5, rel=0.05)
    assert m.gpu_devices == [
        {
            "label": "3",
            "nvml_index": 3,
            "uuid": trace["devices"][3]["uuid"],
            "name": "NVIDIA H100 80GB HBM3",
            "mig": [],
            "selected_by": "SLURM_JOB_GPUS=3",
        }
    ]
    assert any("minor number" in n for n in m.notes)


def test_slurm_indices_are_minor_numbers_and_cgroup_view_meters_all():
    nvml, _, trace = replay("nvml_8gpu_node.json")
    # GPUs 5 and 7 have swapped minor numbers: /dev/nvidia5 is NVML index 7
    vis = resolve_visible(nvml, {"SLURM_STEP_GPUS": "5,0", "SLURM_JOB_GPUS": "1"})
    assert [d.index for d in vis.devices] == [7, 0] and vis.source == "SLURM_STEP_GPUS=5,0"
    # under Slurm's device cgroup NVML shows only the allocated GPUs, renumbered from 0
    trace["devices"] = [
        dict(trace["devices"][6], index=0, minor=6),
        dict(trace["devices"][7], index=1, minor=5),
    ]
    trace["energy_mj"] = {"0": trace["energy_mj"]["6"], "1": trace["energy_mj"]["7"]}
    narrowed = ReplayNvml(trace, ReplayClock())
    vis = resolve_visible(narrowed, {"SLURM_JOB_GPUS": "2,4"})
    assert [d.index for d in vis.devices] == [0, 1]
    assert "cgroup" in vis.notes[0]


def test_cuda_visible_devices_by_uuid_prefix_and_index():
    nvml, _, trace = replay("nvml_8gpu_node.json")
    uuids = [d["uuid"] for d in trace["devices"]]
    vis = resolve_visible(nvml, {"CUDA_VISIBLE_DEVICES": f"{uuids[6]},{uuids[2][:12]}"})
    assert [d.index for d in vis.devices] == [6, 2]
    assert [d.uuid for d in vis.devices] == [uuids[6], uuids[2]]
    assert [d.index for d in resolve_visible(nvml, {"CUDA_VISIBLE_DEVICES": "4,1"}).devices] == [
        4,
        1,
    ]
    # CUDA_VISIBLE_DEVICES wins over the Slurm variables it is usually set from
    both = resolve_visible(nvml, {"CUDA_VISIBLE_DEVICES": "1", "SLURM_JOB_GPUS": "3"})
    assert [d.index for d in both.devices] == [1]


def test_an_unmatched_entry_ends_the_list_as_in_cuda():
    nvml, _, _ = replay("nvml_8gpu_node.json")
    vis = resolve_visible(nvml, {"CUDA_VISIBLE_DEVICES": "2,GPU-ffffffff,4"})
    assert [d.index for d in vis.devices] == [2]
    assert "'GPU-ffffffff' matches no NVML device" in vis.notes[0]
    # an ambiguous prefix is no match either
    assert resolve_visible(nvml, {"CUDA_VISIBLE_DEVICES": "GPU-"}).devices == []


def test_empty_cuda_visible_devices_meters_no_gpu(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    nvml, clock, _ = replay("nvml_8gpu_node.json")
    probes = []
    meter = make_gpu_meter(nvml=nvml, clock=clock, probes=probes)
    assert isinstance(meter, NullMeter)
    assert meter.source == (
        "none: no GPU: CUDA_VISIBLE_DEVICES is empty: the job can use no GPU, none is metered"
    )
    assert len(probes) == 1  # no second, identical complaint from the sampling backend


def test_nvidia_visible_devices_in_a_container():
    nvml, _, trace = replay("nvml_8gpu_node.json")
    uuid = trace["devices"][5]["uuid"]
    assert [d.index for d in resolve_visible(nvml, {"NVIDIA_VISIBLE_DEVICES": uuid}).devices] == [5]
    assert len(resolve_visible(nvml, {"NVIDIA_VISIBLE_DEVICES": "all"}).devices) == 8
    assert resolve_visible(nvml, {"NVIDIA_VISIBLE_DEVICES": "void"}).devices == []


def test_mig_instance_resolves_to_its_physical_gpu_counted_once(monkeypatch):
    nvml, clock, trace = replay("nvml_mig.json", t=0.25)
    migs = trace["devices"][0]["mig"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", f"{migs[1]},{migs[2]}")
    monitor = monitor_on(nvml, clock)
    monitor.begin_window("w")
    clock.advance(1.5)
    m = monitor.end_window("w")
    assert list(m.gpu_energy_j) == ["0"]  # two MIG instances, one physical GPU
    expected = (counter_at(trace, "0", 1.75) - counter_at(trace, "0", 0.25)) / 1000
    assert m.gpu_energy_j["0"] == pytest.approx(expected)
    assert m.gpu_devices[0]["mig"] == [migs[1], migs[2]]
    note = " ".join(m.notes)
    assert "MIG mode with 3 instance(s)" in note and "per physical GPU" in note
    assert "every MIG instance on it included, counted once" in note
    # the R450 form names the parent GPU's UUID
    old = resolve_visible(nvml, {"CUDA_VISIBLE_DEVICES": f"MIG-{trace['devices'][0]['uuid']}/1/0"})
    assert [d.index for d in old.devices] == [0]


# -- item 4: idle baseline -----------------------------------------------------------------------
def test_idle_baseline_is_reported_beside_the_total_never_subtracted():
    nvml, clock, trace = replay("nvml_idle_then_train.json", t=0.5)
    monitor = monitor_on(nvml, clock)
    idle = monitor.measure_idle(2.0, sleep=clock.advance)
    assert idle["seconds"] == pytest.approx(2.0)
    assert idle["w_per_device"]["0"] == pytest.approx(68, rel=0.05)
    clock.advance(0.55)
    monitor.begin_window("train")
    clock.advance(5.9)
    m = monitor.end_window("train")
    total = (counter_at(trace, "0", 8.95) - counter_at(trace, "0", 3.05)) / 1000
    assert m.gpu_total_j == pytest.approx(total) and m.energy_j == pytest.approx(total)
    assert m.gpu_idle_w == pytest.approx(idle["w_per_device"]["0"])
    assert m.gpu_active_energy_j == pytest.approx(total - m.gpu_idle_w * 5.9)
    assert m.gpu_active_energy_j == pytest.approx((690 - 68) * 5.9, rel=0.04)
    d = json.loads(m.to_json())
    assert d["gpu_idle_w"] == pytest.approx(m.gpu_idle_w)
    assert d["gpu_active_energy_j"] == pytest.approx(m.gpu_active_energy_j)
    assert "before the window" in d["sources"]["gpu_idle"]


def test_a_short_idle_baseline_is_not_biased_by_the_counter_step():
    # 0.35 s from 0.55 s: the counter shows its 0.5 s value at the start and its 0.9 s value
    # at the end, so energy / seconds over the window reads 0.4 s of energy in 0.35 s
    nvml, clock, trace = replay("nvml_idle_then_train.json", t=0.55)
    monitor = monitor_on(nvml, clock)
    idle = monitor.measure_idle(0.35, sleep=clock.advance)
    naive = (counter_at(trace, "0", 0.9) - counter_at(trace, "0", 0.55)) / 1000 / 0.35
    assert naive > 68 * 1.1  # the bias being avoided
    assert idle["w_per_device"]["0"] == pytest.approx(68, rel=0.02)
    assert "counter change to counter change" in idle["source"]


def test_without_idle_baseline_the_fields_are_null():
    nvml, clock, _ = replay("nvml_idle_then_train.json")
    monitor = monitor_on(nvml, clock)
    with monitor.window("w") as w:
        clock.advance(1.0)
    d = json.loads(w.measurement.to_json())
    assert d["gpu_idle_w"] is None and d["gpu_active_energy_j"] is None
    assert "gpu_idle" not in d["sources"]
    assert d["gpu_devices"][0]["selected_by"].startswith("all NVML devices")


# -- item 3: per-process share -------------------------------------------------------------------
def _util_sums(trace: dict, t0: float, t1: float, pid: int) -> tuple[int, int]:
    # NVML returns samples newer than the last read: the one at the window's start is not
    rows = [r for r in trace["process_util"]["0"] if t0 < r[0] <= t1]
    return sum(r[2] for r in rows if r[1] == pid), sum(r[2] for r in rows)


def test_per_process_share_is_an_estimate_beside_the_measured_total():
    nvml, clock, trace = replay("nvml_shared_gpu.json", t=0.0)
    monitor = monitor_on(nvml, clock, per_process=True)
    monitor.share.pids = lambda: {4242}
    monitor.begin_window("job")
    clock.advance(6.0, step_s=0.5)
    m = monitor.end_window("job")
    ours, total = _util_sums(trace, 0.0, 6.0, 4242)
    assert 0.7 < ours / total < 0.9
    assert m.gpu_attributed_j["0"] == pytest.approx(m.gpu_energy_j["0"] * ours / total)
    assert m.gpu_attributed_total_j < m.gpu_total_j == m.energy_j  # total stays measured
    assert "gpu_attributed" in m.estimated
    src = m.sources["gpu_attributed"]
    assert src.startswith("estimate: ") and "nvmlDeviceGetProcessUtilization" in src
    assert f"{ours / total:.0%} of " in src


def test_per_process_share_after_the_job_stopped_is_zero_and_no_samples_is_unknown():
    nvml, clock, trace = replay("nvml_shared_gpu.json", t=4.5)
    monitor = monitor_on(nvml, clock, per_process=True)
    monitor.share.pids = lambda: {4242}
    with monitor.window("late") as w:
        clock.advance(1.4, step_s=0.5)
    assert w.measurement.gpu_attributed_j == {"0": 0.0}  # only pid 5151 ran
    monitor2 = monitor_on(*replay("nvml_idle_then_train.json")[:2], per_process=True)
    with monitor2.window("nobody") as w2:
        monitor2.gpu.clock.advance(1.0)
    assert w2.measurement.gpu_attributed_j == {"0": None}
    assert "no process ran a kernel" in w2.measurement.sources["gpu_attributed"]


def test_per_process_share_on_mig_says_why_it_is_unknown():
    nvml, clock, _ = replay("nvml_mig.json")
    monitor = monitor_on(nvml, clock, per_process=True)
    with monitor.window("w") as w:
        clock.advance(1.0, step_s=0.5)
    assert w.measurement.gpu_attributed_j["0"] is None
    assert (
        "GPU 0: unknown (nvmlDeviceGetProcessUtilization: Not Supported)"
        in w.measurement.sources["gpu_attributed"]
    )


def test_process_tree_finds_a_real_child():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        tree = process_tree()
        assert os.getpid() in tree and child.pid in tree
        assert process_tree(child.pid) == {child.pid}
    finally:
        child.kill()
        child.wait()


# -- item 5: wrap, reset, a lost GPU, no counter, RAPL --------------------------------------------
def test_counter_wrap_is_counted_and_a_reset_is_reported():
    nvml, clock, trace = replay("nvml_counter_wrap_reset.json", t=0.2)
    monitor = monitor_on(nvml, clock)
    monitor.begin_window("w")
    clock.advance(1.6)
    m = monitor.end_window("w")
    a, b = counter_at(trace, "0", 0.2), counter_at(trace, "0", 1.8)
    assert b < a  # the raw counter wrapped past 2**64
    assert m.gpu_energy_j["0"] == pytest.approx((b + (1 << 64) - a) / 1000)
    assert m.gpu_energy_j["0"] == pytest.approx(500 * 1.6, rel=0.05)
    assert m.gpu_energy_j["1"] is None
    assert any("GPU 1: energy counter went back" in e for e in m.errors)


def test_gpu_lost_mid_run_is_reported_and_the_other_gpu_still_counts():
    nvml, clock, trace = replay("nvml_lost_mid_run.json", t=0.5)
    monitor = monitor_on(nvml, clock)
    monitor.begin_window("train")
    clock.advance(2.0)
    m = monitor.end_window("train")
    assert m.gpu_energy_j["1"] is None and not m.complete
    assert "GPU 1: NVML error during window (GPU is lost)" in m.errors[0]
    assert m.gpu_energy_j["0"] == pytest.approx(
        (counter_at(trace, "0", 2.5) - counter_at(trace, "0", 0.5)) / 1000
    )


def test_gpu_lost_while_sampling_keeps_the_part_before():
    nvml, clock, _ = replay("nvml_lost_mid_run.json", t=0.5)
    meter = NvmlPowerSamplingMeter(nvml, interval_s=0.1, clock=clock, background=False)
    clock.on_step(meter.poll)
    meter.start("w")
    clock.advance(2.0, step_s=0.1)
    reading = meter.stop("w")
    # lost at 1.5 s: the samples 0.5 .. 1.4 s count, the rest is said to be missing
    assert reading.energy_j["1"] == pytest.approx(600 * 0.9, rel=0.03)
    assert "GPU 1" in reading.error and "covers the first 0.9 s only" in reading.error
    assert reading.energy_j["0"] == pytest.approx(600 * 2.0, rel=0.03)


def test_no_counter_falls_back_to_sampling_on_the_replayed_ramp():
    nvml, clock, _ = replay("nvml_no_counter.json")
    monitor = monitor_on(nvml, clock)
    assert isinstance(monitor.gpu, NvmlPowerSamplingMeter)
    assert [p.backend for p in monitor.probes][:2] == ["nvml-energy-counter", "nvml-power-sampling"]
    monitor.begin_window("ramp")
    clock.advance(2.0, step_s=0.1)
    m = monitor.end_window("ramp")
    # power 50 + 100 t W over 0..2 s: 300 J; trapezoid on 0.1 s samples of a line is exact
    assert m.gpu_energy_j["0"] == pytest.approx(300, rel=0.02)


def test_rapl_wraparound_replayed(tmp_path):
    trace = load_trace(TRACES / "rapl_wrap.json")
    clock = ReplayClock()
    tree = RaplReplay(trace, tmp_path, clock)
    cpu = RaplMeter("package", tmp_path, poll_s=None)
    dram = RaplMeter("dram", tmp_path, poll_s=None)
    clock.on_step(tree.apply)
    clock.on_step(cpu.poll)
    clock.on_step(dram.poll)
    monitor = EnergyMonitor(gpu=NullMeter("gpu", "replay"), cpu=cpu, dram=dram, clock=clock)
    monitor.begin_window("w")
    clock.advance(10.0, step_s=0.1)
    m = monitor.end_window("w")
    pkg = trace["energy_uj"]["intel-rapl:0"]
    assert pkg[-1] < pkg[0]  # wrapped
    max_uj = trace["zones"][0]["max_energy_range_uj"]
    assert m.cpu_energy_j == pytest.approx((pkg[-1] + max_uj - pkg[0]) / 1e6)
    assert m.cpu_energy_j == pytest.approx(95 * 10, rel=0.02)
    assert m.dram_energy_j == pytest.approx(12 * 10, rel=1e-3)


# -- the CLI on a replayed trace ----------------------------------------------------------------
def test_meter_cli_json_carries_devices_idle_and_active(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CUDA_VISIBLE_DEVICES": "3",
        "GREENLENS_NVML_TRACE": str(TRACES / "nvml_8gpu_node.json"),
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from app.cli import main; main()",
            "meter",
            "--no-record",
            "--json",
            "--idle-s",
            "0.3",
            "--",
            sys.executable,
            "-c",
            "import time; time.sleep(0.6)",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [g["nvml_index"] for g in out["gpu_devices"]] == [3]
    assert out["gpu_devices"][0]["selected_by"] == "CUDA_VISIBLE_DEVICES=3"
    # the trace's GPU 3 idles at 70 W until 0.5 s, then trains at 650 W
    assert out["gpu_idle_w"] == pytest.approx(70, rel=0.1)
    assert out["gpu_energy_j"]["3"] > out["gpu_active_energy_j"] > 0
    assert "replayed from" in out["sources"]["gpu"]


def test_stored_run_keeps_devices_idle_and_notes(tmp_path, monkeypatch):
    import app.wiring  # noqa: F401 - registers every package's migrations
    from corpus.store import Store
    from replication.runs import get_run, record_run

    nvml, clock, _ = replay("nvml_mig.json", t=0.2)
    monkeypatch.setenv(
        "CUDA_VISIBLE_DEVICES", load_trace(TRACES / "nvml_mig.json")["devices"][0]["mig"][0]
    )
    monitor = monitor_on(nvml, clock)
    monitor.measure_idle(0.5, sleep=clock.advance)
    with monitor.window("w") as w:
        clock.advance(1.0)
    m = w.measurement
    with Store(tmp_path / "s.duckdb") as store:
        run = get_run(store, record_run(store, m, kind="meter"))
    assert run["gpu_devices"] == m.gpu_devices and run["gpu_devices"][0]["mig"]
    assert run["gpu_idle_w"] == pytest.approx(m.gpu_idle_w)
    assert run["gpu_active_energy_j"] == pytest.approx(m.gpu_active_energy_j)
    assert run["notes"] == m.notes and "per physical GPU" in run["notes"][0]
    assert run["job"] is None and run["gpu_attributed_j"] == {}


def test_slurm_without_minor_numbers_falls_back_to_indices():
    nvml, _, _ = replay("nvml_8gpu_node.json")

    def not_supported(handle):
        raise nvml.NVMLError(3)

    nvml.nvmlDeviceGetMinorNumber = not_supported
    vis = resolve_visible(nvml, {"SLURM_JOB_GPUS": "5"})
    assert [d.index for d in vis.devices] == [5]
    assert "no device minor numbers" in vis.notes[0]
