"""The learned unit classifiers: features, decisions, training on made-up papers, JSON."""

from __future__ import annotations

import pytest

from extractors.document import TextUnit
from extractors.findings import Evidence, Finding
from extractors.learned import (
    C_GRID,
    LEARNED_CATEGORIES,
    CategoryModel,
    ContextIndex,
    Example,
    UnitModel,
    context_texts,
    decide,
    features,
    load_model,
    merge,
    quote_matches,
    save,
    train,
)
from extractors.schema import CATEGORIES


def _u(text: str, page: int = 3, kind: str = "sentence", section: str = "body") -> TextUnit:
    return TextUnit(page, section, kind, text)


def _rules(**reported: Finding) -> dict[str, Finding]:
    return {c: reported.get(c, Finding(c, False, (), "rules")) for c in CATEGORIES}


def test_table_lines_read_with_their_caption_and_header():
    units = [
        _u("Table 2: Model sizes.", kind="caption"),
        _u("Model #Params Acc", kind="table"),
        _u("ResNet 25.6M 76.1", kind="table"),
        _u("Next page text.", page=4),
    ]
    texts = context_texts(units)
    assert texts[1] == "Table 2: Model sizes. || Model #Params Acc"
    assert texts[2] == "Table 2: Model sizes. || Model #Params Acc || ResNet 25.6M 76.1"
    assert texts[3] == "Next page text."


def test_features_fold_numbers_and_mark_kind_section_and_captions():
    f = features(
        _u("Figure 3: Regret over 1000000 rounds at 3", kind="caption"),
        "Figure 3: Regret over 1000000 rounds at 3",
    )
    assert {"regret", "over", "<num>", "<bignum>", "regret over", "rounds"} <= f
    assert {"kind=caption", "sec=body", "FIGCAP"} <= f
    assert "1000000" not in f and "3" not in f


def test_context_index_answers_as_a_text_index_of_the_context_texts():
    import re

    from extractors.detectors.common import unit_index
    from extractors.regexgate import TextIndex

    units = (
        _u("We trained on 8 V100 GPUs for 3 days."),
        _u("Smith et al. used a TPU.", section="references"),
        _u("Table 2: Training time.", kind="caption"),
        _u("Model GPU hours", kind="table"),
        _u("ResNet 12 h", kind="table"),
        _u("Next page: speed.", page=4),
    )
    kept = [u for u in units if u.section != "references"]
    texts = context_texts(kept)
    index, plain = ContextIndex(unit_index(units), texts), TextIndex(texts)
    for needles in (("gpu",), ("tpu", "hours"), ("speed", "table"), ("resnet",)):
        assert index.holding(needles) == plain.holding(needles)
    for pattern in (re.compile(r"\d\s?[smh]\b"), re.compile(r"Table \d")):
        assert index.searching(pattern) == plain.searching(pattern)


RUNTIME = CategoryModel({"hours": 3.0, "took": 2.0}, -4.0, (1.0, 0.0), 0.5)


def test_decide_reports_the_best_unit_verbatim_with_its_page():
    units = [
        _u("We thank the reviewers.", page=1),
        _u("Training took 12 hours.", page=7),
        _u("Ref entry 12 hours", page=9, section="references"),
    ]
    out = decide(UnitModel({"runtime": RUNTIME}), units, _rules())
    assert out["runtime"].reported
    assert out["runtime"].evidence == (Evidence(7, "Training took 12 hours."),)
    assert out["runtime"].method.startswith("learned-units/v4:runtime(p=0.73)")
    assert not out["flops"].reported  # not a learned category: the rule's answer stands


def test_decide_below_threshold_overrules_the_rule():
    rule = Finding("runtime", True, (Evidence(2, "It ran for 3 hours."),), "rules")
    weak = CategoryModel({"hours": 1.0}, -4.0, (1.0, 0.0), 0.5)
    out = decide(
        UnitModel({"runtime": weak}), [_u("It ran for 3 hours.", page=2)], _rules(runtime=rule)
    )
    assert not out["runtime"].reported and out["runtime"].evidence == ()


def test_decide_keeps_the_rules_evidence_when_it_agrees():
    rule = Finding("runtime", True, (Evidence(2, "It ran for 3 hours."),), "rules")
    model = CategoryModel({"RULE": 5.0}, -1.0, (1.0, 0.0), 0.5)
    out = decide(
        UnitModel({"runtime": model}),
        [_u("Training took 12 hours.", page=7), _u("It ran for 3 hours.", page=2)],
        _rules(runtime=rule),
    )
    assert out["runtime"].reported and out["runtime"].evidence == rule.evidence


