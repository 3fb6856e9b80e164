#!/usr/bin/env python
"""GPU check of the replication package (one short run, < 5 minutes on an H100).

1. runs the Kim-CNN and MiniLM recipes on cuda (a few trials on an SST-2 slice), each trial
   metered; reports accuracy, energy, achieved TFLOP/s and MFU per trial;
2. compares the NVML energy counter with the power-sampling fallback over the same windows;
3. where zeus or codecarbon are installed, reads them over the same recipe windows;
4. measures the meter's overhead: steps/s of a fixed MiniLM training step unmetered, under the
   energy-counter meter and under the sampling meter (interleaved repeats).

Without a CUDA GPU (or without NVML) it prints SKIPPED and exits 0.
Usage: python bench/gpu_replication.py [--data-dir DIR] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def skip(why: str) -> None:
    print(f"SKIPPED: {why}")
    sys.exit(0)


def synthetic_sst2(folder: Path, n_train: int = 20000, n_dev: int = 872) -> Path:
    """A stand-in with SST-2's layout when the real data is absent (accuracy then means little)."""
    rng = random.Random(0)
    pos, neg = ["good", "great", "moving", "fine"], ["bad", "dull", "weak", "boring"]
    filler = [f"w{i}" for i in range(2000)]

    def rows(n):
        for _ in range(n):
            y = rng.randint(0, 1)
            words = rng.choices(filler, k=rng.randint(4, 30)) + [rng.choice(pos if y else neg)]
            rng.shuffle(words)
            yield f"{y}\t{' '.join(words)}"

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.tsv").write_text("label\tsentence\n" + "\n".join(rows(n_train)) + "\n")
    (folder / "dev.tsv").write_text("label\tcontent\n" + "\n".join(rows(n_dev)) + "\n")
    return folder


def pct(a: float, b: float) -> str:
    return f"{100.0 * (a - b) / b:+.2f}%" if b else "n/a"


class References:
    """zeus and codecarbon measuring the same windows, where installed (optional)."""

    def __init__(self, cuda_index: int) -> None:
        self.zeus = self.codecarbon = None
        self.cuda_index = cuda_index
        self.trackers: dict[str, object] = {}
        try:
            from zeus.monitor import ZeusMonitor

            self.zeus = ZeusMonitor(gpu_indices=[cuda_index])
        except Exception as exc:
            print(f"zeus: not compared ({type(exc).__name__}: {exc})")
        try:
            import codecarbon  # noqa: F401

            self.codecarbon = True
        except Exception as exc:
            print(f"codecarbon: not compared ({type(exc).__name__}: {exc})")

    def begin(self, key: str) -> None:
        if self.zeus is not None:
            self.zeus.begin_window(key)
        if self.codecarbon:
            try:
                from codecarbon import OfflineEmissionsTracker

                tracker = OfflineEmissionsTracker(
                    country_iso_code="USA",
                    save_to_file=False,
                    log_level="error",
                    gpu_ids=[self.cuda_index],
                )
                tracker.start()
                self.trackers[key] = tracker
            except Exception as exc:
                print(f"codecarbon: could not start ({type(exc).__name__}: {exc})")

    def end(self, key: str) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        if self.zeus is not None:
            try:
                out["zeus_gpu_j"] = sum(self.zeus.end_window(key).gpu_energy.values())
            except Exception as exc:
                print(f"zeus: window failed ({type(exc).__name__}: {exc})")
        tracker = self.trackers.pop(key, None)
        if tracker is not None:
            try:
                tracker.stop()
                out["codecarbon_gpu_j"] = float(tracker.final_emissions_data.gpu_energy) * 3.6e6
            except Exception as exc:
                print(f"codecarbon: window failed ({type(exc).__name__}: {exc})")
        return out


