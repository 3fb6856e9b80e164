"""The learned unit classifiers: features, decisions, training on made-up papers, JSON."""

from __future__ import annotations

import pytest

from extractors.document import TextUnit
from extractors.findings import Evidence, Finding
from extractors.learned import (
    CategoryModel,
    Example,
    UnitModel,
    context_texts,
    decide,
    features,
    load_model,
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
    assert out["runtime"].method.startswith("learned-units/v1:runtime(p=0.73)")
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
    assert "too few to train hardware; nothing written" in result.output
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
