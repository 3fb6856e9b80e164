"""Energy meters: NVML mocked at its boundary (a fake pynvml), RAPL on a fake sysfs tree,
the real CPU meter around a real workload, and `greenlens meter` end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import types
from datetime import UTC, datetime
from pathlib import Path

import pytest

from replication.meters import (
    CarbonConfig,
    CpuEstimateMeter,
    EnergyMonitor,
    Measurement,
    NullMeter,
    NvmlEnergyMeter,
    NvmlPowerSamplingMeter,
    RaplMeter,
    make_gpu_meter,
)
from replication.meters.nvml import MeterUnavailable

REPO = Path(__file__).resolve().parents[1]


# -- a fake pynvml: the NVML C library's behaviour as nvidia-ml-py exposes it ------------------
def fake_pynvml(n_devices=1, power_mw=150_000.0, counter=True, init_error=None):
    """A module with pynvml's names; energy grows at power_mw from creation time."""
    mod = types.ModuleType("pynvml")

    class NVMLError(Exception):
        def __init__(self, value):
            super().__init__(value)
            self.value = value

        def __str__(self):
            return {3: "Not Supported", 12: "NVML Shared Library Not Found", 15: "GPU is lost"}.get(
                self.value, f"error {self.value}"
            )

    mod.NVMLError = NVMLError
    mod.NVML_ERROR_NOT_SUPPORTED = 3
    mod.NVML_ERROR_LIBRARY_NOT_FOUND = 12
    mod.NVML_ERROR_GPU_IS_LOST = 15
    t0 = time.monotonic()
    mod.lost = set()
    mod.counter_reads = []  # scripted counter values (mJ) when not empty
    mod.calls = {"init": 0, "shutdown": 0}

    def init():
        if init_error is not None:
            raise NVMLError(init_error)
        mod.calls["init"] += 1

    def check(handle):
        if handle in mod.lost:
            raise NVMLError(15)

    def energy(handle):
        check(handle)
        if not counter:
            raise NVMLError(3)
        if mod.counter_reads:
            return mod.counter_reads.pop(0)
        return int(power_mw * (time.monotonic() - t0))

    def power(handle):
        check(handle)
        return int(power_mw)

    mod.nvmlInit = init
    mod.nvmlShutdown = lambda: mod.calls.__setitem__("shutdown", mod.calls["shutdown"] + 1)
    mod.nvmlDeviceGetCount = lambda: n_devices
    mod.nvmlDeviceGetHandleByIndex = lambda i: i
    mod.nvmlDeviceGetName = lambda h: "NVIDIA H100 80GB HBM3"
    mod.nvmlDeviceGetTotalEnergyConsumption = energy
    mod.nvmlDeviceGetPowerUsage = power
    return mod


@pytest.fixture
def nvml(monkeypatch):
    """Install a fake pynvml; returns a factory that replaces it with new settings."""
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)

    def install(**kwargs):
        mod = fake_pynvml(**kwargs)
        monkeypatch.setitem(sys.modules, "pynvml", mod)
        return mod

    return install


def test_energy_counter_deltas_are_joules_per_device(nvml):
    fake = nvml(n_devices=2)
    meter = make_gpu_meter()
    assert isinstance(meter, NvmlEnergyMeter)
    # start reads GPU0, GPU1; stop reads them again (mJ)
    fake.counter_reads[:] = [1_000_000, 5_000, 1_250_500, 7_000]
    meter.start("w")
    reading = meter.stop("w")
    assert reading.energy_j == {"0": 250.5, "1": 2.0}
    assert reading.source == "nvml-energy-counter" and reading.error is None
    meter.close()
    assert fake.calls == {"init": 1, "shutdown": 1}


def test_counter_unchanged_in_a_short_window_uses_instant_power(nvml):
    fake = nvml(power_mw=200_000)
    meter = make_gpu_meter()
    fake.counter_reads[:] = [42_000, 42_000]  # the driver had not updated the counter yet
    meter.start("short")
    time.sleep(0.02)
    reading = meter.stop("short")
    assert 200 * 0.02 <= reading.energy_j["0"] <= 200 * 0.2
    assert "counter unchanged" in reading.source and "instant power" in reading.source
    meter.close()


