"""`greenlens check`: the reporting card of one PDF, and clean failures on bad files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pdfmaker
import pytest
from click.testing import CliRunner

from app.cli import cli
from corpus.errors import PDFError
from extractors.batch import extract_file
from extractors.card import HINTS, PaperReport, render_markdown, render_text
from extractors.isolate import Limits
from extractors.schema import CATEGORIES, TARGETS

REPO = Path(__file__).resolve().parents[1]
TRANSFORMER = "neurips2017-vaswani-transformer.pdf"


def _check(*args: str):
    return CliRunner().invoke(cli, ["check", *args])


def _assert_schema(data: dict, file: str, pages: int) -> None:
    assert list(data) == ["file", "pages", "title", "target", "labels"]
    assert data["file"] == file and data["pages"] == pages
    assert data["title"] is None or isinstance(data["title"], str)
    assert data["target"] in TARGETS
    assert list(data["labels"]) == list(CATEGORIES)
    for label in data["labels"].values():
        assert list(label) == ["reported", "evidence"]
        assert isinstance(label["reported"], bool)
        assert label["reported"] == bool(label["evidence"])
        for e in label["evidence"]:
            assert list(e) == ["page", "text", "value", "unit"]
            assert isinstance(e["page"], int) and 1 <= e["page"] <= pages
            assert isinstance(e["text"], str) and 0 < len(e["text"]) <= 300
            assert e["value"] is None or isinstance(e["value"], float)
            assert e["unit"] is None or isinstance(e["unit"], str)


@pytest.mark.shared
def test_check_json_on_real_papers(pdfs_dir):
    for name, pages in ((TRANSFORMER, 11), ("arxiv2017-howard-mobilenets.pdf", 9)):
        result = _check("--format", "json", str(pdfs_dir / name))
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        _assert_schema(data, name, pages)
        # evidence is verbatim text of the page it names
        from extractors.pdftext import read_pdf
        from extractors.textnorm import contains_quote

        raw = read_pdf(pdfs_dir / name)
        for label in data["labels"].values():
            for e in label["evidence"]:
                page_text = "\n".join(raw.pages[e["page"] - 1]).replace("\ufffe", "-")
                assert contains_quote(page_text, e["text"]) or contains_quote(
                    page_text.replace("-", ""), e["text"].replace("-", "")
                ), e


@pytest.mark.shared
def test_the_app_check_is_the_cli_check(pdfs_dir):
    """The app's check page and `greenlens check` give the same card for the same PDF."""
    from app.checker import check_bytes

    path = pdfs_dir / "arxiv2017-howard-mobilenets.pdf"
    result = _check("--format", "json", str(path))
    assert result.exit_code == 0, result.output
    cli_card = json.loads(result.stdout)
    app_card = check_bytes(path.read_bytes(), "upload.pdf")
    assert app_card["file"] == "upload.pdf"
    assert {**app_card, "file": cli_card["file"]} == cli_card


@pytest.mark.shared
def test_check_text_and_markdown_cards(pdfs_dir):
    report = extract_file(pdfs_dir / TRANSFORMER)
    assert isinstance(report, PaperReport) and report.title == "Attention Is All You Need"
    assert report.labels["hardware"].reported  # "8 NVIDIA P100 GPUs" on page 7
    text = render_text(report)
    assert "Attention Is All You Need" in text and "11 pages" in text
    for category in report.missing:
        assert HINTS[category] in text
    if not report.labels["energy"].reported:
        assert "greenlens meter -- <your training command>" in text
    md = render_markdown(report)
    assert md.startswith("## Attention Is All You Need") and "| Hardware | yes |" in md
    result = _check("--format", "markdown", str(pdfs_dir / TRANSFORMER))
    assert result.exit_code == 0 and result.stdout.strip() == md.strip()


