"""Every page of the Streamlit app under AppTest, on the real store and in empty states."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import real_store
from streamlit.testing.v1 import AppTest

from corpus.records import Paper
from corpus.store import Store

pytestmark = pytest.mark.shared
APP = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")


@pytest.fixture(scope="module")
def db_file(tmp_path_factory, corpus_dir):
    return real_store.cached_store(tmp_path_factory, corpus_dir)


def _app(monkeypatch, db: Path, page: str | None = None) -> AppTest:
    monkeypatch.setenv("GREENLENS_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _raw(db: Path, sql: str, params=()):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _specs(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def test_trends_page_counts_charts_and_venue_filter(monkeypatch, db_file):
    at = _app(monkeypatch, db_file)
    counted = {m.label: m.value for m in at.metric}
    n_all = _raw(
        db_file,
        "SELECT count(*) FROM extractions WHERE status = 'ok' AND extractor_version = ?",
        [real_store.VERSION],
    )[0][0]
    assert counted["Papers counted"] == str(n_all)
    specs = _specs(at)
    assert len(specs) == 4  # category trends (raw, adjusted), targets, Figure 2, all venues
    text = json.dumps(specs[0])
    assert "errorbar" in text and "papers reporting (k)" in text and "papers (n)" in text
    assert "adjusted share" in text and "adjusted 95% low" in text
    assert len(at.dataframe) >= 1  # the trend tests
    fig2 = [d.value for d in at.dataframe if "published" in d.value.columns]
    assert fig2, "the Green AI comparison table is shown"
    acl = fig2[0][(fig2[0]["venue"] == "ACL") & (fig2[0]["measure"] == "accuracy_incl_both")]
    assert acl["published"].tolist() == [0.9]
    at.multiselect(key="venues").set_value(["ICML"]).run()
    assert not at.exception
    n_icml = _raw(
        db_file,
        "SELECT count(*) FROM extractions e JOIN papers p ON p.id = "
        "e.paper_id WHERE e.status = 'ok' AND e.extractor_version = ? AND "
        "p.venue = 'ICML'",
        [real_store.VERSION],
    )[0][0]
    assert {m.label: m.value for m in at.metric}["Papers counted"] == str(n_icml)
    at.slider(key="years").set_value((2016, 2016)).run()
    assert not at.exception
    tests = at.dataframe[0].value
    assert tests["note"].str.contains("single year").all()


def test_papers_page_search_and_card(monkeypatch, db_file):
    at = _app(monkeypatch, db_file, "pages/papers.py")
    total = _raw(db_file, "SELECT count(*) FROM papers")[0][0]
    assert at.caption[0].value.startswith(f"{total} papers match")
    at.text_input(key="title").set_value("Attention Is All").run()
    assert at.caption[0].value.startswith("1 papers match")
    at.selectbox(key="label").set_value("hardware").run()
    assert at.caption[0].value.startswith("1 papers match")
    text = "\n".join(m.value for m in at.markdown)
    assert "**hardware**: reported" in text and "p. " in text
    at.text_input(key="author").set_value("nobody-by-this-name").run()
    assert [i.value for i in at.info] == ["No paper matches. Loosen a filter."]


def test_paper_card_links_evidence_to_pdf_page(monkeypatch, db_file):
    title, pdf_url, page = _raw(
        db_file,
        "SELECT p.title, p.pdf_url, f.page FROM papers p JOIN findings f ON "
        "f.paper_id = p.id WHERE p.source = 'pmlr' AND f.reported AND f.page IS NOT "
        "NULL AND f.category = 'hardware' ORDER BY p.id, f.rank LIMIT 1",
    )[0]
    at = _app(monkeypatch, db_file, "pages/papers.py")
    at.text_input(key="title").set_value(title).run()
    assert at.caption[0].value.startswith("1 papers match")
    text = "\n".join(m.value for m in at.markdown)
    assert f"[p. {page}]({pdf_url}#page={page})" in text


def test_titles_with_html_are_shown_escaped(monkeypatch, tmp_path):
    db = tmp_path / "xss.duckdb"
    with Store(db) as s:
        s.upsert_papers(
            [
                Paper(
                    id="x:1",
                    source="x",
                    venue="V",
                    year=2020,
                    title="<script>alert('x')</script> **bold** $x$",
                    authors=("<img src=x onerror=alert(1)>",),
                )
            ]
        )
        s.execute(
            "INSERT INTO extractions (paper_id, extractor_version, status, target) "
            "VALUES ('x:1', 'v', 'ok', 'accuracy')"
        )
        s.execute(
            "INSERT INTO findings (paper_id, category, rank, reported, evidence, page, "
            "value, unit, method, extractor_version) VALUES ('x:1', 'flops', 0, true, '<b>3 GFLOPs</b>', 2,"
            " 3e9, 'FLOPs', 'm', 'v')"
        )
    at = _app(monkeypatch, db, "pages/papers.py")
    shown = [(m.value, m.proto.allow_html) for m in at.markdown]
    assert not any(allow for _, allow in shown)
    title = at.subheader[0].value
    assert "<script>" not in title and r"\<script\>" in title and r"\*\*bold" in title
    assert any(r"\<b\>3 GFLOPs\</b\>" in v for v, _ in shown)


def test_check_page_empty_and_with_a_real_card(monkeypatch, db_file, pdfs_dir):
    from app.checker import check_path

    at = _app(monkeypatch, db_file, "pages/check.py")
    assert [i.value for i in at.info] == ["No PDF uploaded yet."]
    card = check_path(pdfs_dir / "neurips2017-vaswani-transformer.pdf")
    at.session_state["check_result"] = card
    at.run()
    assert not at.exception
    assert "Attention Is All You Need" in at.subheader[0].value.replace("\\", "")
    reported = sum(v["reported"] for v in card["labels"].values())
    assert at.metric[0].value == f"{reported} of 7"
    text = "\n".join(m.value for m in at.markdown)
    ev = card["labels"]["hardware"]["evidence"][0]
    assert f"p. {ev['page']}" in text


def test_check_page_shows_errors(monkeypatch, db_file):
    at = _app(monkeypatch, db_file, "pages/check.py")
    at.session_state["check_error"] = "not a PDF: missing %PDF header"
    at.run()
    assert at.error and "Cannot read this file" in at.error[0].value


def test_replication_page_empty_state(monkeypatch, db_file):
    at = _app(monkeypatch, db_file, "pages/replication.py")
    assert "No replication runs" in at.info[0].value
    assert not at.get("vega_lite_chart")


def test_replication_page_with_real_trials(monkeypatch, tmp_path_factory, corpus_dir):
    db = real_store.cached_store(tmp_path_factory, corpus_dir, replication=True)
    at = _app(monkeypatch, db, "pages/replication.py")
    specs = _specs(at)
    assert len(specs) == 2  # score vs energy, EVP vs trials
    assert "energy per trial" in json.dumps(specs[0])
    at.radio(key="cost_axis").set_value("flops").run()
    at.radio(key="budget").set_value("energy").run()
    assert not at.exception
    specs = _specs(at)
    assert "training FLOPs" in json.dumps(specs[0]) and "budget: energy" in json.dumps(specs[1])


def test_empty_states(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path / "missing.duckdb")
    assert "No store at" in at.info[0].value
    papers_only = tmp_path / "papers-only.duckdb"
    with duckdb.connect(str(papers_only)) as con:
        con.execute("CREATE TABLE papers (id VARCHAR, venue VARCHAR, year INTEGER)").fetchall()
    at = _app(monkeypatch, papers_only)
    assert "no extraction results" in at.info[0].value
    fresh = tmp_path / "fresh.duckdb"
    Store(fresh).close()
    at = _app(monkeypatch, fresh)
    assert "successful full-text extraction yet" in at.info[0].value
    at.switch_page("pages/papers.py").run()
    assert not at.exception
    at.switch_page("pages/replication.py").run()
    assert "No replication runs" in at.info[0].value


def test_paper_card_of_an_older_extraction_says_so(monkeypatch, db_file):
    title = _raw(
        db_file,
        "SELECT p.title FROM papers p JOIN extractions e ON e.paper_id = "
        "p.id WHERE e.extractor_version = ? LIMIT 1",
        [real_store.OLD_VERSION],
    )[0][0]
    at = _app(monkeypatch, db_file, "pages/papers.py")
    at.text_input(key="title").set_value(title).run()
    assert any("older extractor version" in w.value for w in at.warning)


def test_data_calls_without_a_store_raise_a_clear_error(tmp_path):
    from app import data
    from corpus.errors import GreenlensError

    missing = str(tmp_path / "missing.duckdb")
    assert data.reader(missing) is None
    with pytest.raises(GreenlensError, match="No store at"):
        data.overview(missing)
    with pytest.raises(GreenlensError, match="No store at"):
        data.replication_data(missing)
