#!/usr/bin/env python
"""GPU meter check: greenlens vs the raw NVML counter, CodeCarbon (1 s) and Zeus, one GPU.

Goal (issue 15): greenlens's GPU energy = the raw NVML energy counter over the same run
within 0.5%, and its overhead on training steps/s within run-to-run noise.

One short bf16 training loop (a 6-layer transformer encoder, batch 32 x 512, AdamW) runs
for --seconds per run, in four ways, interleaved --repeats times with the order rotated:
unmetered, under greenlens (`EnergyMonitor`, GPU + CPU + DRAM as users meter), under
CodeCarbon (`OfflineEmissionsTracker`, measure_power_secs=1) and under Zeus
(`ZeusMonitor`). Around every run the script itself reads the GPU's energy counter
(`nvmlDeviceGetTotalEnergyConsumption`) right before the tool starts and right after it
stops; each tool's GPU joules are printed against that, with steps/s against unmetered.

CodeCarbon and Zeus are references, not dependencies of greenlens; install them to compare:
    pip install codecarbon==3.3.2 zeus==0.16.0
Without them their rows say so and the rest runs. Without torch, a CUDA GPU or NVML it
prints SKIPPED and exits 0. About 5 minutes with the defaults (--quick: about 2).

Usage: python bench/gpu_meter_check.py [--seconds 20] [--repeats 3] [--quick]
           [--json-out FILE] [--record-trace FILE]
--record-trace writes an NVML trace (2 s idle, then training) in the format of
tests/fixtures/meter, for the replay tests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL_PCT = 0.5
INSTALL = "pip install codecarbon==3.3.2 zeus==0.16.0"


def skip(why: str) -> None:
    print(f"SKIPPED: {why}")
    sys.exit(0)


def pct(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else 100.0 * (a - b) / b


def fmt_pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:+.2f}%"


class Trainer:
    """A fixed bf16 training step on cuda; `run(n)` does n steps and synchronizes."""

    def __init__(self) -> None:
        import torch
        import torch.nn as nn

        torch.manual_seed(0)
        self.torch = torch
        layer = nn.TransformerEncoderLayer(1024, 16, 4096, batch_first=True, dropout=0.0)
        self.model = nn.TransformerEncoder(layer, 6, enable_nested_tensor=False).cuda()
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=1e-4)
        self.x = torch.randn(32, 512, 1024, device="cuda")

    def step(self) -> None:
        with self.torch.autocast("cuda", dtype=self.torch.bfloat16):
            loss = self.model(self.x).float().pow(2).mean()
        loss.backward()
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)

    def run(self, n: int) -> float:
        """Seconds for n steps (synchronized)."""
        self.torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(n):
            self.step()
        self.torch.cuda.synchronize()
        return time.perf_counter() - t0


class Tool:
    """One way of running: prepare(), start(), stop() -> GPU joules (None for unmetered)."""

    name = "?"
    unavailable: str | None = None

    def prepare(self) -> None:
        """Set-up outside the measured window (CodeCarbon's hardware detection)."""

    def start(self) -> None: ...

    def stop(self) -> float | None:
        return None


class Unmetered(Tool):
    name = "unmetered"


class Greenlens(Tool):
    name = "greenlens"

    def __init__(self, nvml_index: int) -> None:
        from replication.meters import EnergyMonitor

        self.label = str(nvml_index)
        self.monitor = EnergyMonitor(gpu_indices=[nvml_index], job=None)
        self.source = self.monitor.gpu.source

    def start(self) -> None:
        self.monitor.begin_window("check")

    def stop(self) -> float | None:
        m = self.monitor.end_window("check")
        return m.gpu_energy_j.get(self.label)


class CodeCarbon(Tool):
    name = "codecarbon"

    def __init__(self, nvml_index: int) -> None:
        self.nvml_index = nvml_index
        self.tracker = None
        try:
            import codecarbon

            self.version = codecarbon.__version__
        except Exception as exc:
            self.unavailable = f"not installed ({type(exc).__name__}); {INSTALL}"

    def prepare(self) -> None:
        from codecarbon import OfflineEmissionsTracker

        # a tracker runs once: a new one per run, built before the raw counter is read
        self.tracker = OfflineEmissionsTracker(
            country_iso_code="USA",
            measure_power_secs=1,
            gpu_ids=[self.nvml_index],
            save_to_file=False,
            log_level="error",
            allow_multiple_runs=True,
        )

    def start(self) -> None:
        self.tracker.start()

    def stop(self) -> float | None:
        self.tracker.stop()
        return float(self.tracker.final_emissions_data.gpu_energy) * 3.6e6  # kWh -> J


class Zeus(Tool):
    name = "zeus"

    def __init__(self, cuda_index: int) -> None:
        self.cuda_index = cuda_index
        try:
            import zeus
            from zeus.monitor import ZeusMonitor

            self.version = getattr(zeus, "__version__", "?")
            self.monitor = ZeusMonitor(gpu_indices=[cuda_index])
        except Exception as exc:
            self.unavailable = f"not usable ({type(exc).__name__}: {exc}); {INSTALL}"

    def start(self) -> None:
        self.monitor.begin_window("check")

    def stop(self) -> float | None:
        return float(self.monitor.end_window("check").gpu_energy[self.cuda_index])


def counter_j(nvml, handle) -> float:
    return nvml.nvmlDeviceGetTotalEnergyConsumption(handle) / 1000.0


def one_run(tool: Tool, trainer: Trainer, steps: int, nvml, handle) -> dict:
    tool.prepare()
    trainer.torch.cuda.synchronize()
    raw0 = counter_j(nvml, handle)
    t0 = time.perf_counter()
    tool.start()
    loop_s = trainer.run(steps)
    tool_j = tool.stop()
    wall = time.perf_counter() - t0
    raw_j = counter_j(nvml, handle) - raw0
    return {
        "steps_per_s": steps / loop_s,
        "tool_j": tool_j,
        "raw_j": raw_j,
        "window_s": wall,
        "tool_vs_raw_pct": pct(tool_j, raw_j),
    }


def record_trace(path: Path, trainer: Trainer, nvml, nvml_index: int, per_step: float) -> None:
    """Record the counter and power every 20 ms: 2 s idle, ~5 s of training, 1 s idle."""
    from replication.meters.replay import record_nvml_trace

    steps = max(1, int(5.0 / per_step))
    out: dict = {}

    def rec() -> None:
        out["trace"] = record_nvml_trace(
            nvml,
            [nvml_index],
            2.0 + steps * per_step + 1.0,
            0.02,
            note="recorded by bench/gpu_meter_check.py: 2 s idle, then the bf16 training "
            "loop, then 1 s idle",
        )

    thread = threading.Thread(target=rec)
    thread.start()
    time.sleep(2.0)
    trainer.run(steps)
    thread.join()
    path.write_text(json.dumps(out["trace"], separators=(",", ":")) + "\n")
    print(f"trace: {len(out['trace']['t_s'])} reads written to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of one run")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats")
    parser.add_argument("--quick", action="store_true", help="--seconds 8 --repeats 2")
    parser.add_argument("--json-out", type=Path, default=None)
    parser.add_argument("--record-trace", type=Path, default=None)
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.repeats = 8.0, 2
    try:
        import torch
    except ImportError:
        skip("torch is not installed (pip install 'greenlens[replication]')")
    if not torch.cuda.is_available():
        skip(f"no CUDA GPU visible to torch {torch.__version__}")
    from replication.meters.devices import resolve_visible
    from replication.meters.nvml import MeterUnavailable, load_pynvml

    try:
        nvml = load_pynvml()
    except MeterUnavailable as exc:
        skip(str(exc))
    cuda_index = torch.cuda.current_device()
    visible = resolve_visible(nvml)
    if cuda_index >= len(visible.devices):
        skip(f"cannot map CUDA device {cuda_index} to NVML ({visible.source}; {visible.notes})")
    dev = visible.devices[cuda_index]
    handle = nvml.nvmlDeviceGetHandleByIndex(dev.index)
    try:
        counter_j(nvml, handle)
    except nvml.NVMLError as exc:
        skip(f"the raw NVML energy counter is the reference and is not readable here ({exc})")
    print(
        f"device: {dev.name} {dev.uuid} (NVML index {dev.index}, CUDA index {cuda_index}, "
        f"{visible.source}); torch {torch.__version__}"
    )
    for note in visible.notes:
        print(f"note: {note}")

    trainer = Trainer()
    trainer.run(20)  # warm-up: kernels chosen, memory allocated, clocks up
    per_step = trainer.run(20) / 20
    steps = max(10, int(args.seconds / per_step))
    print(
        f"bf16 step {per_step * 1000:.1f} ms; {steps} steps per run (~{args.seconds:g} s), "
        f"{args.repeats} interleaved repeats"
    )

    if args.record_trace:
        record_trace(args.record_trace, trainer, nvml, dev.index, per_step)

    tools: list[Tool] = [Unmetered(), Greenlens(dev.index), CodeCarbon(dev.index), Zeus(cuda_index)]
    for t in tools:
        if t.unavailable:
            print(f"{t.name}: {t.unavailable}")
    active = [t for t in tools if not t.unavailable]
    runs: dict[str, list[dict]] = {t.name: [] for t in active}
    for r in range(args.repeats):
        order = active[r % len(active) :] + active[: r % len(active)]
        for tool in order:
            try:
                row = one_run(tool, trainer, steps, nvml, handle)
            except Exception as exc:  # a reference failing must not hide the others
                print(f"  repeat {r}: {tool.name} failed ({type(exc).__name__}: {exc})")
                continue
            runs[tool.name].append(row)
            print(
                f"  repeat {r}: {tool.name:<10} {row['steps_per_s']:7.2f} steps/s  raw "
                f"{row['raw_j']:9.1f} J  tool {_j(row['tool_j'])}  "
                f"({fmt_pct(row['tool_vs_raw_pct'])} vs raw)"
            )
    report(runs, tools, args, dev, torch.__version__)


def _j(v: float | None) -> str:
    return "        -" if v is None else f"{v:9.1f} J"


def report(runs: dict[str, list[dict]], tools: list[Tool], args, dev, torch_version) -> None:
    base = [r["steps_per_s"] for r in runs.get("unmetered", [])]
    base_med = statistics.median(base) if base else None
    noise = (max(base) - min(base)) / base_med * 100 if len(base) > 1 else None
    print(
        f"\n== {dev.name}: median of {args.repeats} runs of ~{args.seconds:g} s (range in brackets)"
    )
    print(
        f"{'':<11}{'steps/s':>22}  {'vs unmetered':>12}  {'GPU J (tool)':>13}  "
        f"{'raw counter J':>13}  {'tool vs raw (worst)':>19}"
    )
    summary = {}
    for tool in tools:
        rows = runs.get(tool.name, [])
        if not rows:
            why = tool.unavailable or "no successful run"
            print(f"{tool.name:<11}not run: {why}")
            summary[tool.name] = {"not_run": why}
            continue
        sps = [r["steps_per_s"] for r in rows]
        med = statistics.median(sps)
        diffs = [r["tool_vs_raw_pct"] for r in rows if r["tool_vs_raw_pct"] is not None]
        worst = max(diffs, key=abs) if diffs else None
        tool_j = [r["tool_j"] for r in rows if r["tool_j"] is not None]
        print(
            f"{tool.name:<11}{med:8.2f} [{min(sps):.2f}-{max(sps):.2f}]  "
            f"{fmt_pct(pct(med, base_med)):>12}  "
            f"{_j(statistics.median(tool_j) if tool_j else None):>13}  "
            f"{statistics.median(r['raw_j'] for r in rows):11.1f} J  {fmt_pct(worst):>19}"
        )
        summary[tool.name] = {
            "runs": rows,
            "median_steps_per_s": med,
            "overhead_pct": pct(med, base_med),
            "worst_vs_raw_pct": worst,
            "version": getattr(tool, "version", None),
            "source": getattr(tool, "source", None),
        }
    print(
        f"\nrun-to-run noise (unmetered steps/s, range / median): "
        f"{'n/a' if noise is None else f'{noise:.2f}%'}"
    )
    g = summary.get("greenlens", {})
    if "runs" in g:
        acc_ok = g["worst_vs_raw_pct"] is not None and abs(g["worst_vs_raw_pct"]) <= GOAL_PCT
        print(
            f"goal 1, greenlens = raw counter within {GOAL_PCT}%: "
            f"{'MET' if acc_ok else 'NOT MET'} (worst {fmt_pct(g['worst_vs_raw_pct'])})"
        )
        if noise is not None and g["overhead_pct"] is not None:
            over_ok = abs(g["overhead_pct"]) <= noise
            print(
                f"goal 2, greenlens overhead within run-to-run noise: "
                f"{'MET' if over_ok else 'NOT MET'} (overhead "
                f"{fmt_pct(g['overhead_pct'])}, noise {noise:.2f}%)"
            )
        else:
            print("goal 2: needs at least 2 unmetered runs (--repeats 2)")
    if args.json_out:
        args.json_out.write_text(
            json.dumps(
                {
                    "device": dev.name,
                    "uuid": dev.uuid,
                    "torch": torch_version,
                    "seconds": args.seconds,
                    "repeats": args.repeats,
                    "noise_pct": noise,
                    "tools": summary,
                },
                indent=2,
                default=str,
            )
        )
        print(f"figures written to {args.json_out}")


if __name__ == "__main__":
    main()