def run_recipe(
    name,
    trials,
    limit_train,
    max_epochs,
    data_dir,
    counter,
    sampler,
    figures,
    device: str = "cuda",
    refs: References | None = None,
):
    from corpus.store import Store
    from replication.meters import EnergyMonitor
    from replication.search import replicate

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.duckdb") as store:
        monitor = EnergyMonitor(gpu=counter)
        if refs is not None:
            refs.begin(f"bench-{name}")
        counter.start(f"bench-{name}")
        sampler.start(f"bench-{name}")
        t0 = time.perf_counter()
        summary = replicate(
            store,
            name,
            trials,
            device=device,
            data_dir=data_dir,
            limit_train=limit_train,
            max_epochs=max_epochs,
            monitor=monitor,
            progress=False,
        )
        wall = time.perf_counter() - t0
        c = counter.stop(f"bench-{name}")
        s = sampler.stop(f"bench-{name}")
        ref = refs.end(f"bench-{name}") if refs is not None else {}
    print(
        f"\n== {name}: {trials} trials on {device}, {limit_train} train sentences, "
        f"<= {max_epochs} epoch(s), {wall:.1f} s"
    )
    rows = []
    for t in summary.trials:
        if t.status != "done":
            print(f"  trial {t.trial}: FAILED {t.error.splitlines()[0]}")
            continue
        tflops = (t.achieved_flops_per_s or 0) / 1e12
        mfu = "n/a" if t.mfu is None else f"{100 * t.mfu:.1f}%"
        print(
            f"  trial {t.trial}: acc {t.val_metric:.4f}  {t.energy_j:8.1f} J  "
            f"{t.wall_s:6.1f} s  train {t.train_flops:.3g} FLOPs  {tflops:6.2f} TFLOP/s  "
            f"MFU {mfu} ({t.mfu_note})"
        )
        rows.append(
            {
                "trial": t.trial,
                "accuracy": t.val_metric,
                "energy_j": t.energy_j,
                "wall_s": t.wall_s,
                "train_flops": t.train_flops,
                "tflops_per_s": tflops,
                "mfu": t.mfu,
                "params": t.params,
            }
        )
    ce, se = c.total_j, s.total_j
    print(
        f"  GPU energy over the whole search: counter {ce:.1f} J, sampling {se:.1f} J "
        f"(sampling vs counter {pct(se, ce)}; {s.source})"
    )
    for label, value in ref.items():
        print(f"  {label}: {value:.1f} J ({pct(value, ce)} vs our counter)")
    figures[name] = {
        "trials": rows,
        "wall_s": wall,
        "counter_j": ce,
        "sampling_j": se,
        "references": ref,
        "sampling_vs_counter_pct": 100 * (se - ce) / ce if ce else None,
    }


