"""FLOP counting against closed forms; the CPU undercounting caveats; peaks and MFU."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="needs torch (pip install 'greenlens[replication]')")

from corpus.hardware_facts import find_device as find_peak  # noqa: E402
from replication.flop_count import (  # noqa: E402 - only once torch is known to import
    ShapeFlops,
    count_flops,
    forward_flops,
    train_step_flops,
    utilisation,
)


def test_linear_forward_and_training_step():
    m, k, n = 8, 16, 32
    lin = torch.nn.Linear(k, n)
    assert forward_flops(lin, torch.randn(m, k)) == 2 * m * n * k
    # backward: grad of weight (2mnk) and, when the input needs it, grad of input (2mnk)
    assert train_step_flops(lin, lambda o: o.sum(), torch.randn(m, k)) == 4 * m * n * k
    x = torch.randn(m, k, requires_grad=True)
    assert train_step_flops(lin, lambda o: o.sum(), x) == 6 * m * n * k
    assert lin.weight.grad is None  # the counting step leaves no gradients behind


def test_transformer_layer_in_eval_counts_attention():
    B, L, E, H, F = 2, 10, 32, 4, 64
    layer = torch.nn.TransformerEncoderLayer(E, H, F, batch_first=True)
    x = torch.randn(B, L, E)
    # q,k,v and output projections 8BLE^2; QK^T and AV 4BL^2E; feed-forward 4BLEF
    expected = 8 * B * L * E * E + 4 * B * L * L * E + 4 * B * L * E * F
    assert forward_flops(layer, x) == expected

    # the caveat being handled: a bare FlopCounterMode sees the eval fast path as 0 FLOPs
    from torch.utils.flop_counter import FlopCounterMode

    layer.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as naive:
        layer(x)
    assert naive.get_total_flops() < expected
    assert torch.backends.mha.get_fastpath_enabled()  # restored after counting


def test_scaled_dot_product_attention_on_cpu():
    B, H, L, d = 2, 4, 16, 8
    q, k, v = (torch.randn(B, H, L, d) for _ in range(3))
    _, flops = count_flops(torch.nn.functional.scaled_dot_product_attention, q, k, v)
    assert flops == 4 * B * H * L * L * d


def test_shape_cache_counts_once_per_shape():
    lin = torch.nn.Linear(4, 3)
    sf = ShapeFlops()
    for rows in (5, 5, 7, 5):
        x = torch.randn(rows, 4)
        sf.run(tuple(x.shape), lambda: lin(x))
    assert sf.counted_runs == 2
    assert sf.total == 2 * 3 * 4 * (5 + 5 + 7 + 5)


@pytest.mark.parametrize(
    "name, peak",
    [
        ("NVIDIA H100 80GB HBM3", "H100 SXM"),
        ("NVIDIA H100 PCIe", "H100 PCIe"),
        ("NVIDIA H100 NVL", "H100 NVL"),
        ("NVIDIA H200", "H200 SXM"),
        ("NVIDIA A100-SXM4-80GB", "A100"),
        ("Tesla V100-SXM2-16GB", "V100 SXM2"),
        ("Tesla T4", "T4"),
        ("NVIDIA L40S", "L40S"),
        ("NVIDIA L4", "L4"),
        ("NVIDIA GeForce RTX 4090", "RTX 4090"),
    ],
)
def test_peak_table_matches_nvml_names(name, peak):
    assert find_peak(name).name == peak


def test_utilisation_on_gpu_and_cpu():
    u = utilisation(989.5e12, 2.0, "cuda", "NVIDIA H100 80GB HBM3", "bf16")
    assert u.achieved_flops_per_s == pytest.approx(494.75e12)
    assert u.mfu == pytest.approx(0.5) and "datasheet" in u.note
    cpu = utilisation(1e9, 1.0, "cpu")
    assert cpu.achieved_flops_per_s == 1e9 and cpu.mfu is None and "n/a on CPU" in cpu.note
    assert utilisation(1e9, 1.0, "cuda", "Some Future GPU").mfu is None
    assert find_peak("Some Future GPU") is None


def test_kim_cnn_forward_matches_closed_form():
    from replication.models.cnn import make_model

    B, L, E, F, widths, C = 4, 20, 16, 8, [3, 4, 5], 2
    model = make_model(100, E, F, widths, 0.5, C)
    ids = torch.randint(2, 100, (B, L))
    conv = sum(2 * B * (L - w + 1) * E * F * w for w in widths)  # embedding lookups: 0
    head = 2 * B * F * len(widths) * C
    assert forward_flops(model, ids) == conv + head
