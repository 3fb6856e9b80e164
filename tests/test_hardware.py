"""corpus.hardware_facts: the one table of device names and peak FLOP/s (detector, estimates, MFU)."""

from __future__ import annotations

import pytest

from corpus.hardware_facts import DEVICES, MODEL_NAMES, PRECISIONS, by_paper_name, find_device


def test_every_device_is_sourced_and_named_as_the_detector_writes_it():
    from extractors.quantities import parse_hardware

    for device in DEVICES:
        assert device.source and set(device.tflops) <= set(PRECISIONS), device
        assert all(v > 0 for v in device.tflops.values()), device
        for name in device.papers:
            assert name in MODEL_NAMES, name
    # the detector's canonical unit for a sentence is a key of the paper-name map
    units = {q.unit for q in parse_hardware("We trained on 8 NVIDIA V100 GPUs and 2 TPU v3.")}
    assert units == {"V100", "TPU v3"} and units <= set(by_paper_name())


@pytest.mark.parametrize(
    "name, device",
    [
        ("NVIDIA H100 80GB HBM3", "H100 SXM"),
        ("NVIDIA H100 PCIe", "H100 PCIe"),
        ("NVIDIA H100 NVL", "H100 NVL"),
        ("NVIDIA H200", "H200 SXM"),
        ("NVIDIA A100-SXM4-80GB", "A100"),
        ("Tesla V100-SXM2-16GB", "V100 SXM2"),
        ("Tesla V100-PCIE-32GB", "V100 PCIe"),
        ("Tesla T4", "T4"),
        ("NVIDIA L40S", "L40S"),
        ("NVIDIA L40", "L40"),
        ("NVIDIA L4", "L4"),
        ("NVIDIA A10", "A10"),
        ("NVIDIA RTX A6000", "RTX A6000"),
        ("NVIDIA GeForce RTX 4090", "RTX 4090"),
    ],
)
def test_nvml_names_find_their_device(name, device):
    assert find_device(name).name == device


def test_unknown_devices_have_no_peak():
    assert find_device("Some Future GPU") is None
    assert find_device("NVIDIA RTX 6000 Ada Generation") is None  # not the Quadro RTX 6000


def test_estimates_and_mfu_read_the_same_figure():
    from analysis.compute import PEAKS, peak_tflops

    h100 = find_device("NVIDIA H100 80GB HBM3")
    assert PEAKS["H100"] is h100
    assert peak_tflops(h100, "auto") == (989.5, "fp16")
    assert peak_tflops(PEAKS["P100"], "auto") == (10.6, "fp32")  # no tensor units
    assert peak_tflops(PEAKS["TPU v3"], "fp16") == (123.0, "fp16")  # bf16 is its 16-bit peak
    assert peak_tflops(PEAKS["K80"], "fp16") == (None, "fp16")
