"""FLOPs of torch models (torch.utils.flop_counter), achieved FLOP/s and MFU.

CPU counting caveats (measured, see DEPENDENCIES.md): in eval/no_grad the fused
multi-head-attention fast path is not counted, and the CPU flash-attention kernel has no
FLOP formula. `exact_counting()` disables the fast path and, on CPU, runs scaled-dot-product
attention with the MATH backend (plain matmuls, which are counted). A FLOP is one multiply
or one add (a multiply-add is 2 FLOPs), as FlopCounterMode counts them; only matmul,
convolution and attention ops are counted (element-wise ops, norms and the optimizer are not).
torch is imported inside functions so that the rest of greenlens does not load it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from corpus.hardware_facts import find_device

FLOPS_SOURCE = "torch.utils.flop_counter.FlopCounterMode (matmul/conv/attention ops)"


@contextmanager
def exact_counting(device_type: str = "cpu") -> Iterator[None]:
    """Make FlopCounterMode see every matmul: no MHA fast path; MATH attention on CPU."""
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel

    previous = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        if device_type == "cpu":
            with sdpa_kernel(SDPBackend.MATH):
                yield
        else:
            yield
    finally:
        torch.backends.mha.set_fastpath_enabled(previous)


def count_flops(
    fn: Callable[..., Any], *args, device_type: str = "cpu", **kwargs
) -> tuple[Any, int]:
    """Run fn(*args, **kwargs) once under FlopCounterMode; return (result, FLOPs)."""
    from torch.utils.flop_counter import FlopCounterMode

    with exact_counting(device_type), FlopCounterMode(display=False) as counter:
        result = fn(*args, **kwargs)
    return result, int(counter.get_total_flops())


def forward_flops(model, *inputs, **kwargs) -> int:
    """FLOPs of one inference forward pass (eval mode, no_grad)."""
    import torch

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            _, flops = count_flops(model, *inputs, device_type=_device_type(model), **kwargs)
    finally:
        model.train(was_training)
    return flops


def train_step_flops(model, loss_fn: Callable[[Any], Any], *inputs, **kwargs) -> int:
    """FLOPs of one training step's forward and backward (loss_fn maps output to a scalar)."""

    def step():
        loss = loss_fn(model(*inputs, **kwargs))
        loss.backward()
        return loss

    _, flops = count_flops(step, device_type=_device_type(model))
    model.zero_grad(set_to_none=True)
    return flops


def _device_type(model) -> str:
    for p in model.parameters():
        return p.device.type
    return "cpu"


class ShapeFlops:
    """Counts the FLOPs of a step once per input shape and reuses the count afterwards.

    `run(key, fn)` runs fn (a real training or inference step); the first time a key
    (e.g. the padded batch shape) is seen, it runs under the counter. `total` is the sum
    over all runs: exact for models whose FLOPs depend only on the input shape.
    """

    def __init__(self, device_type: str = "cpu") -> None:
        self.device_type = device_type
        self.per_key: dict[Hashable, int] = {}
        self.total = 0
        self.counted_runs = 0

    def run(self, key: Hashable, fn: Callable[[], Any]) -> Any:
        """Run fn, adding its FLOPs (counted now or remembered) to the total."""
        if key in self.per_key:
            result = fn()
        else:
            result, flops = count_flops(fn, device_type=self.device_type)
            self.per_key[key] = flops
            self.counted_runs += 1
        self.total += self.per_key[key]
        return result


@dataclass(frozen=True)
class Utilisation:
    """Achieved FLOP/s and model FLOPs utilisation (None where there is no peak), with a note."""

    achieved_flops_per_s: float | None
    mfu: float | None
    note: str


def utilisation(
    flops: float | None,
    seconds: float,
    device_type: str,
    device_name: str = "",
    dtype: str = "fp32",
) -> Utilisation:
    """Achieved FLOP/s = flops / seconds; MFU = achieved / the GPU's peak for `dtype`
    (corpus.hardware_facts: dense datasheet peaks per precision)."""
    achieved = flops / seconds if flops and seconds > 0 else None
    if device_type != "cuda":
        return Utilisation(achieved, None, "MFU n/a on CPU (no peak figure for CPUs)")
    peak = find_device(device_name)
    if peak is None:
        return Utilisation(achieved, None, f"MFU n/a: no peak figure for {device_name!r}")
    if dtype not in peak.tflops:
        return Utilisation(achieved, None, f"MFU n/a: no {dtype} peak for {peak.name}")
    peak_flops = peak.tflops[dtype] * 1e12
    mfu = achieved / peak_flops if achieved is not None else None
    return Utilisation(
        achieved,
        mfu,
        f"vs {peak.name} {dtype} peak {peak.tflops[dtype]:g} TFLOP/s dense ({peak.source})",
    )
