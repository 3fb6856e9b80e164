"""`greenlens ingest` under hostile input: bad years, odd encodings, links out of the folder;
every rejected row is recorded in the store, shown by `status`, and makes the exit code 1."""

from __future__ import annotations

import json
import os

import pdfmaker
import pytest
from click.testing import CliRunner

from app.cli import cli
from corpus.ingest import parse_year
from corpus.store import Store


def _run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "subs"
    d.mkdir()
    for i in range(4):
        (d / f"p{i}.pdf").write_bytes(pdfmaker.text_pdf(f"Paper number {i} about cost"))
    return d


def _ids(db) -> set[str]:
    with Store(db, read_only=True) as s:
        return {p.id for p in s.papers()}


def test_bad_years_reject_their_row_and_the_rest_is_ingested(folder, tmp_path):
    man = tmp_path / "m.csv"
    man.write_text(
        "file,id,venue,year\n"
        "p0.pdf,a,CONF,2024\n"
        "p1.pdf,b,CONF,twenty\n"
        "p2.pdf,c,CONF,2024.0\n"
        "p3.pdf,d,CONF,99999\n"
        "p3.pdf,e,CONF,-5\n"
        "p3.pdf,f,CONF,2023\n"
    )
    db = tmp_path / "s.duckdb"
    res = _run("ingest", folder, "--manifest", man, "--db", db, "--json")
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    out = json.loads(res.stdout)
    assert out["new"] == 2  # rows after the bad ones were processed
    assert [(r["item"], r["file"]) for r in out["failed"]] == [
        ("row 3", "p1.pdf"),
        ("row 4", "p2.pdf"),
        ("row 5", "p3.pdf"),
        ("row 6", "p3.pdf"),
    ]
    assert all("bad year" in r["reason"] for r in out["failed"])
    # p3.pdf is rejected on two rows and ingested on a third: keyed by row, not file name
    assert _ids(db) == {"local:a", "local:f"}


def test_parse_year_bounds():
    assert parse_year(" 2024 ") == 2024
    for bad in ("twenty", "2024.0", "99999", "-5", "", "1e3", "1899", "2101"):
        with pytest.raises(Exception, match="bad year"):
            parse_year(bad)


def test_year_option_is_range_checked(folder, tmp_path):
    res = _run("ingest", folder, "--venue", "X", "--year", "99999", "--db", tmp_path / "s.db")
    assert res.exit_code == 2 and "99999" in res.output and "Traceback" not in res.output


def test_latin1_manifest_is_read(folder, tmp_path):
    man = tmp_path / "m.csv"
    man.write_bytes(
        "file,id,title,venue,year\np0.pdf,a,Réseaux économes,CONF,2024\n".encode("latin-1")
    )
    db = tmp_path / "s.duckdb"
    res = _run("ingest", folder, "--manifest", man, "--db", db)
    assert res.exit_code == 0, res.output
    with Store(db, read_only=True) as s:
        assert s.get_paper("local:a").title == "Réseaux économes"


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,  # random-looking bytes, NULs included
        b"\x81\x8d\x8f\x90\x9d" * 20,  # neither UTF-8 nor Windows-1252
        b'file,id\n"p0.pdf,unterminated' + b"x" * 200_000,  # over csv's field limit
        b"id,title\n1,no file column\n",
        b"",
    ],
)
def test_unreadable_manifest_is_one_line_and_exit_2(folder, tmp_path, data):
    man = tmp_path / "m.csv"
    man.write_bytes(data)
    db = tmp_path / "s.duckdb"
    res = _run("ingest", folder, "--manifest", man, "--db", db)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and res.stderr.count("\n") == 1
    assert res.stderr.startswith("error: manifest")


def test_rejections_are_stored_and_shown_by_status(folder, tmp_path):
    (folder / "broken.pdf").write_bytes(b"<html>not a pdf</html>")
    db = tmp_path / "s.duckdb"
    res = _run("ingest", folder, "--venue", "X", "--year", "2020", "--db", db)
    assert res.exit_code == 1 and "rejected broken.pdf" in res.output
    status = _run("status", "--db", db, "--json")
    assert status.exit_code == 0, status.output
    ingest = json.loads(status.stdout)["failures"]["ingest"]
    assert [(f["item"], f["location"]) for f in ingest] == [("broken.pdf", str(folder.resolve()))]
    assert "not a PDF" in ingest[0]["reason"]
    text = _run("status", "--db", db).output
    assert "ingest: 1" in text and "broken.pdf" in text and "not a PDF" in text
    # fixed and ingested again: the rejection of that folder is replaced, none left
    (folder / "broken.pdf").unlink()
    assert _run("ingest", folder, "--venue", "X", "--year", "2020", "--db", db).exit_code == 0
    assert json.loads(_run("status", "--db", db, "--json").stdout)["failures"]["ingest"] == []


def test_symlink_out_of_the_folder_is_refused_without_manifest(folder, tmp_path):
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n" * 3)
    os.symlink(outside, folder / "evil.pdf")
    os.symlink("/etc/passwd", folder / "passwd.pdf")
    db = tmp_path / "s.duckdb"
    res = _run("ingest", folder, "--venue", "X", "--year", "2020", "--db", db)
    assert res.exit_code == 1
    assert "root:" not in res.output  # nothing of the target is read or printed
    assert "rejected evil.pdf: file name 'evil.pdf' leaves the directory (link)" in res.output
    assert "rejected passwd.pdf" in res.output and len(_ids(db)) == 4


def test_same_id_on_two_rows_is_rejected_not_overwritten(folder, tmp_path):
    man = tmp_path / "m.csv"
    man.write_text("file,id,venue,year\np0.pdf,a,CONF,2024\np1.pdf,a,CONF,2024\n")
    db = tmp_path / "s.duckdb"
    res = _run("ingest", folder, "--manifest", man, "--db", db, "--json")
    assert res.exit_code == 1
    failed = json.loads(res.stdout)["failed"]
    assert [f["item"] for f in failed] == ["row 3"] and "already used by row 2" in failed[0][
        "reason"
    ]


def test_copies_of_one_pdf_without_ids_are_one_paper_not_a_rejection(folder, tmp_path):
    (folder / "copy.pdf").write_bytes((folder / "p0.pdf").read_bytes())
    db = tmp_path / "s.duckdb"
    res = _run("ingest", folder, "--venue", "X", "--year", "2020", "--db", db, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["failed"] == [] and out["new"] == 4 and out["unchanged"] == 1
    assert len(_ids(db)) == 4
