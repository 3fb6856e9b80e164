"""`greenlens trends` exports and `greenlens report` on the real store."""

from __future__ import annotations

import base64
import json
import re

import duckdb
import pytest
import real_store
from click.testing import CliRunner

from app.cli import cli

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def db_file(tmp_path_factory, corpus_dir):
    return str(real_store.cached_store(tmp_path_factory, corpus_dir))


def _run(*args):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_trends_csv_matches_json_and_filters(db_file):
    csv_text = _run(
        "trends",
        "--db",
        db_file,
        "--venue",
        "ICML",
        "--years",
        "2015-2024",
        "--category",
        "runtime",
        "--format",
        "csv",
    )
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("venue,year,category,k,n,share,ci_low,ci_high")
    body = [ln.split(",") for ln in lines[1:]]
    assert body and all(r[0] == "ICML" and r[2] == "runtime" for r in body)
    data = json.loads(
        _run(
            "trends",
            "--db",
            db_file,
            "--venue",
            "ICML",
            "--years",
            "2015-2024",
            "--category",
            "runtime",
            "--format",
            "json",
        )
    )
    assert [(r["year"], r["k"], r["n"]) for r in data["rows"]] == [
        (int(r[1]), int(r[3]), int(r[4])) for r in body
    ]
    assert "successful extraction" in data["meta"]["denominator"]
    assert data["meta"]["interval"] == "Wilson score 95%"


def test_trends_parquet_round_trip(db_file, tmp_path):
    out = tmp_path / "shares.parquet"
    _run("trends", "--db", db_file, "--format", "parquet", "--out", str(out))
    rows = (
        duckdb.connect()
        .execute("SELECT sum(n), count(DISTINCT category) FROM read_parquet(?)", [str(out)])
        .fetchall()
    )
    assert rows[0][1] == 7
    table = json.loads(_run("trends", "--db", db_file, "--format", "json"))
    assert rows[0][0] == sum(r["n"] for r in table["rows"])


def test_trends_other_kinds_and_table(db_file):
    text = _run("trends", "--db", db_file, "--kind", "tests")
    assert "slope_per_year" in text and "flops" in text
    targets = json.loads(
        _run("trends", "--db", db_file, "--kind", "targets", "--pool", "--format", "json")
    )
    assert {r["target"] for r in targets["rows"]} == {"accuracy", "efficiency", "both", "other"}
    comp = json.loads(
        _run(
            "trends",
            "--db",
            db_file,
            "--kind",
            "compute",
            "--utilisation",
            "0.4",
            "--format",
            "json",
        )
    )
    assert any(
        r["estimate_label"].startswith("estimate:") and "0.4 utilisation" in r["estimate_label"]
        for r in comp["rows"]
    )


def test_trends_errors_are_clean(db_file, tmp_path):
    result = CliRunner().invoke(cli, ["trends", "--db", db_file, "--years", "2024-2018"])
    assert result.exit_code == 2 and "error:" in result.output
    result = CliRunner().invoke(cli, ["trends", "--db", db_file, "--format", "parquet"])
    assert result.exit_code == 2 and "--out" in result.output
    result = CliRunner().invoke(cli, ["trends", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2 and "no store" in result.output


def test_report_is_one_static_file_with_sources(db_file, tmp_path):
    out, pngs = tmp_path / "report.html", tmp_path / "png"
    _run("report", "--db", db_file, "--out", str(out), "--png-dir", str(pngs))
    html = out.read_text()
    # no server and nothing fetched: every image is inline, no script, no external URL
    assert "<script" not in html.lower()
    assert not re.search(r'(src|href)="(?!data:)', html)
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) >= 3
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert sorted(p.name for p in pngs.iterdir()) == [
        "category_trends.png",
        "compute.png",
        "figure2_trends.png",
        "target_shares.png",
    ]
    # the Green AI comparison with the published shares and what is missing here
    assert "Figure 2 of Green AI" in html and "Schwartz" in html
    assert re.search(r"Not in this store: ACL 2018", html)  # this store lacks it
    assert "adj." in html and "Rogan-Gladen" in html
    for phrase in (
        "wilson",
        "successful extraction",
        "utilisation",
        "estimate:",
        "logistic regression",
        "denominator",
    ):
        assert phrase in html.lower()
    assert "digits" not in html and "No replication runs" in html


def test_report_escapes_titles(tmp_path, store):
    from corpus.records import Paper

    store.upsert_papers(
        [Paper(id="x:1", source="x", venue="V<b>", year=2020, title="<script>alert(1)</script>")]
    )
    store.execute(
        "INSERT INTO extractions (paper_id, extractor_version, status, target) "
        "VALUES ('x:1', 'v', 'ok', 'accuracy')"
    )
    store.execute(
        "INSERT INTO findings (paper_id, category, rank, reported, evidence, page, "
        "value, unit, method, extractor_version) VALUES ('x:1', 'flops', 0, true, '<img src=x>', 1, "
        "5e9, 'FLOPs', 'm', 'v')"
    )
    from analysis.report import build_report

    html, _ = build_report(store)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<img src=x>" not in html


def test_app_command_fails_cleanly_without_a_store(tmp_path):
    result = CliRunner().invoke(cli, ["app", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2 and "no store" in result.output


def test_app_command_line_is_local_and_headless():
    from app.serve import APP_SCRIPT, streamlit_command

    cmd = streamlit_command("127.0.0.1", 8599)
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == str(APP_SCRIPT)
    opts = dict(zip(cmd[5::2], cmd[6::2]))
    assert opts["--server.address"] == "127.0.0.1" and opts["--server.port"] == "8599"
    assert opts["--server.headless"] == "true"
    assert opts["--browser.gatherUsageStats"] == "false"
