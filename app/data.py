"""The app's data layer: the read-only store (cached resource) and cached analysis calls.

Pages call only these functions; every widget value arrives here as an argument and goes
to SQL as a bound parameter (analysis.queries). Nothing opens the store at import time.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import streamlit as st

from analysis import papers as _papers
from analysis import replication as _replication
from analysis import shares as _shares
from analysis.db import Filters, current_version, has_findings, stored_category_versions
from analysis.memory_view import SnapshotReader, open_snapshot
from corpus.errors import GreenlensError
from corpus.store import default_db_path

TTL_S = 600


def db_path() -> str:
    """The store the app shows: $GREENLENS_DB (set by `greenlens app --db`) or the default."""
    return str(Path(os.environ.get("GREENLENS_DB") or default_db_path()).resolve())


@st.cache_resource(show_spinner="Opening the store...")
def _open(path: str) -> SnapshotReader:
    return open_snapshot(path)


def reader(path: str) -> SnapshotReader | None:
    """The cached read-only reader of `path`, or None when there is no store there."""
    if not Path(path).exists():
        return None
    return _open(path)


def _store(path: str) -> SnapshotReader:
    """The reader of `path` for a page that needs one; a clear error when there is no store."""
    db = reader(path)
    if db is None:
        raise GreenlensError(f"No store at `{path}`.")
    return db


def open_problem(path: str) -> str | None:
    """Why the store cannot be opened at all (missing, being written, unreadable), else None."""
    if not Path(path).exists():
        return (
            f"No store at `{path}`. Build one with `greenlens crawl` and "
            "`greenlens extract`, or start the app with `greenlens app --db FILE`."
        )
    try:
        reader(path)
    except GreenlensError as exc:
        return f"Cannot open the store: {exc}"
    return None


def store_problem(path: str) -> str | None:
    """Why the store cannot be shown (missing file, no extractor tables), else None."""
    if not Path(path).exists():
        return (
            f"No store at `{path}`. Build one with `greenlens crawl` and "
            "`greenlens extract`, or start the app with `greenlens app --db FILE`."
        )
    try:
        db = _store(path)
    except GreenlensError as exc:
        return f"Cannot open the store: {exc}"
    if not has_findings(db):
        return (
            "This store has papers but no extraction results yet: run "
            "`greenlens extract` to fill the findings the app shows."
        )
    return None


@st.cache_data(ttl=TTL_S, show_spinner=False)
def overview(path: str) -> dict:
    """Counts, the current extractor version, and the venues and years in the store."""
    db = _store(path)
    vy = _papers.venues_years(db)
    return {
        "summary": _shares.summary(db),
        "venues": sorted({r["venue"] for r in vy}),
        "years": sorted({int(r["year"]) for r in vy}),
        "version": current_version(db),
    }


def _filters(venues, y0, y1, categories=None, pool=True) -> Filters:
    cats = tuple(categories) if categories else Filters().categories
    return Filters(tuple(venues), y0, y1, cats, None, pool_venues=pool)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def category_shares(
    path: str,
    venues: tuple[str, ...],
    y0: int | None,
    y1: int | None,
    categories: tuple[str, ...],
    pool: bool = True,
) -> list[dict]:
    """Share rows (k, n, share, Wilson bounds) per (pooled) venue, year and category."""
    return [
        r.as_dict()
        for r in _shares.category_shares(_store(path), _filters(venues, y0, y1, categories, pool))
    ]


@st.cache_data(ttl=TTL_S, show_spinner=False)
def target_shares(
    path: str,
    venues: tuple[str, ...],
    y0: int | None,
    y1: int | None,
    pool: bool = True,
    source: str = "fulltext",
) -> list[dict]:
    """Target share rows (raw and adjusted) per (pooled) venue and year."""
    return [
        r.as_dict()
        for r in _shares.target_shares(
            _store(path), _filters(venues, y0, y1, None, pool), source=source
        )
    ]


@st.cache_data(ttl=TTL_S, show_spinner=False)
def figure2(path: str, source: str = "abstract") -> dict:
    """The Green AI comparison cells and the same question for every venue and year."""
    from analysis import figure2 as _figure2

    db = _store(path)
    return {
        "comparison": [asdict(r) for r in _figure2.comparison_rows(db, source=source)],
        "all": [asdict(r) for r in _figure2.figure2_rows(db, source=source)],
        "definitions": _figure2.DEFINITIONS,
        "citation": _figure2.CITATION,
    }


@st.cache_data(ttl=TTL_S, show_spinner=False)
def adjustment_note(path: str, target: bool = False, source: str = "fulltext") -> dict:
    """What the adjusted shares used: method, gold set, n and error rates."""
    from analysis.adjusted import provenance
    from extractors.schema import CATEGORIES
    from extractors.target import METHOD

    db = _store(path)
    version = current_version(db)
    sources = ("fulltext", "abstract") if source == "both" else (source,)
    keys = ("target",) if target else CATEGORIES
    made_by = stored_category_versions(db, version)
    return provenance(keys, sources, {"fulltext": version, "abstract": METHOD}, made_by)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def trend_tests(
    path: str, venues: tuple[str, ...], y0: int | None, y1: int | None, categories: tuple[str, ...]
) -> list[dict]:
    """One logistic trend test per category."""
    return [
        r.as_dict() for r in _shares.trend_tests(_store(path), _filters(venues, y0, y1, categories))
    ]


@st.cache_data(ttl=TTL_S, show_spinner=False)
def denominators(path: str, venues: tuple[str, ...], y0: int | None, y1: int | None) -> dict:
    """The sentences saying what the category and target shares are shares of."""
    db, f = _store(path), _filters(venues, y0, y1)
    return {
        "category": _shares.denominator_note(db, f),
        "target": _shares.denominator_note(db, f, target=True),
    }


@st.cache_data(ttl=TTL_S, show_spinner=False)
def search_papers(
    path: str,
    title: str,
    author: str,
    venues: tuple[str, ...],
    y0: int | None,
    y1: int | None,
    label: str,
    limit: int = _papers.SEARCH_LIMIT,
) -> tuple[list[dict], int]:
    """Matching papers (at most `limit`) and how many match in all."""
    q = _papers.PaperQuery(title, author, tuple(venues), y0, y1, label, limit)
    db = _store(path)
    return _papers.search_papers(db, q), _papers.count_papers(db, q)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def paper_card(path: str, paper_id: str) -> dict | None:
    """A paper's metadata and reporting card as plain dicts."""
    card = _papers.paper_card(_store(path), paper_id)
    return asdict(card) if card else None


@st.cache_data(ttl=TTL_S, show_spinner=False)
def replication_data(path: str) -> dict:
    """Recipes, their trials, their EVP curves and recent runs (empty lists if none)."""
    db = _store(path)
    recipes = _replication.recipes(db)
    names = tuple(r["recipe"] for r in recipes)
    return {
        "recipes": recipes,
        "trials": _replication.trials(db, names),
        "evp": [p for n in names for p in _replication.evp(db, n)],
        "runs": _replication.runs(db),
    }


def check_pdf(data: bytes, name: str) -> dict:
    """The reporting card of an uploaded PDF, as `greenlens check --json` gives it."""
    from app.checker import check_bytes

    return check_bytes(data, name)
