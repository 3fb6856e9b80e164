"""Rules of flops v2 and energy v2: operation counts the quantity parser does not read,
table headers run into sentences, and the guards that came with them.

Sentences marked "real" are quoted from dev papers (volume/id given); the others are
constructed to pin one pattern class. Each test fails on flops v1 / energy v1.
"""

from __future__ import annotations

from extractors.detectors import energy, flops
from extractors.document import TextUnit


def _unit(text: str, kind: str = "sentence", page: int = 3) -> TextUnit:
    return TextUnit(page, "body", kind, text)


def _flops(*units: TextUnit) -> bool:
    return flops.detect(list(units)).reported


def _energy(*units: TextUnit) -> bool:
    return energy.detect(list(units)).reported


# ----------------------------------------------------------------------------- flops
def test_magnitude_counts_of_operations():
    # real (v95/ukai18a, dev)
    assert _flops(_unit("a WideResNet 28-10 needs 5.24G Operations per 32×32 RGB image."))
    # real (v123/yan20a, dev)
    assert _flops(
        _unit(
            "Without compression techniques, our core language model (Core LM) achieves a "
            "validation perplexity of 33.6 with 8.3M parameters and 18M math operations."
        )
    )
    # real (v77/takahashi17a, dev)
    assert _flops(
        _unit(
            "The number of multiplications is about 6,889M for the original 100-layer "
            "DenseNet and 8,454M for the 101-layer WSMS-DenseNet."
        )
    )
    # real (v225/rosnati23a, dev): bare "operations", tied to FLOPs by the tool
    assert _flops(
        _unit("We use the package ptflops to estimate the number of operations to N = 29.2M.")
    )
    # hard negatives: operations of a system, not of a model; a rate, not a count
    assert not _flops(_unit("The key-value store served 10M operations in the benchmark."))
    assert not _flops(_unit("Our network library executes 3 billion operations per second."))


def test_singular_flop_is_a_count_even_near_utilization():
    # real (v233/villanger24a, dev): "utilization" nearby does not make it a speed
    assert _flops(
        _unit(
            "One experiment run on an NVIDIA GeForce RTX 3080 takes about one hour with roughly "
            "40% GPU utilization, this results in an estimated use of 3.2 · 1016 FLOP during "
            "an experiment run."
        )
    )
    # hard negatives: speeds
    assert not _flops(_unit("The kernel sustains 100 GFLOPs/s on a single GPU."))
    assert not _flops(_unit("The accelerator reaches 12 TFLOP per second at 40% utilization."))


def test_flops_column_run_into_a_sentence():
    # real (v193/he22a, dev): a table header and its rows parsed as one sentence
    assert _flops(
        _unit(
            "Model # of Params FLOPs Top-1 Acc. on test sets Cholec80 OR-AR (Random) I3D 27.2M "
            "28.7G 71.36±2.19 85.33±0.67 SlowFast 33.6M 12.7G 71.38±3.59 86.26±1.50 "
            "TimeSformer 121.3M 196.1G 69.02±0.26 84.39±0.20 Swin Transformer 88.1M 141.0G "
            "79.09±1.29 86.25±2.50 ing BiGRU from random and from a model trained on the "
            "original domain both yielded similar performance."
        )
    )
    # real (v222/yao24b, dev): addition and multiplication count columns
    assert _flops(
        _unit(
            "Method Model #Add #Mult Energy ANN Res-19 2285M 2285M 12.6J ANN(ours) ResNET-12F "
            "247M 247M 1.35J ANN(ours) VIT-12 251M 251M 1.38J"
        )
    )
    # hard negative: a FLOPs mention in prose, no column of counts
    assert not _flops(_unit("FLOPs Top-1 accuracy trade-offs are discussed in the literature."))


def test_unit_of_computation_in_parentheses():
    # real (v176/cai22a, dev)
    assert _flops(
        _unit(
            "our model has a similar squared relative error (ours: 0.791 vs. PackNet: 0.785) "
            "while using 96% less computation (in GMACs)."
        )
    )


def test_symbol_defined_as_an_operation_count_with_a_table_row():
    # real (v123/kim20a, dev)
    definition = _unit(
        "where NP denotes the number of parameters required to perform inference on the test "
        "set, and MO denotes the mean number of arithmetic operations per example in "
        "inference time.",
        page=2,
    )
    row = _unit("MO 60 M 51 M 43 M 34 M 26 M", kind="table", page=8)
    assert _flops(definition, row)
    # hard negative: the definition alone, no row reports a count
    assert not _flops(definition)


def test_bare_operations_and_names_are_not_flops():
    # real (v95/cho18a, dev): operations of a program, in a caption
    caption = (
        "Table 2. We note that this dataset is skewed towards having many all operations and "
        "the total number of operations are smaller."
    )
    assert not _flops(_unit(caption, kind="caption"))
    # real (v227/matcha24a, dev): "MAC-ReconNet" is a method's name, not 141765 MACs
    assert not _flops(
        _unit(
            "Reconstruction Method 4x 5x Number of parameters DC-CNN 32.15/0.9108 141765 "
            "MAC-ReconNet 32.21/0.9114 31.12/0.8943 141765"
        )
    )
    # still a count: the caption of a table of a network's operation counts
    assert _flops(
        _unit("Table 3: Number of operations of each network for one forward pass.", kind="caption")
    )


# ---------------------------------------------------------------------------- energy
def test_transmission_power_is_a_physical_system():
    # real (v168/wang22a, dev): radio transmit power in a simulated network
    assert not _energy(
        _unit("The transmission power pi,t = 1 W, ∀i, t. The noise density is −174 dBm/Hz.")
    )
    # still reported: power drawn by the computers
    assert _energy(_unit("During training our GPU server draws 300 W on average."))


def test_emission_figure_after_its_label():
    # real (v224/loni23a, dev): a hardware table run into one unit, the tool cited after
    assert _energy(
        _unit(
            "Parameter Specification GPU NVIDIA® RTX A4000 (735 MHz) GPU Memory 16 GB GDDR6 "
            "System Memory 64 GB Operating System Ubuntu 18.04 CO2 Emission/Day † 1.45 Kg "
            "† Calculated using the ML CO2 impact framework (Lacoste et al., 2019)."
        )
    )
    assert _energy(_unit("Training all models: CO2e emissions: 12.3 kg."))
    # hard negatives: another work's figure (cited before it); a physiological CO2 value
    assert not _energy(_unit("Following Strubell et al. (2019), CO2 emissions 284 t."))
    assert not _energy(_unit("End-tidal CO2 35 mmHg, respiratory rate 18 per minute."))


def test_energy_per_item_table_header():
    # real (v176/simhadri22a, dev): the header of a table of joules per query
    header = _unit(
        "Joule/query achieved at minimum of 2K QPS and 0.9 recall Algorithm DEEP BIGANN "
        "MS Turing MS SpaceV Text-to-image SSN++"
    )
    row = _unit("baseline 0.1117 0.1576 0.1743 0.1520 0.1128 0.0904", kind="table")
    assert _energy(header, row)
    # hard negative: no table follows
    assert not _energy(header, _unit("The results are discussed below."))
