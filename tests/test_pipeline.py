"""The main job end to end on the real snapshot: crawl -> ingest -> extract -> report."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli import cli
from corpus.store import Store


@pytest.mark.slow
def test_pipeline_on_snapshot_then_resume(tmp_path, corpus_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = [
        "pipeline",
        "--snapshot",
        str(corpus_dir),
        "--sample",
        "3",
        "--workers",
        "2",
        "--no-progress",
        "--db",
        "store.duckdb",
        "--cache-dir",
        "cache",
    ]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    report = tmp_path / "greenlens-out" / "report.html"
    assert report.exists() and "<img" in report.read_text()
    with Store(tmp_path / "store.duckdb", read_only=True) as store:
        fetched = store.scalar("SELECT count(*) FROM papers WHERE status = 'fetched'")
        done = store.scalar("SELECT count(*) FROM extractions WHERE status = 'ok'")
        sources = dict(store.fetchall("SELECT source, count(*) FROM papers GROUP BY source"))
        findings = store.scalar("SELECT count(DISTINCT paper_id) FROM findings")
    # 40 PMLR PDFs in the mirror + 68 other snapshot PDFs ingested with their manifest
    assert fetched == 108 and done == 108 and findings == 108
    assert sources["acl"] == 3 and sources["mlanthology"] == 3 and sources["local"] == 68
    assert "missing from the snapshot" in first.output  # reported, never invented
    assert "flops" in first.output and "search_budget" in first.output

    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert "0 extracted, 108 already done" in again.output
    assert "PDFs 0 new" in again.output


@pytest.mark.slow
def test_pipeline_on_a_snapshot_of_other_volumes_and_whole_proceedings(
    tmp_path, corpus_dir, monkeypatch
):
    """A snapshot holding only PMLR v262 and ICLR 2018 (no pdfs/, no ACL): the main job
    crawls what it holds; --whole iclr takes every ICLR 2018 paper, not a sample; every
    paper with an abstract gets a target from title + abstract."""
    import shutil

    snap = tmp_path / "snap"
    shutil.copytree(corpus_dir / "pmlr" / "v262", snap / "pmlr" / "v262")
    (snap / "mlanthology").mkdir(parents=True)
    shutil.copy(corpus_dir / "mlanthology" / "iclr-2018.json.gz", snap / "mlanthology")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli,
        [
            "pipeline",
            "--snapshot",
            str(snap),
            "--whole",
            "iclr",
            "--years",
            "2018",
            "--no-progress",
            "--db",
            "store.duckdb",
            "--cache-dir",
            "cache",
        ],
    )
    assert result.exit_code == 0, result.output
    with Store(tmp_path / "store.duckdb", read_only=True) as store:
        by_venue = dict(store.fetchall("SELECT venue, count(*) FROM papers GROUP BY venue"))
        with_abstract = store.scalar(
            "SELECT count(*) FROM papers WHERE abstract IS NOT NULL AND length(trim(abstract)) > 0"
        )
        classified = store.scalar("SELECT count(*) FROM abstract_targets")
    assert by_venue["ICLR"] == 337  # the whole of ICLR 2018 (corpus README), not a sample
    assert sum(by_venue.values()) == 337 + 46  # + every paper of PMLR v262
    assert classified == with_abstract > 337
    assert "target from title + abstract" in result.output
    assert (tmp_path / "greenlens-out" / "report.html").exists()


def test_plan_takes_the_ml_anthology_years_a_snapshot_holds(tmp_path):
    """A snapshot of ICLR 2013-2014 only: sampled and whole crawls ask for those years (a
    fixed 2018-2024 / 2015-2024 list would list nothing); --years still wins."""
    from app.main_job import PipelineOptions, plan

    (tmp_path / "mlanthology").mkdir()
    for name in ("iclr-2013.json.gz", "iclr-2014.json", "iclr-notes.json", "icml-2020.txt"):
        (tmp_path / "mlanthology" / name).write_text("")
    sampled = plan(PipelineOptions(snapshot=tmp_path))
    assert [(c.source, c.venues, c.years) for c in sampled] == [
        ("mlanthology", ("iclr",), (2013, 2014))
    ]
    whole = plan(PipelineOptions(snapshot=tmp_path, whole=("iclr",)))
    assert [c.years for c in whole] == [(2013, 2014)] and whole[0].sample is None
    asked = plan(PipelineOptions(snapshot=tmp_path, years=(2014,)))
    assert [c.years for c in asked] == [(2014,)]