def overhead(counter, sampler, figures, steps: int = 120, repeats: int = 3):
    """Steps/s of one fixed MiniLM bf16 training step: unmetered vs each meter."""
    import torch
    import torch.nn.functional as F

    from replication.flop_count import count_flops, utilisation
    from replication.models import encoder

    torch.manual_seed(0)
    model = encoder.make_model(2, 0.1).cuda()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-5)
    ids = torch.randint(1000, 30000, (32, 64), device="cuda")
    mask = torch.ones_like(ids)
    y = torch.randint(0, 2, (32,), device="cuda")

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = F.cross_entropy(model(ids, mask), y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    def fwd_bwd():
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = F.cross_entropy(model(ids, mask), y)
        loss.backward()

    _, flops_per_step = count_flops(fwd_bwd, device_type="cuda")
    opt.zero_grad(set_to_none=True)
    for _ in range(20):
        step()
    torch.cuda.synchronize()

    from replication.meters import CpuEstimateMeter, EnergyMonitor

    # as users meter: a full EnergyMonitor (GPU meter + CPU + DRAM) around the steps
    monitors = {
        "counter": EnergyMonitor(gpu=counter, cpu=CpuEstimateMeter()),
        "sampling": EnergyMonitor(gpu=sampler, cpu=CpuEstimateMeter()),
    }

    def timed(monitor):
        if monitor is not None:
            monitor.begin_window("overhead")
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        m = monitor.end_window("overhead") if monitor is not None else None
        return steps / dt, m

    rates = {"unmetered": [], "counter": [], "sampling": []}
    energy = {"counter": [], "sampling": []}
    for _ in range(repeats):
        for label in ("unmetered", "counter", "sampling"):
            rate, m = timed(monitors.get(label))
            rates[label].append(rate)
            if m is not None:
                energy[label].append((m.gpu_total_j or 0.0) / steps)
    med = {k: statistics.median(v) for k, v in rates.items()}
    name = torch.cuda.get_device_name()
    util = utilisation(flops_per_step * med["unmetered"], 1.0, "cuda", name, "bf16")
    print(
        f"\n== meter overhead: MiniLM bf16 train step, batch 32 x 64 tokens, {steps} steps x "
        f"{repeats} interleaved repeats (median)"
    )
    for label in rates:
        print(
            f"  {label:<10} {med[label]:7.2f} steps/s  ({pct(med[label], med['unmetered'])} vs "
            f"unmetered; runs {', '.join(f'{r:.1f}' for r in rates[label])})"
        )
    for label, vals in energy.items():
        print(f"  {label:<10} {statistics.median(vals):7.2f} GPU J/step")
    print(
        f"  FLOPs/step {flops_per_step:.3g} (FlopCounterMode); achieved "
        f"{util.achieved_flops_per_s / 1e12:.1f} TFLOP/s; MFU "
        f"{'n/a' if util.mfu is None else f'{100 * util.mfu:.1f}%'} ({util.note})"
    )
    figures["overhead"] = {
        "steps_per_s": rates,
        "median": med,
        "j_per_step": {k: statistics.median(v) for k, v in energy.items()},
        "flops_per_step": flops_per_step,
        "tflops_per_s": util.achieved_flops_per_s / 1e12,
        "mfu": util.mfu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        skip("torch is not installed (pip install 'greenlens[replication]')")
    if not torch.cuda.is_available():
        skip(f"no CUDA GPU visible to torch {torch.__version__}")
    from replication.datasets import default_data_dir
    from replication.meters.nvml import (
        MeterUnavailable,
        NvmlEnergyMeter,
        NvmlPowerSamplingMeter,
        load_pynvml,
    )

    try:
        pynvml = load_pynvml()
    except MeterUnavailable as exc:
        skip(str(exc))
    idx = torch.cuda.current_device()
    from replication.meters.devices import resolve_visible

    visible = resolve_visible(pynvml)  # indices, UUIDs or MIG ids, as CUDA reads them
    if idx >= len(visible.devices):
        skip(f"cannot map CUDA device {idx} to NVML ({visible.source}; {visible.notes})")
    nvml_idx = visible.devices[idx].index
    try:
        counter = NvmlEnergyMeter(pynvml, [nvml_idx])
    except MeterUnavailable as exc:
        skip(f"the NVML energy counter is needed for the comparison: {exc}")
    sampler = NvmlPowerSamplingMeter(pynvml, [nvml_idx], interval_s=0.1)
    print(
        f"device: {torch.cuda.get_device_name()} (NVML index {nvml_idx}); torch "
        f"{torch.__version__}; sampling interval 0.1 s"
    )

    data_dir = args.data_dir or default_data_dir()
    if not (data_dir / "train.tsv").exists():
        data_dir = synthetic_sst2(Path(tempfile.mkdtemp()) / "sst2-synthetic")
        print(
            f"NOTE: SST-2 not found; using SYNTHETIC data in {data_dir} "
            f"(accuracies are not SST-2 results)"
        )
    figures = {"device": torch.cuda.get_device_name(), "data": str(data_dir)}
    t_start = time.perf_counter()
    refs = References(idx)
    run_recipe("sst2-kim-cnn", 3, 20000, 2, data_dir, counter, sampler, figures, refs=refs)
    try:
        from replication.models.encoder import check_available

        check_available()
        run_recipe("sst2-minilm", 2, 20000, 1, data_dir, counter, sampler, figures, refs=refs)
        overhead(counter, sampler, figures)
    except Exception as exc:  # the encoder extra may be absent on the GPU machine
        print(f"\nencoder part skipped: {exc}")
    figures["total_s"] = time.perf_counter() - t_start
    print(f"\ntotal {figures['total_s']:.0f} s")
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2, default=str))
    counter.close()
    sampler.close()


if __name__ == "__main__":
    main()