def _bad_files(tmp_path: Path, real: Path | None) -> dict[str, Path]:
    files = {
        "empty": b"",
        "not_pdf": b"<!doctype html><html><body>404 Not Found</body></html>\n",
        "encrypted": pdfmaker.encrypted_pdf("Secret text"),
        # a header and an end marker around garbage: only the engine can tell
        "corrupt_body": b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n",
    }
    if real is not None:
        data = real.read_bytes()
        files["truncated"] = data[: len(data) * 2 // 3]
    out = {}
    for name, data in files.items():
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        out[name] = path
    out["missing"] = tmp_path / "absent.pdf"
    return out


def test_check_bad_files_exit_2_with_one_line(tmp_path):
    from conftest import CORPUS  # the truncated case needs a real PDF; the rest run anyway

    real = CORPUS / "pdfs" / TRANSFORMER
    files = _bad_files(tmp_path, real if real.exists() else None)
    expected = {
        "empty": "empty",
        "not_pdf": "not a PDF",
        "encrypted": "encrypted",
        "corrupt_body": "corrupt",
        "truncated": "truncated",
        "missing": "no such file",
    }
    for name, path in files.items():
        result = _check("--format", "json", str(path))
        assert result.exit_code == 2, (name, result.output)
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (name, result.stderr)
        assert expected[name] in lines[0], (name, lines[0])


def test_check_subprocess_exit_code_and_stderr(tmp_path):
    bad = tmp_path / "locked.pdf"
    bad.write_bytes(pdfmaker.encrypted_pdf("Secret text"))
    proc = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "check", str(bad)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "encrypted" in proc.stderr


def test_check_small_pdf_in_worker(tmp_path):
    path = tmp_path / "hello.pdf"
    path.write_bytes(pdfmaker.text_pdf("We trained the model on 8 NVIDIA V100 GPUs."))
    report = extract_file(path)
    data = report.to_json_dict()
    _assert_schema(data, "hello.pdf", 1)
    assert data["labels"]["hardware"]["reported"]
    assert data["labels"]["hardware"]["evidence"][0]["page"] == 1


@pytest.mark.shared
def test_time_limit_gives_timeout_record(pdfs_dir):
    big = pdfs_dir / "cvpr2022-zhai-scalingvit.pdf"  # 31 pages: far over 20 ms
    with pytest.raises(PDFError) as info:
        extract_file(big, limits=Limits(timeout_s=0.02))
    assert info.value.reason == "timeout"
    result = _check("--timeout", "0.02", str(big))
    assert result.exit_code == 2 and "timeout" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_memory_limit_gives_memory_record(tmp_path):
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(pdfmaker.bomb_pdf(160))  # 160 MiB of content from a 160 KiB file
    with pytest.raises(PDFError) as info:
        extract_file(bomb, limits=Limits(timeout_s=60, memory_mb=48))
    assert info.value.reason == "memory"


def behave(kind: str) -> str:
    """A task for the isolation tests: answers, hangs, crashes the process or raises."""
    if kind == "hang":
        import time

        time.sleep(60)
    if kind == "crash":
        import ctypes

        ctypes.string_at(0)  # SIGSEGV, like a crash inside the C engine
    if kind == "raise":
        raise ValueError("a bug in a detector")
    return f"ok {kind}"


def test_isolation_survives_crash_hang_and_exceptions():
    from extractors.isolate import run_isolated

    tasks = [(k, (k,)) for k in ("crash", "after-crash", "hang", "raise", "last")]
    results = dict(
        run_isolated(behave, tasks, workers=1, limits=Limits(timeout_s=3, memory_mb=None))
    )
    assert set(results) == {k for k, _ in tasks}
    assert isinstance(results["crash"], PDFError) and results["crash"].reason == "corrupt"
    assert "SIGSEGV" in results["crash"].message
    assert results["after-crash"] == "ok after-crash"  # a fresh worker took over
    assert isinstance(results["hang"], PDFError) and results["hang"].reason == "timeout"
    assert isinstance(results["raise"], PDFError) and "ValueError" in results["raise"].message
    assert results["last"] == "ok last"
