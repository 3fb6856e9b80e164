"""Adjusted shares end to end: the shipped error rates match the shipped extractor and
target model, `trends` JSON carries the adjusted shares and their provenance, and targets
from abstracts are stored apart from full-text targets."""

from __future__ import annotations

import json

import pytest
import real_store
from click.testing import CliRunner

from app.cli import cli
from corpus.records import Paper
from corpus.store import Store
from extractors import error_rates
from extractors.abstract_targets import classify_abstracts
from extractors.detectors import category_versions
from extractors.extract_pdf import extractor_version
from extractors.target import METHOD


def _json(*args) -> dict:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_shipped_error_rates_are_for_the_shipped_versions():
    rates = error_rates.load_error_rates()
    assert rates["fulltext"]["version"] == extractor_version(), (
        "extractor changed: run `greenlens gold error-rates` to re-measure it on gold"
    )
    assert rates["fulltext"]["category_versions"] == category_versions(), (
        "a detector or the learned model changed: run `greenlens gold error-rates`"
    )
    assert rates["abstract"]["version"] == METHOD, (
        "target model changed: run `greenlens gold error-rates` to re-measure it on gold"
    )
    for entry in rates.values():
        for out in entry["outcomes"].values():
            assert len(out["truth"]) == len(out["predicted"]) == entry["n"] > 0


@pytest.mark.shared
def test_trends_json_carries_adjusted_shares_for_the_real_extractor(tmp_path_factory, corpus_dir):
    db = str(real_store.cached_extracted_store(tmp_path_factory, corpus_dir))
    out = _json("trends", "--db", db, "--kind", "shares", "--format", "json", "--pool")
    rows = out["rows"]
    assert rows and all(
        {"share_adjusted", "adjusted_ci_low", "adjusted_ci_high", "adjusted_note"} <= set(r)
        for r in rows
    )
    estimable = [r for r in rows if r["share_adjusted"] is not None]
    assert estimable, "some category must be correctable with the shipped error rates"
    with_interval = [r for r in estimable if r["adjusted_ci_low"] is not None]
    assert with_interval
    for r in with_interval:
        assert 0 <= r["adjusted_ci_low"] <= r["share_adjusted"] <= r["adjusted_ci_high"] <= 1
    for r in estimable:
        if r["adjusted_ci_low"] is None:  # too few gold papers for an interval: it says so
            assert r["adjusted_note"].startswith("n/a") and r["adjusted_ci_high"] is None
    for r in rows:
        if r["share_adjusted"] is None:
            assert r["adjusted_note"].startswith("n/a")
    meta = out["meta"]
    assert "papers.jsonl val split" in meta["error_rates_fulltext"]
    assert "sensitivity" in meta["error_rates_fulltext"]
    assert "Rogan-Gladen" in meta["adjustment"]


@pytest.mark.shared
def test_stale_error_rates_give_null_with_the_reason(
    tmp_path_factory, corpus_dir, tmp_path, monkeypatch
):
    db = str(real_store.cached_extracted_store(tmp_path_factory, corpus_dir))
    stale = json.loads(error_rates.ERROR_RATES_PATH.read_text())
    stale["fulltext"]["version"] = "pdf0+det0+old"
    path = tmp_path / "rates.json"
    path.write_text(json.dumps(stale))
    monkeypatch.setattr(error_rates, "ERROR_RATES_PATH", path)
    rows = _json("trends", "--db", db, "--format", "json", "--pool")["rows"]
    assert all(r["share_adjusted"] is None for r in rows)
    assert all("pdf0+det0+old" in r["adjusted_note"] for r in rows)


@pytest.mark.shared
def test_error_rates_of_another_category_version_give_null_for_that_category_only(
    tmp_path_factory, corpus_dir, tmp_path, monkeypatch
):
    db = str(real_store.cached_extracted_store(tmp_path_factory, corpus_dir))
    stale = json.loads(error_rates.ERROR_RATES_PATH.read_text())
    stale["fulltext"]["category_versions"]["search_budget"] = "det0+learned-units/v0@old"
    path = tmp_path / "rates.json"
    path.write_text(json.dumps(stale))
    monkeypatch.setattr(error_rates, "ERROR_RATES_PATH", path)
    out = _json("trends", "--db", db, "--format", "json", "--pool")
    budget = [r for r in out["rows"] if r["category"] == "search_budget"]
    assert budget and all(r["share_adjusted"] is None for r in budget)
    assert all("learned-units/v0@old" in r["adjusted_note"] for r in budget)
    assert "greenlens extract" in budget[0]["adjusted_note"]
    others = [r for r in out["rows"] if r["category"] != "search_budget"]
    assert any(r["share_adjusted"] is not None for r in others)
    assert "search_budget: n/a" in out["meta"]["error_rates_fulltext"]