def test_no_model_file_means_rules_only(tmp_path):
    model = load_model(tmp_path / "absent.json")
    assert model.categories == {} and model.method == "rules-only"
    rules = _rules(runtime=Finding("runtime", True, (Evidence(1, "x"),), "rules"))
    assert decide(model, [_u("x")], rules) == rules


@pytest.mark.parametrize(
    "unit,quote,expected",
    [
        ("We trained on 8 V100 GPUs for two days.", "8 V100 GPUs", True),
        ("8 V100", "We trained on 8 V100 GPUs for two days.", False),  # too short to count
        (
            "Figure 2: Training loss over epochs for all models",
            "Figure 2: Training loss over epochs",
            True,
        ),
        ("An unrelated sentence about data.", "Training loss over epochs", False),
    ],
)
def test_quote_matches(unit, quote, expected):
    assert quote_matches(unit, quote) is expected


def _paper(i: int, reports: bool) -> Example:
    """A made-up paper: filler sentences, plus a 'zork engine' runtime sentence if it
    reports, else a decoy that shares the number and unit."""
    filler = [
        _u(f"Section {k} discusses the time of day in the data set {i}.", page=k + 1)
        for k in range(4)
    ]
    special = (
        _u(f"Training on the zork engine took {i + 2} hours in total.", page=5)
        if reports
        else _u(f"Each trajectory lasts {i + 2} hours of simulated time.", page=5)
    )
    units = (*filler, special)
    evidence = {c: [] for c in CATEGORIES}
    if reports:
        evidence["runtime"] = [(5, special.text)]
    gold = {c: False for c in CATEGORIES}
    gold["runtime"] = reports
    return Example(f"p{i}.pdf", "V", units, _rules(), gold, evidence)


def test_training_separates_made_up_papers_and_round_trips_through_json(tmp_path):
    examples = [_paper(i, i % 2 == 0) for i in range(24)]
    model = train(examples, ["runtime"])
    cat = model.categories["runtime"]
    assert cat.weights["zork"] > 0 and cat.weights.get("simulated", 0.0) < 0
    assert 0.0 < cat.threshold < 1.0
    fresh = [_paper(i, i % 2 == 0) for i in range(100, 110)]
    decided = [decide(model, ex.units, ex.rules)["runtime"].reported for ex in fresh]
    assert decided == [ex.gold["runtime"] for ex in fresh]
    path = save(model, tmp_path / "units.json")
    loaded = load_model(path)
    assert loaded.categories["runtime"].threshold == cat.threshold
    again = [decide(loaded, ex.units, ex.rules)["runtime"] for ex in fresh]
    assert [r.reported for r in again] == decided
    assert all(
        r.evidence[0].text.startswith("Training on the zork engine") for r in again if r.reported
    )


def test_train_units_refuses_to_overwrite_the_model_from_nothing(tmp_path):
    from click.testing import CliRunner

    from app.cli import cli

    (tmp_path / "pdfs").mkdir()
    out = tmp_path / "units.json"
    result = CliRunner().invoke(
        cli,
        ["train-units", "--corpus", str(tmp_path), "--gold-pdfs", str(tmp_path), "--out", str(out)],
    )
    assert result.exit_code != 0
    learned = ", ".join(LEARNED_CATEGORIES)
    assert f"too few to train {learned}; nothing written" in result.output
    assert not out.exists()


def test_merge_keeps_the_other_categories_classifiers_and_says_what_each_was_trained_on():
    old_runtime = CategoryModel({"hours": 3.0}, -4.0, (1.0, 0.0), 0.5)
    old_params = CategoryModel({"parameters": 2.0}, -3.0, (1.0, 0.0), 0.4)
    base = UnitModel(
        {"runtime": old_runtime, "params": old_params},
        "learned-units/v3",
        {"dev_papers": 751, "categories_fit": {"runtime": {"c": 0.3}, "params": {"c": 3.0}}},
    )
    new_params = CategoryModel({"million": 1.0}, -2.0, (1.0, 0.0), 0.6)
    new_budget = CategoryModel({"grid": 1.5}, -2.0, (1.0, 0.0), 0.4)
    update = UnitModel(
        {"params": new_params, "search_budget": new_budget},
        report={"dev_papers": 939, "categories_fit": {"search_budget": {"c": 1.0}}},
    )
    merged = merge(base, update, ["runtime", "search_budget"])
    assert merged.categories == {"runtime": old_runtime, "search_budget": new_budget}
    fits = merged.report["categories_fit"]
    assert fits["runtime"] == {"c": 0.3, "dev_papers": 751}
    assert fits["search_budget"] == {"c": 1.0, "dev_papers": 939}
    assert merged.report["dev_papers"] == 939 and merged.method == update.method
    with pytest.raises(ValueError, match="no classifier for hardware"):
        merge(base, update, ["hardware"])


