"""Round-5 search_budget rules (ANNOTATION.md's borderline section, D2): a set of values with
the verb that chooses among them, a count of values tried with the selection that used them,
and a search space spread over units (a hyperparameter table; a search sentence followed by
its values). Each rule where it must fire and each veto where it must not; the sentences are
shapes seen in unlabelled PMLR papers, reworded."""

from __future__ import annotations

import pytest

from extractors.detectors import search_budget
from extractors.document import TextUnit


def _unit(text: str, section: str = "body", page: int = 3, kind: str = "") -> TextUnit:
    kind = kind or ("caption" if text.startswith(("Figure", "Table")) else "sentence")
    return TextUnit(page, section, kind, text)


def _reported(*texts: str) -> bool:
    return search_budget.detect([_unit(t) for t in texts]).reported


@pytest.mark.parametrize(
    "text",
    [
        # no hyperparameter word the older rule needed: the verb governs the set
        "The number of hidden units was chosen from {64, 128, 256} for every dataset.",
        "We used the Adam optimizer and searched the best leaning rate in the set "
        "{0.01, 0.001, 0.0001}.",
        "The number of learnable tokens for VPT (Deep) is searched from {8, 16, 32, 64}.",
        "Throughout the experiments, we optimize over the neighborhood size (k ∈ {1, . . . , "
        "19}) in KNN by 5-fold cross-validation.",
        "To boost the baseline, we pick its number of principal components from the range "
        "{2, . . . , 60}.",
        "For each experiment, we choose γ ∈ {10−2 , 10−3 , 10−4} for SmoothMSD and "
        "λ ∈ {1, 10−1 , 10−2} for SoftBCFW.",
    ],
)
def test_a_choice_among_a_set_of_values_counts(text):
    assert _reported(text), text


@pytest.mark.parametrize(
    "text",
    [
        # an assignment, not a choice among values
        "We choose the support of the parameter w0 to be {1, . . . , 50}.",
        # a random draw
        "Each weight is chosen uniformly at random from {0.5, 1, 2}.",
        # an index running over a set
        "In the experiments we choose values a = 4i T, i ∈ {−1, 0, 4}, and denote the results "
        "as UCBE(4i).",
        # a bare membership naming the settings that were run, nothing selected
        "We choose π ∈ {0.2, 0.4, 0.6, 0.8, 1}, where π = 1 means no truncation.",
        # a set of symbols, and a binary domain
        "We choose the parameters x from the set {x1, x2, x3}.",
        "The mask is chosen from {0, 1} at every step.",
        # a search inside the method
        "At every iteration we choose the step η ∈ {0.5, 0.25, 0.125} by a backtracking "
        "line search.",
    ],
)
def test_a_set_that_is_not_a_choice_among_values_does_not_count(text):
    assert not _reported(text), text


def test_a_count_of_candidates_with_its_selection_counts_and_keeps_the_number():
    text = (
        "The bandwidth h was determined by least-squares cross-validation using ten "
        "candidates from 10−1.5 to 100 at regular intervals."
    )
    found = search_budget.detect([_unit(text)])
    assert found.reported
    assert found.evidence[0].value == 10


@pytest.mark.parametrize(
    "expected,text",
    [
        (
            True,
            "For a fair comparison, we tried three different values for the exploration "
            "parameter of CMA-ES.",
        ),
        # repetitions and conditions, or no selection named
        (
            False,
            "Results are averaged over five different settings of the simulator, each "
            "tuned by hand.",
        ),
        (False, "We compare two settings of the model in Table 3."),
        (False, "We compare two choices of model selection: (i) CBLI and (ii) our criteria."),
    ],
)
def test_a_count_of_values_needs_the_selection_that_used_them(expected, text):
    assert _reported(text) is expected, text


@pytest.mark.parametrize(
    "expected,text",
    [
        (True, "The number of groups K is optimized in the range [1, 5] using a validation set."),
        (True, "Learning rates of 0.1, 0.01 and 0.001 were tried for every model."),
        # a range with a choice and no search named stays out (round 4's call)
        (False, "The coefficient μ is chosen from the range [0.0001, 0.001]."),
    ],
)
def test_ranges_and_lists_with_their_search(expected, text):
    assert _reported(text) is expected, text


def _table_page(rows: list[str]) -> list[TextUnit]:
    return [
        _unit("Table 6: Hyperparameters of all models.", "appendix", 14),
        _unit("Hyperparameter Search range Selected", "appendix", 14, "table"),
        *(_unit(r, "appendix", 14, "table") for r in rows),
    ]


def test_a_hyperparameter_table_with_a_searched_range_column_counts():
    units = _table_page(["Learning rate {1e-4, 3e-4, 1e-3} 3e-4", "Dropout {0.1, 0.3} 0.1"])
    found = search_budget.detect(units)
    assert found.reported
    assert found.evidence[0].page == 14


def test_a_hyperparameter_table_without_value_sets_does_not_count():
    assert not search_budget.detect(_table_page(["Learning rate 3e-4", "Dropout 0.1"])).reported


SEARCH = "We tuned the hyperparameters of every model by grid search on the validation set."
VALUES = "The learning rate ∈ {1e-3, 1e-4, 1e-5} and the dropout rate ∈ {0.1, 0.3}."


def test_a_search_sentence_followed_by_its_values_counts():
    assert not _reported(SEARCH)
    assert not _reported(VALUES)
    found = search_budget.detect([_unit(SEARCH), _unit(VALUES)])
    assert found.reported
    assert found.evidence[0].text == SEARCH


def test_a_search_sentence_and_values_on_another_page_do_not_count():
    assert not search_budget.detect([_unit(SEARCH, page=3), _unit(VALUES, page=4)]).reported


def test_a_search_paper_does_not_join_its_own_search_and_values():
    # D2: in a paper that proposes a search, its search space is the method
    abstract = _unit("We propose a Bayesian optimization method for tuning.", "abstract", 1)
    assert not search_budget.detect([abstract, _unit(SEARCH), _unit(VALUES)]).reported


def test_a_search_paper_still_counts_the_tuning_of_its_competitors():
    # D2 keeps a search paper's tuning of the methods it compares against
    abstract = _unit("We propose a Bayesian optimization method for robot control.", "abstract", 1)
    tuned = _unit(
        "For a fair comparison, we tried three different values for the exploration "
        "parameter of CMA-ES."
    )
    own = _unit("We tried three different values for the exploration parameter of our method.")
    assert search_budget.detect([abstract, tuned]).reported
    assert not search_budget.detect([abstract, own]).reported
