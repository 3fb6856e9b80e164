"""Extraction under hostile input and interruption: honest reasons for odd PDFs, failed
extractions retried and shown by `status`, Ctrl-C exits 130 with what was done stored."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pdfmaker
import pytest
from click.testing import CliRunner

from app.cli import cli
from corpus.pdfcache import PdfCache, verify_pdf
from corpus.records import Paper
from corpus.store import Store
from extractors.pdftext import read_pdf

REPO = Path(__file__).resolve().parents[1]
SEED_PDF = "mirror/proceedings.mlr.press/v48/achim16.pdf"  # 9 pages

ZERO_PAGES = pdfmaker._assemble(
    [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
)


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _reason(call) -> tuple[str, str]:
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the test reads the reason of any PDFError
        return getattr(exc, "reason", type(exc).__name__), str(exc)
    return "ok", ""


def test_zero_page_pdf_is_empty_even_after_an_encrypted_one(tmp_path):
    zero, enc = tmp_path / "zero.pdf", tmp_path / "enc.pdf"
    zero.write_bytes(ZERO_PAGES)
    enc.write_bytes(pdfmaker.encrypted_pdf("secret"))
    for _ in range(2):  # the order matters: pdfium's error code is left from the last file
        for path, want in ((zero, "empty"), (enc, "encrypted"), (zero, "empty")):
            for call in (lambda p=path: read_pdf(p), lambda p=path: verify_pdf(p.read_bytes())):
                reason, message = _reason(call)
                assert reason == want, message
                assert "Success" not in message
    res = _run("check", zero)
    assert res.exit_code == 2 and "no pages" in res.stderr and res.stderr.count("\n") == 1


@pytest.fixture
def real_store(tmp_path, pdfs_dir):
    """A store with `n` distinct copies of a real 9-page paper, fetched into the cache."""

    def build(n: int) -> tuple[Path, Path]:
        db, cache = tmp_path / "s.duckdb", PdfCache(tmp_path / "cache")
        seed = (pdfs_dir / SEED_PDF).read_bytes()
        with Store(db) as store:
            store.upsert_papers(
                [Paper(f"p:{i}", "test", "TEST", 2020, f"paper {i}") for i in range(n)]
            )
            for i in range(n):
                cached = cache.put(seed + f"\n% copy {i}\n".encode())
                store.set_pdf_state(
                    f"p:{i}", status="fetched", pdf_sha256=cached.sha256, pages=cached.pages
                )
        return db, cache.root

    return build


@pytest.mark.shared
def test_timed_out_extractions_are_retried_and_shown_by_status(real_store):
    db, cache = real_store(2)
    res = _run(
        "extract",
        "--db",
        db,
        "--cache-dir",
        cache,
        "--timeout",
        "0.01",
        "--no-progress",
        "--workers",
        "1",
    )
    assert res.exit_code == 0 and "2 errors" in res.stdout, res.output
    status = json.loads(_run("status", "--db", db, "--json").stdout)
    assert status["venues"][0]["extract_errors"] == 2
    assert [f["paper_id"] for f in status["failures"]["extract"]] == ["p:0", "p:1"]
    assert all(f["reason"].startswith("timeout:") for f in status["failures"]["extract"])
    assert "extract: 2" in _run("status", "--db", db).stdout
    res = _run("extract", "--db", db, "--cache-dir", cache, "--no-progress", "--workers", "1")
    assert "2 extracted, 0 already up to date, 0 errors" in res.stdout, res.output
    status = json.loads(_run("status", "--db", db, "--json").stdout)
    assert status["failures"]["extract"] == [] and status["venues"][0]["extracted"] == 2
    res = _run("extract", "--db", db, "--cache-dir", cache, "--no-progress")
    assert "0 extracted, 2 already up to date" in res.stdout  # a rerun does nothing


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.shared
def test_ctrl_c_during_extract_exits_130_and_keeps_what_was_done(real_store):
    db, cache = real_store(60)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from app.cli import main; main()",
            "extract",
            "--db",
            str(db),
            "--cache-dir",
            str(cache),
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
        # as a terminal's foreground job gets it: a suite started from a non-interactive
        # shell's background job (`cmd &`) has SIGINT ignored, and children inherit that
        preexec_fn=_default_sigint,
    )
    # wait until the progress bar shows work done, then Ctrl-C (the terminal signals the
    # whole foreground process group, workers included)
    seen = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if select.select([proc.stderr], [], [], 1.0)[0]:
            seen += os.read(proc.stderr.fileno(), 4096)
        if re.search(rb" [1-9][0-9]?/60 ", seen):
            break
    os.killpg(proc.pid, signal.SIGINT)
    _, rest = proc.communicate(timeout=120)
    err = (seen + rest).decode(errors="replace")
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted" in err and "Aborted!" not in err and "Traceback" not in err
    with Store(db, read_only=True) as s:  # the store opens; whole papers only
        done = s.scalar("SELECT count(*) FROM extractions WHERE status = 'ok'")
        assert 0 < done < 60  # some papers were done and stored, not all


@pytest.mark.parametrize(
    "data", [b"<html>not a pdf</html>", ZERO_PAGES, pdfmaker.encrypted_pdf("x"), b""]
)
def test_check_upload_errors_name_the_upload_not_the_server_path(data):
    import tempfile

    from app.checker import check_bytes
    from corpus.errors import PDFError

    with pytest.raises(PDFError) as info:
        check_bytes(data, "../../my paper.pdf")
    text = str(info.value)
    assert "my paper.pdf" in text and tempfile.gettempdir() not in text
    assert "greenlens-upload-" not in text and "../" not in text


@pytest.mark.shared
def test_a_forced_rerun_over_the_limit_keeps_the_earlier_result(real_store):
    db, cache = real_store(1)
    res = _run("extract", "--db", db, "--cache-dir", cache, "--no-progress", "--workers", "1")
    assert "1 extracted" in res.stdout, res.output
    with Store(db, read_only=True) as s:
        before = s.fetch_dicts("SELECT * FROM findings ORDER BY ALL")
    res = _run(
        "extract",
        "--db",
        db,
        "--cache-dir",
        cache,
        "--no-progress",
        "--workers",
        "1",
        "--force",
        "--timeout",
        "0.01",
    )
    assert "1 errors" in res.stdout and "timeout 1" in res.stdout, res.output
    with Store(db, read_only=True) as s:  # the timeout did not replace the result
        assert s.scalar("SELECT status FROM extractions") == "ok"
        assert s.fetch_dicts("SELECT * FROM findings ORDER BY ALL") == before
