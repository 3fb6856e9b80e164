"""Expected validation performance against hand-computed values and brute force."""

from __future__ import annotations

import itertools
import math

import pytest

from replication.evp import evp_curve, evp_points, expected_max, expected_max_std, plot_evp
from replication.runs import TrialRow, save_trial, stored_recipes


def test_hand_computed_values():
    v = [0.6, 0.5, 0.7]
    assert expected_max(v, 1) == pytest.approx(0.6)  # the mean
    # n=2: P(max=0.5)=1/9, P(max=0.6)=3/9, P(max=0.7)=5/9
    assert expected_max(v, 2) == pytest.approx((0.5 * 1 + 0.6 * 3 + 0.7 * 5) / 9)
    assert expected_max(v, 3) == pytest.approx((0.5 * 1 + 0.6 * 7 + 0.7 * 19) / 27)
    assert expected_max_std(v, 1) == pytest.approx(math.sqrt(0.02 / 3))


def test_matches_brute_force_over_all_draws():
    v = [0.81, 0.79, 0.85, 0.79, 0.60]
    for n in (1, 2, 3):
        draws = list(itertools.product(v, repeat=n))
        exact = sum(max(d) for d in draws) / len(draws)
        assert expected_max(v, n) == pytest.approx(exact)


def test_curve_is_monotone_and_tends_to_the_max():
    v = [0.2, 0.9, 0.4, 0.4, 0.7]
    points = evp_points(v, [10.0, 20.0, None, 30.0, 40.0], max_n=60)
    evps = [p.evp for p in points]
    assert all(a <= b + 1e-12 for a, b in zip(evps, evps[1:]))
    assert evps[-1] == pytest.approx(0.9, abs=1e-4)
    assert points[2].energy_j == pytest.approx(3 * 25.0)  # n x mean of known energies
    with pytest.raises(ValueError):
        expected_max([], 1)


def _trial(i, acc, energy, status="done"):
    return TrialRow(
        recipe="r",
        trial=i,
        params={"i": i},
        seed=i,
        setting={},
        device="cpu",
        status=status,
        metric="accuracy",
        val_metric=acc,
        energy_j=energy,
        wall_s=1.0,
    )


def test_evp_curve_from_store_and_plot(store, tmp_path):
    for i, (acc, e) in enumerate([(0.6, 10.0), (0.5, 20.0), (0.7, 30.0)]):
        save_trial(store, _trial(i, acc, e), None)
    save_trial(store, _trial(3, None, 5.0, status="failed"), None)
    curve = evp_curve(store, "r")
    assert [n for n, _, _ in curve] == [1, 2, 3]
    assert curve[1][1] == pytest.approx((0.5 + 0.6 * 3 + 0.7 * 5) / 9)
    assert curve[1][2] == pytest.approx(2 * 20.0)
    cumulative = evp_curve(store, "r", energy="cumulative")
    assert [e for _, _, e in cumulative] == [10.0, 30.0, 60.0]
    assert evp_curve(store, "absent") == []
    assert stored_recipes(store) == ["r"]
    png = plot_evp(store, ["r"], tmp_path / "evp.png", x="energy")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
