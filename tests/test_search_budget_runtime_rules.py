"""Round-4 rules of search_budget and runtime on constructed sentences (the shapes of the dev
misses, reworded): each rule once where it must fire and once where it must not."""

from __future__ import annotations

import pytest

from extractors.detectors import runtime, search_budget
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


@pytest.mark.parametrize(
    "expected,text",
    [
        # a computing-time column or axis with its unit, in any unit kind
        (True, "Methods Reward Cost Clock Time (s)"),
        (True, "Model Params Dropout Inference speed (ms) 4.4 46.3"),
        (True, "Time(seconds) 963.1 691.8 365.1 188.3"),
        (True, "Table 2: Results on Letter. The times are in sec."),
        (True, "Table 1: Accuracy and seconds per epoch of each method."),
        (True, "Speedup 1x 1.4x 2.6x 5.1x"),
        (True, "Table 3: Search cost (GPU hrs) and accuracy of each framework."),
        (True, "Figure 9: Comparison of the compression time of both sketches."),
        # measured relative time and times shown in a figure or table
        (True, "The run-time of the baseline was 820 seconds, while ours was 6 seconds."),
        (True, "Training in our framework took about 50 times longer than in PyTorch."),
        (True, "The extra layer adds less than 10% to the training time."),
        (True, "Fig. 3 compares the wall-clock time of the three methods."),
        (True, "We present the cost of our experiments in GPU hours in Table 5."),
        # time inside the modelled world, formulas, asymptotics, limits
        (False, "Time (s) 0 2 4 6 8 10"),
        (False, "Its average speed fell by 200 km/hr and the time of flight rose by 30 minutes."),
        (False, "The gantry rotation speed is 0.27 sec per turn."),
        (False, "The agent was injected over 10 seconds, right after completion of the scan."),
        (False, "Waveforms are split into sub-sequences of 200 ms, computed every 10 ms."),
        (False, "Colour: cost of the trajectory for a 1 second simulation of the trained policy."),
        (
            False,
            "We used between 1 minute and 10 hours worth of motion data; it converged by 2 hours.",
        ),
        (False, "Only 2416 day-night image pairs are used to train the model."),
        (False, "If B(1s , 1 t ,(y1, b1)) = 1, we output c; B is trained on n samples."),
        (False, "For each task i ∈ [M] compute K = min(2h ̄ , 12h ̄) ≤ 4h ̄ and σ ≥ 0."),
        (False, "The learner's running time is polynomial in 1s and 1t."),
        (False, "We will evaluate the actual running time in Sec 4.5."),
        (False, "MobileNet spends 95% of its computation time in 1 × 1 convolutions."),
        (False, "Throughout we measure runtime in terms of vector operations, see Table 1."),
        (False, "A dash marks runs over a 4-day training time limit in Table 3."),
    ],
)
def test_runtime_sentence(expected, text):
    assert runtime.detect([_unit(text)]).reported is expected, text


def test_own_search_over_a_range_counts():
    text = "We searched over k in the range [1, 100] and kept the best k."
    assert search_budget.detect([_unit(text)]).reported


def test_a_data_amount_does_not_hide_the_training_time_of_the_same_sentence():
    text = "We train on 100 hours of transcribed speech; the model is trained for 2 days."
    assert runtime.detect([_unit(text)]).reported


# shapes of the wrong additions on the unlabelled review pool (reworded)
@pytest.mark.parametrize(
    "text",
    [
        "Let A be chosen from D and B ∈ {0, 1} the label of the proof.",
        "The output is an iterate uniformly randomly chosen from {x0, x1, ..., xT}.",
        "The choice of the kernel can be optimized over a family {k1(·,·), k2(·,·)}.",
        "For the selected values of N, random trajectories {x1, ..., xN} are drawn.",
        "The tolerance ε is chosen from 10−3 to 10−6 for the solver.",
        "The step size μ is chosen from the range [0.0001, 0.001].",
        "We search over the space of hypothesis G to find a function g that minimizes this "
        "objective with λ ∈ [0, 1].",
    ],
)
def test_search_budget_choice_without_a_search_of_values_is_not_a_budget(text):
    assert not search_budget.detect([_unit(text)]).reported, text


