"""The app in a real browser: Debian chromium driven by Playwright against `greenlens app`.

One server for all checks. Screenshots go to the artifacts_dir fixture folder.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import real_store

pytestmark = [pytest.mark.browser, pytest.mark.shared, pytest.mark.slow]
CHROMIUM = os.environ.get("GREENLENS_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REAL_PDF = "neurips2017-vaswani-transformer.pdf"  # reports runtime, hardware, params


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"greenlens app exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} not healthy after {timeout_s} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory, corpus_dir):
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"Debian chromium not found at {CHROMIUM} (scripts/test installs it "
            f"with apt-get install chromium)"
        )
    pytest.importorskip("playwright.sync_api", reason="playwright (python) not installed")
    db = real_store.cached_store(tmp_path_factory, corpus_dir, replication=True)
    port = _free_port()
    exe = shutil.which("greenlens", path=str(Path(sys.executable).parent)) or "greenlens"
    log = tmp_path_factory.mktemp("app") / "server.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [exe, "app", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)],
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url, db
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 2000})
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        yield pg
        browser.close()


def _settle(page) -> None:
    """Wait until Streamlit has finished the current run."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000
    )


def test_trends_page_and_venue_filter(server, page, artifacts_dir):
    url, db = server
    page.goto(url)
    page.get_by_role("heading", name="Trends").wait_for()
    page.locator(".vega-embed").first.wait_for()
    _settle(page)
    page.screenshot(path=str(artifacts_dir / "app-trends.png"), full_page=True)
    metric = page.get_by_test_id("stMetricValue").first
    before = metric.inner_text()
    page.get_by_test_id("stMultiSelect").first.click()
    page.keyboard.type("ICML")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_function(
        "b => document.querySelector('[data-testid=\"stMetricValue\"]').innerText !== b", arg=before
    )
    _settle(page)
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        n_icml = con.execute(
            "SELECT count(*) FROM extractions e JOIN papers p ON p.id = "
            "e.paper_id WHERE e.status = 'ok' AND p.venue = 'ICML' AND "
            "e.extractor_version = ?",
            [real_store.VERSION],
        ).fetchall()[0][0]
    assert metric.inner_text() == str(n_icml)
    page.screenshot(path=str(artifacts_dir / "app-trends-icml.png"), full_page=True)


def test_papers_page_search_and_card(server, page, artifacts_dir):
    import duckdb

    url, db = server
    with duckdb.connect(str(db), read_only=True) as con:
        title, pdf_url, pg = con.execute(
            "SELECT p.title, p.pdf_url, f.page FROM papers p JOIN findings f ON f.paper_id = "
            "p.id WHERE p.source = 'pmlr' AND f.reported AND f.category = 'hardware' "
            "ORDER BY p.id, f.rank LIMIT 1"
        ).fetchall()[0]
    page.goto(f"{url}/papers")
    page.get_by_role("heading", name="Papers").wait_for()
    box = page.get_by_label("Title contains")
    box.fill(title)
    box.press("Enter")
    page.get_by_text(re.compile(r"^1 papers match")).wait_for()
    page.get_by_text(re.compile(r"hardware: reported")).wait_for()
    _settle(page)
    link = page.locator(f"a[href='{pdf_url}#page={pg}']")
    assert link.count() >= 1 and link.first.inner_text() == f"p. {pg}"
    page.screenshot(path=str(artifacts_dir / "app-papers.png"), full_page=True)


def test_check_page_upload_real_pdf(server, page, pdfs_dir, artifacts_dir):
    url, _ = server
    page.goto(f"{url}/check")
    page.get_by_role("heading", name="Check a paper").wait_for()
    page.locator("input[type=file]").set_input_files(str(pdfs_dir / REAL_PDF))
    page.get_by_text("Categories reported").wait_for(timeout=120_000)
    _settle(page)
    body = page.locator("body").inner_text()
    assert "Attention Is All You Need" in body
    assert "hardware: reported" in body and "energy: not reported" in body
    assert "P100" in body and "p. " in body
    page.screenshot(path=str(artifacts_dir / "app-check.png"), full_page=True)


def test_replication_page(server, page, artifacts_dir):
    url, _ = server
    page.goto(f"{url}/replication")
    page.get_by_role("heading", name="Replication").wait_for()
    page.locator(".vega-embed").first.wait_for()
    _settle(page)
    assert page.locator(".vega-embed").count() == 2
    assert "digits-logreg-C" in page.locator("body").inner_text()
    page.screenshot(path=str(artifacts_dir / "app-replication.png"), full_page=True)