def test_train_units_of_some_categories_needs_a_model_to_keep_the_others_from(tmp_path):
    from click.testing import CliRunner

    from app.cli import cli

    out = tmp_path / "units.json"
    args = ["train-units", "--corpus", str(tmp_path), "--gold-pdfs", str(tmp_path)]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "--categories", "runtime"])
    assert result.exit_code != 0
    assert "no model to keep the other categories from" in result.output
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "--categories", "flops"])
    assert result.exit_code != 0 and "flops: not learned" in result.output
    assert not out.exists()


def test_lovo_and_learning_curve_on_made_up_venues():
    from extractors.evaluate import learning_curve, lovo

    examples = []
    for i in range(36):
        ex = _paper(i, i % 2 == 0)
        ex.venue = "ABC"[i % 3] * 3
        examples.append(ex)
    report, per_venue = lovo(examples, ["runtime"], bootstrap=50, min_papers=5)
    assert set(per_venue) == {"AAA", "BBB", "CCC"}
    assert report.papers == 36 and report.scores["runtime"].f1 == 1.0
    assert report.intervals["runtime"] == (1.0, 1.0)
    points = learning_curve(examples, [12, 24], seeds=1, folds=3, categories=["runtime"])
    assert [p.n_train for p in points] == [12, 24]
    assert all(0.0 <= p.f1_mean["runtime"] <= 1.0 for p in points)
    assert points[-1].f1_mean["runtime"] == 1.0


# ---------------------------------------------------------------- modes (round 5)

ZORK = CategoryModel({"zork": 6.0}, -4.0, (1.0, 0.0), 0.5, "union")


def test_union_adds_the_best_units_text_verbatim_with_its_page_where_rules_found_nothing():
    units = [_u("Nothing here.", page=1), _u("The zork run took 3 days on the cluster.", page=6)]
    out = decide(UnitModel({"runtime": ZORK}), units, _rules())
    assert out["runtime"].reported
    assert out["runtime"].evidence == (Evidence(6, "The zork run took 3 days on the cluster."),)
    assert out["runtime"].method.startswith("learned-units/v4:runtime(p=0.88)")


def test_union_leaves_the_rules_answer_as_it_is_when_it_adds_nothing():
    rule = Finding("runtime", True, (Evidence(2, "It ran for 3 hours."),), "rules:runtime")
    units = [_u("It ran for 3 hours.", page=2), _u("The zork run took 3 days.", page=6)]
    positive = decide(UnitModel({"runtime": ZORK}), units, _rules(runtime=rule))
    assert positive["runtime"] is rule  # a rule's positive stands, evidence and all
    rules = _rules()
    negative = decide(UnitModel({"runtime": ZORK}), [_u("It ran for 3 hours.")], rules)
    assert negative["runtime"] is rules["runtime"]  # below threshold: the rules' negative


def test_categories_without_a_model_keep_their_rules_findings_unchanged():
    rules = _rules(params=Finding("params", True, (Evidence(4, "We use 25M parameters."),), "r"))
    out = decide(UnitModel({"runtime": ZORK}), [_u("The zork took 3 days.")], rules)
    assert {c: out[c] for c in CATEGORIES if c != "runtime"} == {
        c: rules[c] for c in CATEGORIES if c != "runtime"
    }


def test_learned_mode_ignores_the_rule_hit_and_overrules_a_rule_positive():
    rule = Finding("runtime", True, (Evidence(2, "It ran for 3 hours."),), "rules")
    model = CategoryModel({"zork": 6.0}, -4.0, (1.0, 0.0), 0.5, "learned")
    out = decide(
        UnitModel({"runtime": model}), [_u("It ran for 3 hours.", page=2)], _rules(runtime=rule)
    )
    assert not out["runtime"].reported


def test_mode_decisions_and_the_union_threshold():
    from extractors.learned import _precision_threshold, mode_decisions

    probs, rules = [0.9, 0.6, 0.2], [False, False, True]
    assert mode_decisions("rules", probs, 0.5, rules) == rules
    assert mode_decisions("learned", probs, 0.5, rules) == [True, True, False]
    assert mode_decisions("union", probs, 0.7, rules) == [True, False, True]
    with pytest.raises(ValueError, match="unknown mode"):
        mode_decisions("both", probs, 0.5, rules)
    # precise (3 of 3) from 0.7 up, not below: the threshold sits between 0.7 and 0.5
    scores = [0.95, 0.9, 0.7, 0.5, 0.4, 0.1]
    gold = [True, True, True, False, True, False]
    assert _precision_threshold(scores, gold, 0.9) == 0.6
    assert _precision_threshold([0.9, 0.8], [False, True], 0.9) > 1.0  # never precise


