"""Evaluation: hand-computed P/R/F1 on made-up cards, split filtering, `greenlens eval`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus.errors import ConfigError
from extractors.evaluate import (
    CurvePoint,
    GoldSource,
    Score,
    bootstrap_intervals,
    curve_verdict,
    evaluate,
    evaluate_sources,
    load_gold,
    macro_f1,
    score,
    venue_folds,
)
from extractors.schema import CATEGORIES

GOLD = Path(__file__).resolve().parents[1] / "extractors" / "gold"


def _card(file: str, target: str, reported: dict[str, bool], page: int = 2) -> dict:
    """A made-up check card / gold row: every category false unless listed."""
    labels = {}
    for cat in CATEGORIES:
        on = reported.get(cat, False)
        labels[cat] = {
            "reported": on,
            "evidence": [{"page": page, "text": f"{cat} said in {file}"}] if on else [],
        }
    return {"file": file, "target": target, "title": f"Title of {file}", "labels": labels}


# Made up: four papers. flops gold T,T,F,F vs pred T,F,T,F -> tp1 fp1 fn1 tn1.
# energy gold F,F,F,T vs pred F,F,F,F -> tp0 fp0 fn1 tn3. params gold T,T,T,F, pred all T
# -> tp3 fp1 fn0 tn0.
GOLD_ROWS = [
    _card("a.pdf", "accuracy", {"flops": True, "params": True}),
    _card("b.pdf", "accuracy", {"flops": True, "params": True}),
    _card("c.pdf", "efficiency", {"params": True}),
    _card("d.pdf", "other", {"energy": True}),
]
PREDICTED = {
    "a.pdf": _card("a.pdf", "accuracy", {"flops": True, "params": True}, page=5),
    "b.pdf": _card("b.pdf", "efficiency", {"params": True}, page=5),
    "c.pdf": _card("c.pdf", "efficiency", {"flops": True, "params": True}, page=5),
    "d.pdf": _card("d.pdf", "other", {"params": True}, page=5),
}


def test_score_counts_and_prf():
    report = score(GOLD_ROWS, PREDICTED)
    assert report.papers == 4
    flops = report.scores["flops"]
    assert (flops.tp, flops.fp, flops.fn, flops.tn) == (1, 1, 1, 1)
    assert flops.precision == pytest.approx(0.5)
    assert flops.recall == pytest.approx(0.5)
    assert flops.f1 == pytest.approx(0.5)
    energy = report.scores["energy"]
    assert (energy.tp, energy.fp, energy.fn, energy.tn) == (0, 0, 1, 3)
    assert (energy.precision, energy.recall, energy.f1) == (0.0, 0.0, 0.0)
    params = report.scores["params"]
    assert (params.tp, params.fp, params.fn, params.tn) == (3, 1, 0, 0)
    assert params.precision == pytest.approx(0.75)
    assert params.recall == pytest.approx(1.0)
    assert params.f1 == pytest.approx(2 * 0.75 / 1.75)
    hardware = report.scores["hardware"]
    assert (hardware.tp, hardware.fp, hardware.fn, hardware.tn) == (0, 0, 0, 4)


def test_score_target_accuracy_macro_f1_confusion():
    report = score(GOLD_ROWS, PREDICTED)
    # gold a,a,e,o vs pred a,e,e,o: accuracy 3/4. F1 accuracy 2/3, efficiency 2/3, other 1;
    # "both" occurs in neither and is left out of the mean.
    assert report.target_accuracy == pytest.approx(0.75)
    assert report.target_macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    assert report.target_confusion["accuracy"]["efficiency"] == 1
    assert report.target_confusion["accuracy"]["accuracy"] == 1
    assert report.target_confusion["efficiency"]["efficiency"] == 1
    assert report.target_confusion["other"]["other"] == 1
    assert sum(sum(row.values()) for row in report.target_confusion.values()) == 4


def test_score_misses_carry_the_right_evidence():
    report = score(GOLD_ROWS, PREDICTED)
    misses = {(m.file, m.category): m for m in report.misses}
    assert set(misses) == {
        ("b.pdf", "flops"),
        ("c.pdf", "flops"),
        ("d.pdf", "energy"),
        ("d.pdf", "params"),
        ("b.pdf", "target"),
    }
    # false negative: the gold evidence; false positive: our evidence
    assert misses[("b.pdf", "flops")].evidence == "p2: flops said in b.pdf"
    assert (misses[("b.pdf", "flops")].expected, misses[("b.pdf", "flops")].got) == (
        "true",
        "false",
    )
    assert misses[("c.pdf", "flops")].evidence == "p5: flops said in c.pdf"
    assert misses[("b.pdf", "target")].expected == "accuracy"
    assert misses[("b.pdf", "target")].got == "efficiency"


def test_score_skips_papers_without_prediction():
    report = score(GOLD_ROWS, {"a.pdf": PREDICTED["a.pdf"]})
    assert report.papers == 1
    assert report.target_accuracy == 1.0
    assert report.scores["flops"].tp == 1 and report.scores["flops"].fn == 0


def test_score_nothing_to_score():
    report = score(GOLD_ROWS, {})
    assert report.papers == 0 and report.target_accuracy == 0.0 and report.misses == []


def test_score_zero_divisions():
    assert (Score().precision, Score().recall, Score().f1) == (0.0, 0.0, 0.0)
    assert Score(tp=0, fp=3).precision == 0.0
    assert Score(tp=2, fn=2).recall == 0.5


@pytest.mark.parametrize(
    "gold,pred,expected",
    [
        (
            ["accuracy", "accuracy", "efficiency", "other"],
            ["accuracy", "efficiency", "efficiency", "other"],
            7 / 9,
        ),
        (["both"], ["both"], 1.0),
        (["both", "other"], ["other", "both"], 0.0),
        # accuracy: tp1 fp0 fn1 -> 2/3; efficiency: tp0 fp1 fn0 -> 0
        (["accuracy", "accuracy"], ["accuracy", "efficiency"], (2 / 3 + 0) / 2),
        ([], [], 0.0),
    ],
)
def test_macro_f1_hand_computed(gold, pred, expected):
    assert macro_f1(gold, pred) == pytest.approx(expected)


def test_to_dict_is_json_ready():
    data = json.loads(json.dumps(score(GOLD_ROWS, PREDICTED).to_dict()))
    assert data["papers"] == 4
    assert set(data["categories"]) == set(CATEGORIES)
    assert data["categories"]["flops"]["f1"] == pytest.approx(0.5)
    assert len(data["misses"]) == 5


# ------------------------------------------------------------------------- load_gold
@pytest.fixture
def gold_file(tmp_path):
    splits = json.loads((GOLD / "paper_splits.json").read_text())
    dev, test = splits["dev"][:2], splits["test"][:1]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(_card(f, "accuracy", {})) for f in dev + test) + "\n\n")
    return path, dev, test


def test_load_gold_split_filtering(gold_file):
    path, dev, test = gold_file
    assert [r["file"] for r in load_gold(path)] == dev + test
    assert [r["file"] for r in load_gold(path, "all")] == dev + test
    assert [r["file"] for r in load_gold(path, "dev")] == dev
    assert [r["file"] for r in load_gold(path, "test")] == test


def test_load_gold_custom_splits_file(gold_file, tmp_path):
    path, dev, test = gold_file
    splits = tmp_path / "splits.json"
    splits.write_text(json.dumps({"dev": [test[0]], "test": dev}))
    assert [r["file"] for r in load_gold(path, "dev", splits)] == test
    assert [r["file"] for r in load_gold(path, "test", splits)] == dev


def test_load_gold_unknown_split(gold_file):
    with pytest.raises(ConfigError):
        load_gold(gold_file[0], "train")


def test_evaluate_keeps_going_after_a_bad_pdf(gold_file, tmp_path):
    path, dev, _ = gold_file

    def check(pdf: Path) -> dict:
        if pdf.name == Path(dev[0]).name:
            raise ValueError("broken PDF")
        return _card(dev[1], "accuracy", {"flops": True})

    report = evaluate(path, tmp_path, split="dev", check=check)
    assert report.papers == 1
    assert report.errors == [(dev[0], "broken PDF")]
    assert report.scores["flops"].fp == 1


# ---------------------------------------------------------------------- greenlens eval
DEV_PAPERS = ("neurips2017-vaswani-transformer.pdf", "arxiv2017-howard-mobilenets.pdf")


@pytest.fixture
def two_paper_gold(tmp_path):
    rows = {
        json.loads(line)["file"]: json.loads(line)
        for line in (GOLD / "papers.jsonl").read_text().splitlines()
        if line.strip()
    }
    picked = [json.loads(json.dumps(rows[f])) for f in DEV_PAPERS]
    # Flip one label so there is a known miss: MobileNets does not report energy.
    picked[1]["labels"]["energy"] = {
        "reported": True,
        "evidence": [{"page": 3, "text": "made-up energy"}],
    }
    path = tmp_path / "gold2.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in picked))
    return path


def _cli():
    from app.cli import cli

    return cli


def test_eval_cli_text(two_paper_gold, pdfs_dir):
    result = CliRunner().invoke(
        _cli(), ["eval", str(two_paper_gold), "--pdfs", str(pdfs_dir), "--split", "dev"]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "papers scored: 2 (split: dev; gold2.jsonl)" in out
    for cat in CATEGORIES:
        assert cat in out
    energy_line = next(line for line in out.splitlines() if line.startswith("energy"))
    # P R F1 [95% CI] tp fp fn: one false negative, nothing else
    assert energy_line.split()[1:] == ["0.00", "0.00", "0.00", "[0.00,", "0.00]", "0", "0", "1"]
    assert "misses (file, category, expected, got, evidence):" in out
    assert (
        "arxiv2017-howard-mobilenets.pdf  energy  expected=true got=false  p3: made-up energy"
    ) in out
    assert "target" in out and "accuracy" in out


def test_eval_cli_json(two_paper_gold, pdfs_dir):
    result = CliRunner().invoke(
        _cli(),
        [
            "eval",
            str(two_paper_gold),
            "--pdfs",
            str(pdfs_dir),
            "--split",
            "dev",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["papers"] == 2
    assert data["categories"]["energy"]["fn"] == 1
    assert data["categories"]["flops"]["tp"] == 2  # both papers count FLOPs/Mult-Adds
    assert {
        "file": "arxiv2017-howard-mobilenets.pdf",
        "category": "energy",
        "expected": "true",
        "got": "false",
        "evidence": "p3: made-up energy",
    } in data["misses"]
    assert data["errors"] == []


def test_eval_cli_test_split_scores_none_of_dev_papers(two_paper_gold, pdfs_dir):
    result = CliRunner().invoke(
        _cli(), ["eval", str(two_paper_gold), "--pdfs", str(pdfs_dir), "--format", "json"]
    )  # default split: test
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["papers"] == 0


def test_eval_cli_missing_pdf_is_an_error_line_not_a_crash(two_paper_gold, tmp_path):
    result = CliRunner().invoke(
        _cli(),
        [
            "eval",
            str(two_paper_gold),
            "--pdfs",
            str(tmp_path),
            "--split",
            "dev",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["papers"] == 0
    assert {e["file"] for e in data["errors"]} == set(DEV_PAPERS)


# ------------------------------------------------------- intervals, several gold files
def test_bootstrap_interval_brackets_f1_and_is_seeded():
    rows = [
        _card(f"p{i}.pdf", "accuracy" if i % 3 else "other", {"flops": i % 2 == 0})
        for i in range(40)
    ]
    cards = {
        r["file"]: _card(r["file"], "accuracy", {"flops": i % 4 == 0}) for i, r in enumerate(rows)
    }
    report = score(rows, cards)
    flops = report.scores["flops"].f1  # tp 10, fn 10, fp 0 -> 2/3
    assert flops == pytest.approx(2 / 3)
    iv = bootstrap_intervals(report.outcomes, n=400, seed=1)
    assert iv["flops"][0] < flops < iv["flops"][1]
    assert 0.3 < iv["flops"][0] and iv["flops"][1] < 0.95
    assert iv["target"][0] <= report.target_macro_f1 <= iv["target"][1]
    # a category nobody reports and nobody predicts: F1 0 in every resample
    assert iv["energy"] == (0.0, 0.0)
    assert bootstrap_intervals(report.outcomes, n=400, seed=1) == iv
    assert bootstrap_intervals([], n=10) == {}


def test_perfect_predictions_have_a_degenerate_interval():
    rows = [_card(f"p{i}.pdf", "accuracy", {"params": i % 2 == 0}) for i in range(10)]
    report = score(rows, {r["file"]: r for r in rows})
    assert bootstrap_intervals(report.outcomes, n=200)["params"] == (1.0, 1.0)


def test_evaluate_sources_pools_several_gold_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "gold.jsonl").write_text(
        json.dumps({**_card("x.pdf", "accuracy", {"flops": True}), "split": "dev"}) + "\n"
    )
    (b / "gold.jsonl").write_text(
        "".join(
            json.dumps({**_card(f, "other", {}), "split": s}) + "\n"
            for f, s in (("y.pdf", "dev"), ("z.pdf", "test"))
        )
    )
    seen = []

    def check(path: Path) -> dict:
        seen.append(path)
        return _card(path.name, "accuracy", {"flops": True})

    report = evaluate_sources(
        [GoldSource(a / "gold.jsonl", a), GoldSource(b / "gold.jsonl", b)],
        split="dev",
        check=check,
        bootstrap=50,
    )
    assert seen == [a / "x.pdf", b / "y.pdf"]  # each file under its own folder; no test paper
    assert report.papers == 2
    assert (report.scores["flops"].tp, report.scores["flops"].fp) == (1, 1)
    assert set(report.intervals) == {*CATEGORIES, "target"}
    assert json.loads(json.dumps(report.to_dict()))["intervals"]["flops"][1] <= 1.0


class _Ex:
    def __init__(self, venue):
        self.venue = venue


def test_venue_folds_pool_small_venues():
    examples = [_Ex("A")] * 5 + [_Ex("B")] * 2 + [_Ex("C")] * 6 + [_Ex("D")]
    folds = venue_folds(examples, min_papers=5)
    assert folds == {"A": [0, 1, 2, 3, 4], "C": [7, 8, 9, 10, 11, 12], "small venues": [5, 6, 13]}


def test_curve_verdict_per_doubling():
    pts = [
        CurvePoint(40, {"runtime": 0.60, "params": 0.70}, {}),
        CurvePoint(80, {"runtime": 0.70, "params": 0.705}, {}),
    ]
    assert curve_verdict(pts) == {"runtime": "still rising", "params": "flat"}
    assert curve_verdict(pts[:1]) == {}


def test_eval_cli_refuses_lovo_on_the_test_split():
    result = CliRunner().invoke(_cli(), ["eval", "--lovo", "--split", "test"])
    assert result.exit_code != 0
    assert "sealed" in result.output


def test_eval_cli_needs_one_pdfs_per_gold(two_paper_gold, pdfs_dir):
    result = CliRunner().invoke(
        _cli(), ["eval", str(two_paper_gold), str(two_paper_gold), "--pdfs", str(pdfs_dir)]
    )
    assert result.exit_code != 0
    assert "one --pdfs per GOLD file" in result.output
