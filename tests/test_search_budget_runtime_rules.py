"""Round-4 rules of search_budget and runtime on constructed sentences (the shapes of the dev
misses, reworded): each rule once where it must fire and once where it must not."""

from __future__ import annotations

import pytest

from extractors.detectors import search_budget
from extractors.document import TextUnit
from extractors.quantities import parse_trials


def _unit(text: str, section: str = "body") -> TextUnit:
    kind = "caption" if text.startswith(("Figure", "Table")) else "sentence"
    return TextUnit(3, section, kind, text)


@pytest.mark.parametrize(
    "expected,text",
    [
        (True, "We optimized over λ, β ∈ {0.001, 0.01, 0.1, 1}."),
        (True, "We ran a grid search over the loss weights in the range of 0.5 to 1."),
        (True, "We selected 5 values of γ in the range [0.001, 10] spaced logarithmically."),
        (True, "For the search area, we set the learning rate ∈ {0.1, 0.01, 0.001}."),
        (
            True,
            "We trained models with multiple combinations of learning rates (from 1e-5 to 1e-2).",
        ),
        (True, "Table 4: Hyperparameter values that were explored."),
        (True, "Table 2: Statistics of the grid search."),
        (
            True,
            "We ran each of the 24 sets of loss function and parameters and kept the best result.",
        ),
        (
            True,
            "We use a validation set for selecting hyper-parameters, with c ∈ 10−6 , . . . , 1.",
        ),
        # a search inside the method or a proof, repetitions, random draws, final values
        (False, "We find the optimal λ by a bisection search over [0, 1]."),
        (False, "Each row reports averages over 50 independent trials for every grid size."),
        (False, "The weights β are chosen from a uniform distribution on [−1, 1]."),
        (False, "Table 1: The model's hyperparameter values."),
        (False, "We restrict our search over a finite horizon J {p(l), d(l)} and {p(l), d(l)}."),
        (False, "We studied 3 different configurations of the noise, sampled uniformly."),
    ],
)
def test_search_budget_sentence(expected, text):
    assert search_budget.detect([_unit(text)]).reported is expected, text


def _paper(abstract: str, *body: str) -> list[TextUnit]:
    return [_unit(abstract, "abstract"), *(_unit(b) for b in body)]


def test_a_paper_that_proposes_a_search_does_not_count_its_own_search():
    # D2: the search the paper proposes is its method, not a tuning budget.
    sample = "We sample 200 configurations from the search space and keep the best."
    plain = "We propose a new loss for image classification."
    hpo = "We propose a Bayesian optimization method for hyperparameter optimization."
    assert search_budget.detect(_paper(plain, sample)).reported
    assert not search_budget.detect(_paper(hpo, sample)).reported


def test_a_search_paper_still_counts_tuning_its_baselines():
    hpo = "We propose a neural architecture search method."
    tuned = "The learning rate of each baseline was chosen from {1e-3, 1e-4, 1e-5}."
    assert search_budget.detect(_paper(hpo, tuned)).reported


def test_grid_size_needs_value_sets_not_symbols():
    assert parse_trials("grid search over lr ∈ {0.1, 0.01} and batch ∈ {16, 32, 64}")[0].value == 6
    assert parse_trials("a grid search where k ∈ {1, . . . , 8}") == []
    assert parse_trials("the search picks {x1, x2, x3} and grid points") == []