def test_shapes_neighbour_and_axis_features():
    from extractors.learned import FeatureOptions

    opts = FeatureOptions(shapes=True, neighbour=True, axis=True)
    text = "lr in {0.1, 0.01}, wd 1e-4, model with 25.6M params, range [1, 10]"
    f = features(_u(text), text, opts, previous="We tuned the baselines.")
    assert {"{<num>,<num>}", "<num>e-<num>", "<num>K|M|B|G", "[<num>,<num>]"} <= f
    assert {"prev:tuned", "prev:baselines"} <= f
    assert not {"{<num>,<num>}", "prev:tuned"} & features(_u(text), text)  # off by default
    units = [
        _u("Figure 2: Results of the runs.", kind="caption"),
        _u("Training loss"),
        _u("Epochs"),
        _u("A long sentence of prose that ends with a full stop."),
        _u("Figure 3: More.", page=4, kind="caption"),
    ]
    texts = context_texts(units, opts)
    assert texts[0] == "Figure 2: Results of the runs. || Training loss | Epochs"
    assert texts[4] == "Figure 3: More."  # no short lines on its page
    assert context_texts(units)[0] == "Figure 2: Results of the runs."


def test_modes_and_feature_options_round_trip_and_old_files_load(tmp_path):
    import json

    from extractors.learned import FeatureOptions

    model = UnitModel({"runtime": ZORK}, options=FeatureOptions(shapes=True))
    loaded = load_model(save(model, tmp_path / "units.json"))
    assert loaded.categories["runtime"].mode == "union"
    assert loaded.options == FeatureOptions(shapes=True)
    old = json.loads((tmp_path / "units.json").read_text())
    del old["features"], old["categories"]["runtime"]["mode"]
    (tmp_path / "old.json").write_text(json.dumps(old))
    again = load_model(tmp_path / "old.json")  # a round-4 file: learned+rule, no options
    assert again.categories["runtime"].mode == "learned+rule"
    assert again.options == FeatureOptions()
    old["categories"]["runtime"]["mode"] = "rules"
    (tmp_path / "bad.json").write_text(json.dumps(old))
    with pytest.raises(ValueError, match="unknown mode 'rules'"):
        load_model(tmp_path / "bad.json")


def test_each_mode_trains_and_learned_modes_have_no_rule_weight():
    examples = []
    for i in range(30):
        ex = _paper(i, i % 2 == 0)
        ex.venue = "ABC"[i % 3] * 3
        if i % 4 == 0:  # the rule fires on half the reporting papers
            ex.rules["runtime"] = Finding(
                "runtime", True, (Evidence(5, ex.units[-1].text),), "rules"
            )
        examples.append(ex)
    for mode in ("learned", "union", "learned+rule"):
        model = train(examples, ["runtime"], modes={"runtime": mode})
        cat = model.categories["runtime"]
        assert cat.mode == mode
        assert ("RULE" in cat.weights) is (mode == "learned+rule")
        fit = model.report["categories_fit"]["runtime"]
        assert fit["folds"] == 3 and fit["c"] in C_GRID  # three venues of 10 papers
        fresh = [_paper(i, i % 2 == 0) for i in range(200, 206)]
        got = [decide(model, ex.units, ex.rules)["runtime"].reported for ex in fresh]
        assert got == [ex.gold["runtime"] for ex in fresh]


def test_cv_folds_are_venues_with_small_ones_pooled():
    from extractors.learned import cv_folds

    examples = []
    for i, venue in enumerate(["A"] * 6 + ["B"] * 5 + ["C"] * 2 + ["D"] * 1):
        ex = _paper(i, False)
        ex.venue = venue
        examples.append(ex)
    folds = cv_folds(examples)
    assert sorted(map(len, folds)) == [3, 5, 6]  # C and D pooled as "small venues"
    assert sorted(i for f in folds for i in f) == list(range(14))


def test_the_shipped_model_holds_the_chosen_modes_and_features():
    from extractors.learned import CATEGORY_MODES, FEATURES, MODEL_PATH

    shipped = load_model(MODEL_PATH)
    assert {c: m.mode for c, m in shipped.categories.items()} == {
        c: CATEGORY_MODES[c] for c in LEARNED_CATEGORIES
    }
    assert shipped.options == FEATURES
    assert all(0.0 < m.threshold < 1.0 and m.weights for m in shipped.categories.values())


def test_a_unit_logit_does_not_depend_on_the_order_of_its_features():
    """Summed exactly (fsum): a set's iteration order, which the hash seed sets, cannot move
    a logit, so a paper on a threshold is decided alike in every process."""
    from itertools import permutations

    from extractors.learned import CategoryModel

    model = CategoryModel({"a": 1e16, "b": 1.0, "c": -1e16}, 0.0, (1.0, 0.0), 0.5)
    assert {model.logit(list(order)) for order in permutations("abc")} == {1.0}
