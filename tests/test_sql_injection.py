"""Hostile strings through every filter: no error, no extra rows, the store untouched."""

from __future__ import annotations

import pytest
import real_store

from analysis import replication
from analysis.compute import compute_estimates
from analysis.db import Filters
from analysis.papers import PaperQuery, count_papers, paper_card, search_papers
from analysis.shares import category_shares, target_shares, trend_tests
from corpus.store import Store

pytestmark = pytest.mark.shared

HOSTILE = [
    "'",
    "''",
    '"',
    "'; DROP TABLE papers; --",
    "' OR '1'='1",
    '" OR 1=1 --',
    "%",
    "_",
    "%%",
    "\\",
    "a%b_c",
    "ICML' --",
    "1; DELETE FROM findings",
    "é漢字🙂",
    "\u202e\u0000x",
    "$venues",
    "?",
    "${y0}",
    "flops' OR reported --",
]


@pytest.fixture(scope="module")
def db(tmp_path_factory, corpus_dir):
    path = real_store.cached_store(tmp_path_factory, corpus_dir, replication=True)
    with Store(path, read_only=True) as s:
        yield s


@pytest.fixture(scope="module")
def before(db):
    return {
        t: db.scalar(f"SELECT count(*) FROM {t}")
        for t in ("papers", "extractions", "findings", "trials", "runs")
    }


def _literal_matches(db, field: str, needle: str) -> set[str]:
    """Ids whose title/authors contain `needle` literally (case-folded), done in Python."""
    out = set()
    for pid, title, authors in db.fetchall("SELECT id, title, authors FROM papers"):
        hay = title if field == "title" else "; ".join(authors)
        if needle.lower() in hay.lower():
            out.add(pid)
    return out


@pytest.mark.parametrize("s", HOSTILE)
def test_paper_search_fields(db, before, s):
    for field in ("title", "author"):
        q = PaperQuery(**{field: s}, limit=100000)
        got = {r["id"] for r in search_papers(db, q)}
        assert got == _literal_matches(db, field, s)
        assert count_papers(db, q) == len(got)
    assert search_papers(db, PaperQuery(venues=(s,))) == []
    assert search_papers(db, PaperQuery(label=s)) == []
    assert paper_card(db, s) is None


@pytest.mark.parametrize("s", HOSTILE)
def test_share_filters(db, s):
    assert category_shares(db, Filters(venues=(s,))) == []
    assert target_shares(db, Filters(venues=(s,))) == []
    assert category_shares(db, Filters(version=s)) == []
    assert compute_estimates(db, Filters(venues=(s,))) == []
    rows = category_shares(db, Filters(categories=(s,)))
    assert all(r.k == 0 for r in rows)  # an unknown category is never reported
    assert all(r.fit.n == 0 for r in trend_tests(db, Filters(venues=(s,))))
    assert replication.trials(db, (s,)) == []


def test_store_untouched(db, before):
    after = {t: db.scalar(f"SELECT count(*) FROM {t}") for t in before}
    assert after == before and before["papers"] > 0


def test_app_data_layer_and_papers_page(monkeypatch, tmp_path_factory, corpus_dir):
    from streamlit.testing.v1 import AppTest

    from app import data

    path = str(real_store.cached_store(tmp_path_factory, corpus_dir))
    monkeypatch.setenv("GREENLENS_DB", path)
    at = AppTest.from_file(
        str(real_store.REPO / "app" / "streamlit_app.py"), default_timeout=90
    ).run()
    at.switch_page("pages/papers.py").run()
    with Store(path, read_only=True) as s:
        n = s.scalar("SELECT count(*) FROM papers")
        for hostile in HOSTILE:
            rows, total = data.search_papers(
                path, hostile, hostile, (hostile,), None, None, hostile
            )
            assert (rows, total) == ([], 0)
            assert data.category_shares(path, (hostile,), None, None, ("flops",)) == []
            at.text_input(key="title").set_value(hostile).run()
            assert not at.exception
            expected = len(_literal_matches(s, "title", hostile))
            assert at.caption[0].value.startswith(f"{expected} papers match")
        assert s.scalar("SELECT count(*) FROM papers") == n
