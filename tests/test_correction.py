"""Misclassification-adjusted shares: the estimators, their edge cases, and the coverage
of their bootstrap intervals on simulated data with known prevalence and known errors."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.correction import (
    GoldOutcomes,
    adjust_binary,
    adjust_target,
    adjust_target_mixture,
    confusion,
    rogan_gladen,
    solve_simplex,
    solve_simplex_many,
)

LABELS = ("accuracy", "efficiency", "both", "other")


def _gold(truth, pred, key="x", source="fulltext"):
    return GoldOutcomes(key, source, "simulated", "v", tuple(truth), tuple(pred))


def test_rogan_gladen_inverts_the_observed_share():
    p, se, sp = 0.3, 0.7, 0.9
    observed = se * p + (1 - sp) * (1 - p)
    assert rogan_gladen(observed, se, sp) == pytest.approx(p)
    assert np.isnan(rogan_gladen(0.4, 0.5, 0.5))  # no better than chance
    assert rogan_gladen(0.01, 0.9, 0.9) == 0.0  # clipped at the simplex edge


def test_binary_edge_cases_give_a_reason_not_a_number():
    gold = _gold([True, False, True, False], [True, False, True, False])
    assert adjust_binary(0, 0, gold).reason.startswith("n/a: no papers")
    no_pos = adjust_binary(3, 10, _gold([False] * 4, [False, True, False, False]))
    assert no_pos.share is None and "no positive" in no_pos.reason
    chance = adjust_binary(3, 10, _gold([True, True, False, False], [True, False, True, False]))
    assert chance.share is None and "<= 0" in chance.reason


def test_perfect_extractor_changes_nothing():
    gold = _gold([True] * 30 + [False] * 70, [True] * 30 + [False] * 70)
    a = adjust_binary(25, 100, gold)
    assert a.share == pytest.approx(0.25)
    assert a.ci_low < 0.25 < a.ci_high


def test_small_gold_set_widens_the_interval():
    rng = np.random.default_rng(3)

    def gold(m):
        t = rng.random(m) < 0.4
        return _gold(t, np.where(t, rng.random(m) < 0.7, rng.random(m) > 0.9))

    small, large = adjust_binary(60, 300, gold(30)), adjust_binary(60, 300, gold(3000))
    assert (small.ci_high - small.ci_low) > 1.5 * (large.ci_high - large.ci_low)


def test_binary_interval_coverage_on_simulated_datasets():
    """Known prevalence, a classifier with known errors, gold and cell drawn afresh each
    time: the 95% interval covers the true prevalence in [0.90, 0.99] of 300 datasets."""
    rng = np.random.default_rng(20261207)
    pi, se, sp, n, m, sims = 0.3, 0.7, 0.9, 300, 200, 300
    covered = 0
    for s in range(sims):
        truth = rng.random(m) < 0.4
        pred = np.where(truth, rng.random(m) < se, rng.random(m) > sp)
        cell = rng.random(n) < pi
        obs = np.where(cell, rng.random(n) < se, rng.random(n) > sp)
        a = adjust_binary(int(obs.sum()), n, _gold(truth, pred), seed=s)
        covered += a.ci_low <= pi <= a.ci_high
    assert 0.90 <= covered / sims <= 0.99, covered / sims


def test_a_cell_with_no_flagged_paper_is_not_certain():
    """k = 0 of 20: the cell alone cannot say the share is 0; the interval must admit more."""
    gold = _gold([True] * 50 + [False] * 50, [True] * 35 + [False] * 15 + [False] * 50)
    a = adjust_binary(0, 20, gold)
    assert a.share == 0.0 and a.ci_low == 0.0
    assert a.ci_high > 0.1  # 0 of 20 flagged at sensitivity 0.7: up to ~0.25 is plausible


def test_binary_interval_coverage_on_small_cells_of_rare_categories():
    """Small cells (n = 20-50) of rare categories, where k = 0 is common: coverage still in
    [0.90, 0.99] (resampling at the observed share gave 0.74-0.85 here)."""
    rng = np.random.default_rng(11)
    sims, covered = 300, 0
    for s in range(sims):
        pi, se, sp, n = [(0.05, 0.7, 0.95, 20), (0.02, 0.7, 0.99, 50)][s % 2]
        truth = rng.random(200) < 0.4
        pred = np.where(truth, rng.random(200) < se, rng.random(200) > sp)
        cell = rng.random(n) < pi
        obs = np.where(cell, rng.random(n) < se, rng.random(n) > sp)
        a = adjust_binary(int(obs.sum()), n, _gold(truth, pred), seed=s)
        covered += a.ci_low <= pi <= a.ci_high
    assert 0.90 <= covered / sims <= 0.99, covered / sims


def test_target_interval_coverage_on_simulated_datasets():
    rng = np.random.default_rng(7)
    prevalence = np.array([0.5, 0.15, 0.1, 0.25])
    m_true = np.array(
        [[0.7, 0.1, 0.1, 0.1], [0.15, 0.6, 0.15, 0.1], [0.2, 0.2, 0.5, 0.1], [0.2, 0.05, 0.05, 0.7]]
    )
    cum = m_true.cumsum(1)

    def classify(labels):
        u = rng.random(len(labels))
        return (u[:, None] > cum[labels]).sum(1)

    sims, covered = 200, np.zeros(4)
    for s in range(sims):
        tg = rng.choice(4, 300, p=[0.4, 0.2, 0.15, 0.25])
        gold = _gold([LABELS[i] for i in tg], [LABELS[i] for i in classify(tg)], "target")
        pc = classify(rng.choice(4, 400, p=prevalence))
        res = adjust_target(
            {LABELS[j]: int((pc == j).sum()) for j in range(4)}, gold, LABELS, seed=s
        )
        covered += [
            res[lab].ci_low <= prevalence[j] <= res[lab].ci_high for j, lab in enumerate(LABELS)
        ]
    rates = covered / sims
    assert ((rates >= 0.90) & (rates <= 0.99)).all(), rates


def test_simplex_solution_and_confusion():
    m = confusion(["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b"])
    assert m.tolist() == [[0.5, 0.5], [0.0, 1.0]]
    p = solve_simplex(np.eye(3), np.array([0.2, 0.3, 0.5]))
    assert p == pytest.approx([0.2, 0.3, 0.5])
    q = solve_simplex(np.eye(2), np.array([1.2, -0.2]))  # outside: projected to the simplex
    assert q.sum() == pytest.approx(1.0) and (q >= 0).all()


def test_target_groups_and_mixture_of_sources():
    truth = ["accuracy"] * 40 + ["efficiency"] * 20 + ["both"] * 10 + ["other"] * 30
    gold_a = _gold(truth, truth, "target", "fulltext")
    gold_b = _gold(truth, truth, "target", "abstract")
    counts = {"accuracy": 50, "efficiency": 10, "both": 10, "other": 30}
    res = adjust_target_mixture(
        [(counts, gold_a), (counts, gold_b)], LABELS, groups={"acc_or_both": ("accuracy", "both")}
    )
    assert res["acc_or_both"].share == pytest.approx(0.6)
    assert res["accuracy"].share == pytest.approx(0.5)
    unseen = adjust_target(counts, _gold(["accuracy"] * 5, ["accuracy"] * 5, "target"), LABELS)
    assert (
        unseen["accuracy"].share is None
        and "no paper whose true target" in unseen["accuracy"].reason
    )


def test_vectorised_simplex_solver_matches_nnls_one_by_one():
    rng = np.random.default_rng(5)
    ms = rng.dirichlet(np.full(4, 0.7), (500, 4))
    ms[:250] = 0.7 * np.eye(4) + 0.3 * ms[:250]  # well conditioned, like a real classifier
    qs = rng.dirichlet(np.full(4, 0.5), 500)  # many outside M^T(simplex): on its edge
    one_by_one = np.array([solve_simplex(m, q) for m, q in zip(ms, qs, strict=True)])
    assert np.abs(solve_simplex_many(ms, qs) - one_by_one).max() < 1e-6


def test_a_rare_true_target_in_gold_gives_no_interval_and_says_why():
    truth = ["accuracy"] * 50 + ["efficiency"] * 20 + ["both"] * 2 + ["other"] * 28
    res = adjust_target(
        {"accuracy": 50, "efficiency": 10, "both": 10, "other": 30},
        _gold(truth, truth, "target"),
        LABELS,
    )
    assert res["both"].share is not None and res["both"].ci_low is None
    assert "true target has no paper" in res["both"].reason


def test_a_share_clipped_at_zero_says_the_error_rates_do_not_fit():
    gold = _gold(
        [True] * 50 + [False] * 50, [True] * 40 + [False] * 10 + [True] * 10 + [False] * 40
    )  # specificity 0.8: 20% false positives expected
    a = adjust_binary(2, 200, gold)
    assert a.share == 0.0 and a.ci_high == 0.0 and "below the false-positive rate" in a.reason
    assert adjust_binary(40, 100, gold).reason == ""
    small = adjust_binary(0, 3, gold)  # 0 of 3 by chance: a wide interval, no note
    assert small.share == 0.0 and small.ci_high > 0.3 and small.reason == ""


def test_mixture_of_two_text_sources_covers_the_pooled_prevalence():
    """A cell of 60 full-text papers and 500 abstract-only papers, each source with its own
    classifier errors and gold set: the pooled interval covers the papers-weighted truth."""
    rng = np.random.default_rng(17)
    sources = [
        (
            60,
            np.array([0.5, 0.2, 0.1, 0.2]),
            np.array(
                [
                    [0.8, 0.05, 0.1, 0.05],
                    [0.1, 0.7, 0.15, 0.05],
                    [0.2, 0.1, 0.6, 0.1],
                    [0.1, 0.1, 0, 0.8],
                ]
            ),
        ),
        (
            500,
            np.array([0.4, 0.1, 0.1, 0.4]),
            np.array(
                [
                    [0.7, 0.1, 0.1, 0.1],
                    [0.15, 0.6, 0.15, 0.1],
                    [0.2, 0.2, 0.5, 0.1],
                    [0.2, 0.05, 0.05, 0.7],
                ]
            ),
        ),
    ]
    truth = sum(n * p for n, p, _ in sources) / sum(n for n, _, _ in sources)

    def classify(labels, m):
        return (rng.random(len(labels))[:, None] > m.cumsum(1)[labels]).sum(1)

    sims, covered = 150, np.zeros(4)
    for s in range(sims):
        parts = []
        for i, (n, prev, m) in enumerate(sources):
            tg = rng.choice(4, 200, p=[0.4, 0.2, 0.15, 0.25])
            gold = _gold(
                [LABELS[j] for j in tg],
                [LABELS[j] for j in classify(tg, m)],
                "target",
                ("fulltext", "abstract")[i],
            )
            pc = classify(rng.choice(4, n, p=prev), m)
            parts.append(({LABELS[j]: int((pc == j).sum()) for j in range(4)}, gold))
        res = adjust_target_mixture(parts, LABELS, reps=400, seed=s)
        covered += [res[lab].ci_low <= truth[j] <= res[lab].ci_high for j, lab in enumerate(LABELS)]
    rates = covered / sims
    assert ((rates >= 0.90) & (rates <= 0.99)).all(), rates