def test_counter_not_supported_falls_back_to_sampling(nvml):
    nvml(counter=False, power_mw=150_000)
    probes = []
    meter = make_gpu_meter(interval_s=0.02, probes=probes)
    assert isinstance(meter, NvmlPowerSamplingMeter)
    assert [p.backend for p in probes] == ["nvml-energy-counter", "nvml-power-sampling"]
    assert not probes[0].ok and "Volta" in probes[0].detail
    t0 = time.monotonic()
    meter.start("w")
    time.sleep(0.3)
    reading = meter.stop("w")
    wall = time.monotonic() - t0
    # constant 150 W: the trapezoid integral is 150 W x the sampled span (<= the window)
    assert 150 * (wall - 0.05) <= reading.energy_j["0"] <= 150 * wall
    assert "every 0.02 s" in reading.source
    assert not [t for t in threading.enumerate() if t.name == "greenlens-meter"]
    meter.close()


def test_no_nvml_library_gives_null_meter_saying_so(nvml):
    nvml(init_error=12)
    monitor = EnergyMonitor(cpu=CpuEstimateMeter(65))
    assert isinstance(monitor.gpu, NullMeter)
    with monitor.window("w") as w:
        pass
    assert w.measurement.sources["gpu"] == "none: no GPU: NVML library not found"
    assert w.measurement.gpu_energy_j == {} and w.measurement.gpu_total_j is None


def test_device_lost_mid_window_is_reported_not_raised(nvml):
    fake = nvml(n_devices=2, power_mw=100_000)
    monitor = EnergyMonitor(cpu=CpuEstimateMeter(65))
    monitor.begin_window("train")
    fake.lost.add(1)  # GPU 1 falls off the bus
    m = monitor.end_window("train")
    assert m.gpu_energy_j["1"] is None and m.gpu_energy_j["0"] >= 0
    assert not m.complete and "GPU 1" in m.errors[0] and "GPU is lost" in m.errors[0]
    assert m.energy_j >= m.gpu_energy_j["0"]
    # the next window still works for the surviving GPU
    with monitor.window("after") as w:
        pass
    assert w.measurement.gpu_energy_j["0"] is not None
    monitor.close()


def test_device_lost_while_sampling_keeps_the_part_before(nvml):
    fake = nvml(counter=False, power_mw=200_000)
    meter = NvmlPowerSamplingMeter(fake, interval_s=0.02)
    meter.start("w")
    time.sleep(0.2)
    fake.lost.add(0)
    time.sleep(0.1)
    reading = meter.stop("w")
    assert reading.energy_j["0"] == pytest.approx(200 * 0.2, rel=0.5)
    assert "covers the first" in reading.error
    meter.close()


def test_overlapping_windows_and_decorator(nvml):
    fake = nvml(power_mw=100_000)
    monitor = EnergyMonitor(cpu=CpuEstimateMeter(65))
    monitor.begin_window("outer")

    @monitor.metered("step")
    def step(x):
        time.sleep(0.05)
        return x * 2

    assert step(2) == 4 and step(3) == 6
    outer = monitor.end_window("outer")
    assert len(step.measurements) == 2
    inner_j = sum(m.gpu_energy_j["0"] for m in step.measurements)
    assert outer.gpu_energy_j["0"] >= inner_j > 0
    with pytest.raises(ValueError):
        monitor.end_window("outer")
    monitor.close()
    assert fake.calls["shutdown"] == 1


# -- RAPL on a fake powercap tree -------------------------------------------------------------
def _zone(root: Path, name: str, label: str, uj: int, max_uj: int) -> Path:
    path = root / name
    path.mkdir(parents=True)
    (path / "name").write_text(label + "\n")
    (path / "energy_uj").write_text(f"{uj}\n")
    (path / "max_energy_range_uj").write_text(f"{max_uj}\n")
    return path


def test_rapl_package_and_dram_with_wraparound(tmp_path):
    pkg = _zone(tmp_path, "intel-rapl:0", "package-0", 999_000_000, 1_000_000_000)
    dram = _zone(tmp_path, "intel-rapl:0:1", "dram", 10, 1_000_000_000)
    _zone(tmp_path, "intel-rapl:0:0", "core", 5, 1_000_000_000)
    monitor = EnergyMonitor(gpu=NullMeter("gpu", "no GPU: test"), powercap_root=tmp_path)
    assert isinstance(monitor.cpu, RaplMeter) and isinstance(monitor.dram, RaplMeter)
    monitor.begin_window("w")
    (pkg / "energy_uj").write_text("4000000\n")  # wrapped: 1,000,000 + 4,000,000 uJ
    (dram / "energy_uj").write_text("2500010\n")  # 2.5 J
    m = monitor.end_window("w")
    assert m.cpu_energy_j == pytest.approx(5.0)
    assert m.dram_energy_j == pytest.approx(2.5)
    assert m.estimated == [] and m.sources["cpu"].startswith("rapl-package")
    monitor.close()