def test_targets_from_abstracts_are_stored_apart_and_not_redone(tmp_path):
    db = tmp_path / "s.duckdb"
    papers = [
        Paper(id=f"t:{i}", source="t", venue="V", year=2018 + i % 2, title=title, abstract=abstract)
        for i, (title, abstract) in enumerate(
            [
                ("A faster transformer", "We make inference 3x faster at equal accuracy."),
                ("Better parsing", "Our parser outperforms the state of the art on PTB."),
                ("A bound", "We prove a lower bound on the sample complexity."),
                ("No abstract", None),
            ]
        )
    ]
    with Store(db) as store:
        store.migrate()
        store.upsert_papers(papers)
    # `greenlens extract` classifies them (no PDF fetched: nothing to extract from full text)
    result = CliRunner().invoke(
        cli, ["extract", "--db", str(db), "--no-progress", "--cache-dir", str(tmp_path / "cache")]
    )
    assert result.exit_code == 0, result.output
    assert (
        "target from title + abstract" in result.output and "3 papers classified" in result.output
    )
    with Store(db) as store:
        again = classify_abstracts(store, progress=False)
        rows = store.fetch_dicts("SELECT * FROM abstract_targets ORDER BY paper_id")
        assert store.scalar("SELECT count(*) FROM extractions") == 0
    assert again.classified == 0
    assert [r["paper_id"] for r in rows] == ["t:0", "t:1", "t:2"]
    assert {r["text_source"] for r in rows} == {"abstract"}
    assert {r["model"] for r in rows} == {METHOD}
    out = _json(
        "trends", "--db", str(db), "--kind", "targets", "--source", "abstract", "--format", "json"
    )
    by_year = {}
    for r in out["rows"]:
        by_year.setdefault(r["year"], []).append(r)
    assert sorted(by_year) == [2018, 2019]
    assert sum(r["k"] for r in by_year[2018]) == 2 and by_year[2018][0]["n"] == 2
    assert all("share_adjusted" in r and r["source"] == "abstract" for r in out["rows"])
    assert "abstract" in out["meta"]["denominator"]
    full = _json("trends", "--db", str(db), "--kind", "targets", "--format", "json")
    assert full["rows"] == []  # full-text targets are never filled from abstracts


def _abstract_store(tmp_path):
    """ACL and NeurIPS, 2018 and 2019, three papers each, targets from abstracts only."""
    db = tmp_path / "f.duckdb"
    texts = [
        "We make inference 3x faster at equal accuracy.",
        "Our parser outperforms the state of the art on PTB.",
        "We prove a lower bound on the sample complexity.",
    ]
    papers = [
        Paper(
            id=f"f:{venue}:{year}:{i}",
            source="t",
            venue=venue,
            year=year,
            title=f"Paper {i}",
            abstract=text,
        )
        for venue in ("ACL", "NeurIPS")
        for year in (2018, 2019)
        for i, text in enumerate(texts)
    ]
    with Store(db) as store:
        store.migrate()
        store.upsert_papers(papers)
        classify_abstracts(store, progress=False)
    return db


def test_figure2_honours_the_year_and_venue_filters(tmp_path):
    db = _abstract_store(tmp_path)
    out = _json(
        "trends",
        "--db",
        str(db),
        "--kind",
        "figure2",
        "--source",
        "abstract",
        "--years",
        "2018",
        "--venue",
        "acl",
        "--format",
        "json",
    )
    assert {(r["venue"], r["year"]) for r in out["rows"]} == {("ACL", 2018)}
    acc = next(r for r in out["rows"] if r["measure"] == "accuracy_incl_both")
    assert acc["n"] == 3 and acc["published"] == 0.90
    every = _json(
        "trends", "--db", str(db), "--kind", "figure2", "--source", "abstract", "--format", "json"
    )["rows"]
    cvpr = [r for r in every if (r["venue"], r["year"]) == ("CVPR", 2019)]
    assert cvpr and all(r["n"] == 0 and "not in this store" in r["note"] for r in cvpr)


def test_report_figure2_names_its_gold_and_honours_the_filters(tmp_path):
    from analysis.db import Filters
    from analysis.report import build_report

    with Store(_abstract_store(tmp_path), read_only=True) as store:
        html, _ = build_report(store, filters=Filters(years=(2019,)))
    every = html.split("The same question for every venue")[1]
    assert "2019" in every and "2018" not in every
    gold = error_rates.load_error_rates()["abstract"]["gold_set"]
    figure2 = html.split("Figure 2 of Green AI")[1]
    assert "error_rates_abstract" in figure2 and gold in figure2


def test_abstract_error_rates_say_which_gold_abstracts_had_no_text(tmp_path):
    gold = tmp_path / "g.jsonl"
    rows = [
        {"id": "a:1", "split": "test", "stratum": "random", "label": "efficiency"},
        {"id": "pmlr:2", "split": "test", "stratum": "random", "label": "accuracy"},
        {"id": "a:3", "split": "dev", "stratum": "random", "label": "other"},
    ]
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows))
    texts = {"a:1": ("Fast", "We make inference 3x faster."), "a:3": ("T", "A bound.")}
    entry = error_rates.measure_abstracts([gold], texts)
    assert entry["n"] == 1 and entry["files"] == ["a:1"]
    assert entry["left_out"] == ["pmlr:2"]


def test_abstracts_of_an_older_target_model_are_named_not_called_missing(tmp_path):
    db = _abstract_store(tmp_path)
    with Store(db) as store:
        store.execute("UPDATE abstract_targets SET model = 'tfidf:target/v0'")
    out = _json(
        "trends", "--db", str(db), "--kind", "targets", "--source", "abstract", "--format", "json"
    )
    assert out["rows"] == [] and "'tfidf:target/v0' (12 papers)" in out["meta"]["note"]
    fig = _json(
        "trends", "--db", str(db), "--kind", "figure2", "--source", "both", "--format", "json"
    )
    acl = [r for r in fig["rows"] if (r["venue"], r["year"]) == ("ACL", 2018)]
    assert acl and all(
        "greenlens extract" in r["note"] and "not in this store" not in r["note"] for r in acl
    )