def test_search_budget_hyperparameter_set_still_counts():
    text = "The dropout rate was selected from {0.1, 0.3, 0.5} on the validation set."
    assert search_budget.detect([_unit(text)]).reported


@pytest.mark.parametrize(
    "text",
    [
        "The search space contains 15625 different architectures we searched.",
        "We randomly sample 1000 architectures from NAS-Bench-101 search space to compute ρ.",
    ],
)
def test_search_paper_drops_its_own_architecture_space(text):
    units = [
        TextUnit(1, "abstract", "sentence", "We propose a neural architecture search method."),
        _unit(text),
    ]
    assert not search_budget.detect(units).reported


@pytest.mark.parametrize(
    "expected,text",
    [
        (False, "Time (s) 2.5 0.0 2.5 Pitch Velocity (rad/s)"),
        (True, "Time (s) 12.4 3.1 7.7"),
        (
            False,
            "We record the number of calls to f, which is a machine-independent measure of "
            "run-time, as shown in Figure 2.",
        ),
        (
            True,
            "The AUC-ROC is computed every 100 iterations. On the large graph the simulation "
            "on our machine takes 378.87 sec in total.",
        ),
        (True, "Our solver is fast (computation time 1.14s) on a CPU."),
        (
            False,
            "We minimize the following total loss while training our segmentation network: "
            "Ls(Xs, Xt) = 1 H × W × C (Xt − R(Yt))2.",
        ),
        (False, "The model makes a 20 second end-point prediction for each trained agent."),
        (False, "The data were processed with a sampling period of 10 min."),
        (
            False,
            "During training we find the user's reaction to it takes another 0.91s on average.",
        ),
    ],
)
def test_runtime_review_pool_shapes(expected, text):
    assert runtime.detect([_unit(text)]).reported is expected, text


def test_search_paper_keeps_the_architectures_its_search_trained():
    units = [
        TextUnit(1, "abstract", "sentence", "We propose a neural architecture search method."),
        _unit("After the controller trains 12,800 architectures, we keep the best one."),
    ]
    assert search_budget.detect(units).reported


@pytest.mark.parametrize(
    "expected,text",
    [
        # round 6: a count of spaced values with the selection; the best among listed values
        (
            True,
            "The regularization was optimized for each subject by testing among 8 log-spaced "
            "values in [1e-4, 1e4].",
        ),
        (
            True,
            "We chose the weight decay from 11 logarithmically spaced values by cross-validation.",
        ),
        (
            True,
            "A dropout rate of 0.25 yielded the best performance among the values 0.2, 0.25, "
            "0.3, 0.5, and 0.65.",
        ),
        # values of an experiment's conditions, or a best without the values tried
        (False, "We report results averaged over 5 evenly spaced values of the noise level."),
        (False, "A dropout rate of 0.25 gave the best performance among the settings we used."),
    ],
)
def test_search_budget_round6_rules(expected: bool, text: str) -> None:
    assert search_budget.detect([_unit(text)]).reported is expected


@pytest.mark.parametrize(
    "expected,text",
    [
        # round 6: a time unit written out in the singular or as "hr" in a column header
        (True, "CPU Time (second) 2.55 2.62 2.70 2.89 2.99"),
        (True, "Training time (hr) 1.5 3.2 6.8"),
        # a data window is time in the modelled world, not compute
        (False, "Features include solar generation in the past two hours."),
        (False, "We use lab values measured within the first 24 hours of admission."),
        (False, "Models were trained with batch size 256 and an epoch length of 20 days."),
    ],
)
def test_runtime_round6_rules(expected: bool, text: str) -> None:
    assert runtime.detect([_unit(text)]).reported is expected
