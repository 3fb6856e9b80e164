"""The CLI's error contract and the store checks at open: one line and exit 2 for bad input
or environment, a friendly lock message, no writes to a store a newer greenlens made."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import duckdb
import pdfmaker
import pytest
import real_store
from click.testing import CliRunner

from app.cli import cli
from corpus.errors import StoreError
from corpus.store import Store


def _run(*args: str, **kw):
    return CliRunner().invoke(cli, [str(a) for a in args], **kw)


def _one_line_error(res, code: int = 2) -> str:
    assert res.exit_code == code, res.output
    assert (
        "Traceback" not in res.output
        and res.exception is None
        or isinstance(res.exception, SystemExit)
    )
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
    return res.stderr


@pytest.fixture(scope="module")
def db_file(tmp_path_factory, corpus_dir):
    return str(real_store.cached_store(tmp_path_factory, corpus_dir))


# -- item 8: --out into a missing folder or an unwritable path ---------------------------


@pytest.mark.shared
def test_trends_and_report_out_make_the_folder(db_file, tmp_path):
    out = tmp_path / "new" / "deeper" / "t.csv"
    res = _run("trends", "--db", db_file, "--format", "csv", "--out", out)
    assert res.exit_code == 0, res.output
    assert out.read_text().startswith("venue,year")
    rep = tmp_path / "r" / "report.html"
    res = _run("report", "--db", db_file, "--out", rep)
    assert res.exit_code == 0, res.output and rep.stat().st_size > 1000


@pytest.mark.shared
def test_trends_and_report_out_unwritable_is_one_line(db_file, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for cmd in (["trends", "--format", "csv"], ["trends", "--format", "parquet"], ["report"]):
        res = _run(*cmd, "--db", db_file, "--out", blocker / "x.out")
        assert "cannot write" in _one_line_error(res)
    res = _run("trends", "--db", db_file, "--out", tmp_path)  # a directory: a usage error
    assert (
        res.exit_code == 2
        and "is a directory" in res.stderr
        and res.exception is not None
        and isinstance(res.exception, SystemExit)
    )


# -- item 11: venues matched as crawl matches them, years as crawl reads them --------------


@pytest.mark.shared
def test_trends_venue_is_case_insensitive_and_unknown_is_an_error(db_file):
    upper = _run("trends", "--db", db_file, "--venue", "ICML", "--format", "json")
    lower = _run("trends", "--db", db_file, "--venue", "icml", "--format", "json")
    assert upper.exit_code == lower.exit_code == 0
    rows = json.loads(lower.stdout)["rows"]
    assert rows and rows == json.loads(upper.stdout)["rows"]
    assert "no venue 'nonexistent'" in _one_line_error(
        _run("trends", "--db", db_file, "--venue", "nonexistent")
    )


@pytest.mark.shared
def test_trends_accepts_year_lists_like_crawl(db_file):
    res = _run("trends", "--db", db_file, "--years", "2016,2019", "--format", "json")
    assert res.exit_code == 0, res.output
    years = {r["year"] for r in json.loads(res.stdout)["rows"]}
    whole = {
        r["year"]
        for r in json.loads(_run("trends", "--db", db_file, "--format", "json").stdout)["rows"]
    }
    assert years == whole & {2016, 2019} and years
    assert "before" in _one_line_error(_run("trends", "--db", db_file, "--years", "2019-2016"))


@pytest.mark.shared
def test_crawl_of_a_venue_the_source_lacks_is_an_error(corpus_dir, tmp_path):
    res = _run(
        "crawl",
        "pmlr",
        "--snapshot",
        corpus_dir,
        "--venue",
        "nonexistent",
        "--db",
        tmp_path / "s.duckdb",
        "--no-progress",
    )
    assert "listed no papers" in _one_line_error(res)


# -- item 9: a store another process is writing -----------------------------------------


@pytest.fixture
def locked_store(tmp_path):
    """A store held open for writing by another process (as `extract` holds it)."""
    db = tmp_path / "locked.duckdb"
    Store(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('held', flush=True); time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    yield db, holder.pid
    holder.kill()
    holder.wait()


def test_status_while_a_writer_holds_the_store(locked_store, monkeypatch):
    db, pid = locked_store
    monkeypatch.setenv("GREENLENS_LOCK_WAIT_S", "0.5")
    started = time.monotonic()
    err = _one_line_error(_run("status", "--db", db))
    assert time.monotonic() - started >= 0.5  # it waited for the writer first
    assert f"is being written by another process (PID {pid}" in err
    assert "IO Error" not in err and "Conflicting lock" not in err


def test_app_starts_while_a_writer_holds_the_store(locked_store, monkeypatch):
    import app.serve

    db, _ = locked_store
    served = []
    monkeypatch.setattr(app.serve, "serve", lambda path, host, port: served.append(path) or 0)
    res = _run("app", "--db", db)
    assert res.exit_code == 0, res.output
    assert served == [db] and "being written by another process" in res.stderr


# -- item 10: a store from a newer greenlens, a changed column ----------------------------


def test_newer_store_is_not_written(tmp_path):
    db = tmp_path / "s.duckdb"
    Store(db).close()
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO _migrations (name) VALUES ('9999_from_the_future')")
    con.close()
    with pytest.raises(StoreError, match="newer greenlens.*9999_from_the_future"):
        Store(db, refuse_newer=True)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(pdfmaker.text_pdf("a paper"))
    res = _run(
        "ingest",
        folder,
        "--venue",
        "X",
        "--year",
        "2020",
        "--db",
        db,
        "--cache-dir",
        tmp_path / "cache",
    )
    assert "newer greenlens" in _one_line_error(res)
    assert not (tmp_path / "cache").exists()  # refused before any work
    with Store(db, read_only=True) as s:  # reading stays possible, and is flagged
        assert s.unknown_migrations == ["9999_from_the_future"]
    res = _run("status", "--db", db)
    assert res.exit_code == 0 and "warning:" in res.stderr and "newer greenlens" in res.stderr


def test_changed_column_fails_at_open_not_after_the_work(tmp_path):
    db = tmp_path / "s.duckdb"
    Store(db).close()
    con = duckdb.connect(str(db))
    con.execute("DROP INDEX papers_venue_year")
    con.execute("ALTER TABLE papers ALTER pages TYPE VARCHAR")
    con.close()
    with pytest.raises(StoreError, match="papers.pages is VARCHAR, expected INTEGER"):
        Store(db)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(pdfmaker.text_pdf("a paper"))
    res = _run(
        "ingest",
        folder,
        "--venue",
        "X",
        "--year",
        "2020",
        "--db",
        db,
        "--cache-dir",
        tmp_path / "cache",
    )
    assert "papers.pages" in _one_line_error(res) and not (tmp_path / "cache").exists()


def test_not_a_store_is_one_line(tmp_path):
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"this is not a database" * 100)
    for cmd in (["status"], ["trends"], ["extract", "--no-progress"]):
        assert "junk.duckdb" in _one_line_error(_run(*cmd, "--db", junk))
    with pytest.raises(StoreError, match="is a directory"):
        Store(tmp_path)


def test_an_export_never_writes_over_a_store(tmp_path):
    db = tmp_path / "s.duckdb"
    Store(db).close()
    size = db.stat().st_size
    for cmd in (
        ["trends", "--format", "csv", "--out", db],
        ["report", "--out", db],
        ["evp", "x", "--plot", db],
    ):
        assert "is a DuckDB store" in _one_line_error(_run(*cmd, "--db", db))
    assert db.stat().st_size == size
    with Store(db, read_only=True) as s:
        assert s.scalar("SELECT count(*) FROM papers") == 0


@pytest.mark.shared
def test_what_a_crawl_could_not_read_is_stored_and_shown(corpus_dir, tmp_path):
    folder = tmp_path / "ml"
    folder.mkdir()
    (folder / "icml-2016.json.gz").write_bytes(
        (corpus_dir / "mlanthology" / "icml-2016.json.gz").read_bytes()
    )
    (folder / "icml-2017.json.gz").write_bytes(b"garbage")
    db = tmp_path / "s.duckdb"
    args = [
        "crawl",
        "mlanthology",
        "--mlanthology-dir",
        folder,
        "--venue",
        "icml",
        "--years",
        "2016-2017",
        "--offline",
        "--no-progress",
        "--db",
        db,
    ]
    assert _run(*args).exit_code == 0
    failures = json.loads(_run("status", "--db", db, "--json").stdout)["failures"]["crawl"]
    assert [(f["location"], f["item"]) for f in failures] == [
        ("mlanthology venues=icml years=2016,2017", str(folder / "icml-2017.json.gz"))
    ]
    assert "malformed JSON" in failures[0]["reason"]
    assert "icml-2017.json.gz: malformed JSON" in _run("status", "--db", db).stdout
    (folder / "icml-2017.json.gz").unlink()  # fixed: the same crawl again clears it
    (folder / "icml-2017.json.gz").write_bytes(
        (corpus_dir / "mlanthology" / "icml-2016.json.gz").read_bytes()
    )
    assert _run(*args).exit_code == 0
    assert json.loads(_run("status", "--db", db, "--json").stdout)["failures"]["crawl"] == []


@pytest.mark.parametrize(
    "data, want",
    [
        (bytes(range(256)), "not UTF-8"),
        (b"{not json}\n", "line 1 is not JSON"),
        (b'{"file": "a.pdf", "id": "x"}\n\n[1, 2]\n', "line 3 is not a JSON object"),
        (b'{"x": 1}\n', "has no"),
    ],
)
def test_bad_jsonl_inputs_are_one_line(tmp_path, data, want):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(data)
    for cmd in (
        ["eval", bad, "--pdfs", tmp_path],
        ["gold", "agreement", bad, bad],
        ["train-target", "--gold", bad, "--corpus", tmp_path, "--out", tmp_path / "m.json"],
    ):
        err = _one_line_error(_run(*cmd))
        assert want in err and "bad.jsonl" in err, (cmd, err)