def test_unreadable_rapl_falls_back_to_marked_estimate(tmp_path):
    zone = tmp_path / "intel-rapl:0"
    zone.mkdir()
    (zone / "name").write_text("package-0\n")
    (zone / "energy_uj").mkdir()  # reading it fails like a root-only file does
    (zone / "max_energy_range_uj").write_text("1000\n")
    with pytest.raises(MeterUnavailable, match="not readable"):
        RaplMeter("package", tmp_path)
    monitor = EnergyMonitor(
        gpu=NullMeter("gpu", "no GPU: test"), powercap_root=tmp_path, cpu_tdp_w=40
    )
    assert isinstance(monitor.cpu, CpuEstimateMeter)
    assert any(p.backend == "rapl-package" and "not readable" in p.detail for p in monitor.probes)
    assert monitor.dram.available is False


# -- the real meter on this machine --------------------------------------------------------------
def _busy(seconds: float) -> int:
    end, n = time.perf_counter() + seconds, 0
    while time.perf_counter() < end:
        n += sum(i * i for i in range(1000))
    return n


def test_real_meter_around_a_real_workload():
    with EnergyMonitor(cpu_tdp_w=65) as monitor, monitor.window("busy") as w:
        _busy(0.6)
    m = w.measurement
    assert m.wall_s >= 0.6
    assert m.cpu_energy_j is not None and m.cpu_energy_j > 0
    if isinstance(monitor.cpu, CpuEstimateMeter):
        assert "cpu" in m.estimated and m.sources["cpu"].startswith("estimated: ")
        assert "65 W TDP" in m.sources["cpu"]
        assert m.cpu_energy_j <= 65 * m.wall_s + 1e-6  # utilisation cannot exceed 100%
    else:
        assert "cpu" not in m.estimated
    if not monitor.gpu.available:
        assert m.sources["gpu"].startswith("none: no GPU")
    assert m.co2e_kg == pytest.approx(m.energy_j / 3.6e6 * 481 / 1000)
    assert "Ember" in m.sources["co2e"]


def test_co2e_and_round_trip():
    m = Measurement(
        "x",
        datetime(2026, 1, 1, tzinfo=UTC),
        10.0,
        gpu_energy_j={"0": 3.0e6, "1": None},
        cpu_energy_j=0.5e6,
        dram_energy_j=0.1e6,
        pue=1.5,
        grid_gco2e_per_kwh=400.0,
    )
    assert m.gpu_total_j == 3.0e6 and m.energy_j == 3.6e6
    assert m.co2e_kg == pytest.approx(1 * 1.5 * 0.4)  # 1 kWh x 1.5 x 0.4 kg/kWh
    back = Measurement.from_dict(json.loads(m.to_json()))
    assert back == m and back.co2e_kg == m.co2e_kg
    assert CarbonConfig(400.0, 1.5).co2e_kg(3.6e6) == pytest.approx(0.6)


# -- greenlens meter ------------------------------------------------------------------------------
def _greenlens(*args, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_meter_cli_propagates_exit_code_and_records_run(tmp_path):
    db = tmp_path / "m.duckdb"
    code = "import sys; print('child says hi'); sum(range(3_000_000)); sys.exit(3)"
    proc = _greenlens("meter", "--db", str(db), "--json", "--", sys.executable, "-c", code)
    assert proc.returncode == 3, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "child says hi"
    out = json.loads(lines[-1])
    for key in (
        "wall_s",
        "gpu_energy_j",
        "cpu_energy_j",
        "energy_j",
        "co2e_kg",
        "sources",
        "exit_code",
    ):
        assert key in out
    assert out["exit_code"] == 3 and out["cpu_energy_j"] > 0
    from corpus.store import Store
    from replication.runs import get_run

    with Store(db) as store:
        run = get_run(store, out["run_id"])
    assert run["kind"] == "meter" and run["exit_code"] == 3
    assert run["command"].endswith("sys.exit(3)'") and run["energy_j"] == out["energy_j"]
    assert run["sources"]["cpu"] == out["sources"]["cpu"]


def test_meter_cli_missing_command(tmp_path):
    proc = _greenlens("meter", "--db", str(tmp_path / "m.duckdb"), "--", "no-such-command-xyz")
    assert proc.returncode == 127
    assert "cannot run 'no-such-command-xyz'" in proc.stderr


def test_replication_commands_have_help_and_docs():
    from app.cli import cli

    doc = (REPO / "docs" / "replication.md").read_text()
    for name in ("meter", "replicate", "evp"):
        assert cli.commands[name].help, name
        assert f"greenlens {name}" in doc, name
