"""Analysis results against values computed by hand from the raw rows of real stores: one
with gold-derived findings (108 papers), one extracted by the real extractor (10 PDFs)."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pytest
import real_store
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize
from scipy import stats as sps

from analysis import compute as C
from analysis.db import Filters, current_version
from analysis.shares import category_shares, summary, target_shares, trend_tests
from analysis.stats import logistic_trend, wilson
from corpus.errors import ConfigError
from corpus.store import Store
from extractors.schema import CATEGORIES, TARGETS

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module", params=["gold", "extractor"])
def store_path(request, tmp_path_factory, corpus_dir):
    if request.param == "gold":
        return real_store.cached_store(tmp_path_factory, corpus_dir)
    return real_store.cached_extracted_store(tmp_path_factory, corpus_dir)


@pytest.fixture(scope="module")
def db(store_path):
    with Store(store_path, read_only=True) as s:
        yield s


@pytest.fixture(scope="module")
def gold_db(tmp_path_factory, corpus_dir):
    with Store(real_store.cached_store(tmp_path_factory, corpus_dir), read_only=True) as s:
        yield s


@pytest.fixture(scope="module")
def gold_raw(gold_db):
    return _raw_rows(gold_db)


def _raw_rows(db):
    papers = {r["id"]: r for r in db.fetch_dicts("SELECT id, venue, year FROM papers")}
    return (
        papers,
        db.fetch_dicts("SELECT * FROM extractions"),
        db.fetch_dicts("SELECT * FROM findings"),
    )


def _version_by_hand(raw) -> str:
    ok = [e for e in raw[1] if e["status"] == "ok"]
    return max(ok, key=lambda e: (e["extracted_at"], e["extractor_version"]))["extractor_version"]


@pytest.fixture(scope="module")
def raw(db):
    """The raw rows, no SQL aggregation: papers, extractions, findings."""
    return _raw_rows(db)


def _hand_counts(raw, version, venues=(), y0=None, y1=None):
    papers, ext, fnd = raw
    base = [e["paper_id"] for e in ext if e["status"] == "ok" and e["extractor_version"] == version]
    base = [
        p
        for p in base
        if (not venues or papers[p]["venue"] in venues)
        and (y0 is None or papers[p]["year"] >= y0)
        and (y1 is None or papers[p]["year"] <= y1)
    ]
    reported = {
        (f["paper_id"], f["category"])
        for f in fnd
        if f["reported"] and f["extractor_version"] == version
    }
    n, k = defaultdict(int), defaultdict(int)
    for p in base:
        for c in CATEGORIES:
            key = (papers[p]["venue"], papers[p]["year"], c)
            n[key] += 1
            k[key] += (p, c) in reported
    return base, n, k


def _wilson_by_hand(k, n, z=1.959963984540054):
    # the other textbook form: (k + z^2/2)/(n + z^2) +- z sqrt(n)/(n + z^2) sqrt(p q + z^2/4n)
    p = k / n
    mid = (k + z * z / 2) / (n + z * z)
    half = z * math.sqrt(n) / (n + z * z) * math.sqrt(p * (1 - p) + z * z / (4 * n))
    return mid - half, mid + half


def test_current_version_and_denominator_exclude_failed_and_old(db, raw):
    papers, ext, _ = raw
    version = _version_by_hand(raw)
    assert current_version(db) == version
    info = summary(db)
    ok_current = [e for e in ext if e["status"] == "ok" and e["extractor_version"] == version]
    assert info["denominator"] == len(ok_current) > 0
    assert info["extractions_failed"] == sum(e["status"] != "ok" for e in ext)
    assert info["papers"] == len(papers) >= info["denominator"]


def test_gold_store_has_failed_and_old_extractions_outside_the_denominator(gold_db, gold_raw):
    info = summary(gold_db)
    assert info["extractions_failed"] > 0
    assert info["extractions_ok"] > info["denominator"]  # older version: not counted


def test_shares_match_hand_counts_per_venue_and_year(db, raw):
    _, n, k = _hand_counts(raw, _version_by_hand(raw))
    rows = category_shares(db)
    assert {(r.venue, r.year, r.category): (r.k, r.n) for r in rows} == {
        key: (k[key], n[key]) for key in n
    }
    for r in rows:
        assert r.share == pytest.approx(r.k / r.n)
        if 0 < r.k < r.n:
            lo, hi = _wilson_by_hand(r.k, r.n)
            assert (r.ci_low, r.ci_high) == (pytest.approx(lo), pytest.approx(hi))


def test_filters_venue_and_years(db, raw):
    venues = ("ICML", "MIDL")
    _, n, k = _hand_counts(raw, _version_by_hand(raw), venues, 2016, 2022)
    rows = category_shares(db, Filters(venues, 2016, 2022))
    assert {(r.venue, r.year, r.category): (r.k, r.n) for r in rows} == {
        key: (k[key], n[key]) for key in n
    }
    assert {r.venue for r in rows} == {"ICML", "MIDL"}


def test_pooled_shares_sum_over_venues(db, raw):
    _, n, k = _hand_counts(raw, _version_by_hand(raw))
    pooled = category_shares(db, Filters(pool_venues=True))
    for r in pooled:
        keys = [key for key in n if key[1] == r.year and key[2] == r.category]
        assert (r.k, r.n) == (sum(k[x] for x in keys), sum(n[x] for x in keys))


def test_wilson_known_values():
    # 0 of 10: upper bound 0.2775 (Newcombe 1998, Table I); k = n mirrors it
    assert wilson(0, 10) == (0.0, pytest.approx(0.27753, abs=1e-5))
    assert wilson(10, 10) == (pytest.approx(0.72247, abs=1e-5), 1.0)
    assert wilson(0, 0) == (None, None)
    lo, hi = wilson(81, 263)  # Newcombe's example 81/263: 0.2553 to 0.3662
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)


def test_target_shares_match_hand_counts(db, raw):
    papers, ext, _ = raw
    counts = defaultdict(lambda: defaultdict(int))
    for e in ext:
        if e["status"] == "ok" and e["extractor_version"] == _version_by_hand(raw) and e["target"]:
            counts[papers[e["paper_id"]]["year"]][e["target"]] += 1
    rows = target_shares(db, Filters(pool_venues=True))
    assert {r.category for r in rows} == set(TARGETS)
    for r in rows:
        n = sum(counts[r.year].values())
        assert (r.k, r.n) == (counts[r.year][r.category], n)
        assert r.share == pytest.approx(r.k / n)
    # shares of one year add up to 1
    for year in counts:
        assert sum(r.share for r in rows if r.year == year) == pytest.approx(1.0)


def _paper_level(raw, category):
    papers, ext, fnd = raw
    reported = {
        f["paper_id"]
        for f in fnd
        if f["reported"]
        and f["category"] == category
        and f["extractor_version"] == real_store.VERSION
    }
    ids = [
        e["paper_id"]
        for e in ext
        if e["status"] == "ok" and e["extractor_version"] == real_store.VERSION
    ]
    x = np.array([papers[p]["year"] for p in ids], dtype=float)
    y = np.array([p in reported for p in ids], dtype=float)
    return x, y


@pytest.mark.parametrize("category", ["runtime", "hardware", "training_curve"])
def test_logistic_slope_matches_direct_fit(gold_db, gold_raw, category):
    db, raw = gold_db, gold_raw
    x, y = _paper_level(raw, category)
    xc = x - x.mean()

    def nll(beta):
        eta = beta[0] + beta[1] * xc
        return float(np.sum(np.logaddexp(0, eta) - y * eta))

    fit = optimize.minimize(nll, [0.0, 0.0], method="BFGS", options={"gtol": 1e-10})
    b = fit.x
    mu = 1 / (1 + np.exp(-(b[0] + b[1] * xc)))
    X = np.column_stack([np.ones_like(xc), xc])
    cov = np.linalg.inv(X.T @ (X * (mu * (1 - mu))[:, None]))
    se = math.sqrt(cov[1, 1])
    p = 2 * sps.norm.sf(abs(b[1] / se))
    row = {t.category: t.fit for t in trend_tests(db)}[category]
    assert row.slope == pytest.approx(b[1], abs=1e-5)
    assert row.se == pytest.approx(se, rel=1e-4)
    assert row.p_value == pytest.approx(p, rel=1e-3)
    assert row.ci_low == pytest.approx(b[1] - 1.959964 * se, abs=1e-4)
    assert (row.n, row.k) == (len(y), int(y.sum()))


def test_trend_na_reasons():
    assert "single year" in logistic_trend([2020, 2020], [1, 2], [5, 5]).reason
    sep = logistic_trend([2018, 2019, 2020, 2021], [0, 0, 3, 4], [3, 2, 3, 4])
    assert sep.slope is None and "separation" in sep.reason
    assert "no paper" in logistic_trend([2018, 2019], [0, 0], [3, 4]).reason
    assert "every paper" in logistic_trend([2018, 2019], [3, 4], [3, 4]).reason
    ok = logistic_trend([2018, 2019, 2020], [1, 2, 2], [4, 4, 3])
    assert ok.slope is not None and ok.reason == ""


def test_trend_on_single_year_store_selection(db):  # both stores have ICML 2016 only
    rows = trend_tests(db, Filters(year_from=2016, year_to=2016))
    assert all(r.fit.slope is None and "single year" in r.fit.reason for r in rows)


def test_compute_estimate_arithmetic_from_raw_findings(gold_db, gold_raw):
    db, (_, _, fnd) = gold_db, gold_raw
    rows = {r.paper_id: r for r in C.compute_estimates(db, utilisation=0.33)}
    pid = "local:neurips2017-vaswani-transformer"
    mine = [f for f in fnd if f["paper_id"] == pid and f["reported"]]
    hw = min(
        (f for f in mine if f["category"] == "hardware" and f["unit"] in C.PEAKS),
        key=lambda f: f["rank"],
    )
    rt = min(
        (
            f
            for f in mine
            if f["category"] == "runtime" and f["unit"] == "h" and "train" in f["evidence"].lower()
        ),
        key=lambda f: f["rank"],
    )
    peak = C.PEAKS[hw["unit"]]
    tflops = peak.half if peak.tensor_units else peak.tflops["fp32"]
    by_hand = hw["value"] * rt["value"] * 3600 * tflops * 1e12 * 0.33
    r = rows[pid]
    assert r.estimate_flop == pytest.approx(by_hand)
    assert r.gpu_hours == pytest.approx(hw["value"] * rt["value"])
    assert r.estimate_label.startswith("estimate: ") and "0.33 utilisation" in r.estimate_label
    assert hw["unit"] in r.estimate_label and f"p. {rt['page']}" in r.estimate_label
    # the utilisation and precision are parameters, printed with the result
    r2 = {x.paper_id: x for x in C.compute_estimates(db, utilisation=0.5, precision="fp32")}[pid]
    assert r2.estimate_flop == pytest.approx(by_hand / 0.33 * 0.5 / tflops * peak.tflops["fp32"])
    assert "0.5 utilisation" in r2.estimate_label and "fp32 peak" in r2.estimate_label


def test_compute_reported_flops_beside_estimates(gold_db):
    rows = C.compute_estimates(gold_db)
    reported = [r for r in rows if r.reported_flop]
    assert reported and all(r.reported_label.startswith("reported: ") for r in reported)
    assert all(r.estimate_label.startswith(("estimate: ", "no estimate: ")) for r in rows)


def test_compute_rejects_bad_assumptions(gold_db):
    with pytest.raises(ConfigError):
        C.compute_estimates(gold_db, utilisation=1.5)
    with pytest.raises(ConfigError):
        C.compute_estimates(gold_db, precision="fp8")


def test_one_years_grammar():
    """crawl, pipeline and trends read --years with one parser (corpus.crawl_job)."""
    from corpus.crawl_job import parse_years

    assert parse_years("2018-2020") == (2018, 2019, 2020)
    assert parse_years("2020") == (2020,)
    assert parse_years("2016,2019-2020") == (2016, 2019, 2020)
    assert parse_years(None) == ()
    for bad in ("20x", "2024-2018", "1-2-3"):
        with pytest.raises(ConfigError):
            parse_years(bad)


def test_empty_store_gives_empty_results(store):
    assert category_shares(store) == [] and target_shares(store) == []
    assert summary(store)["denominator"] == 0
    assert all(r.fit.reason for r in trend_tests(store))
    assert C.compute_estimates(store) == []


def test_snapshot_reader_gives_the_same_results(db, store_path):
    """The app's pre-aggregated reader and the plain store agree on every query."""
    from analysis.memory_view import open_snapshot
    from analysis.papers import PaperQuery, count_papers, paper_card, search_papers

    snap = open_snapshot(store_path)
    assert snap.flags_relation and snap.search_relation
    for f in (Filters(), Filters(pool_venues=True), Filters(("ICML", "MIDL"), 2016, 2022)):
        assert category_shares(snap, f) == category_shares(db, f)
        assert target_shares(snap, f) == target_shares(db, f)
        assert trend_tests(snap, f) == trend_tests(db, f)
        assert summary(snap, f) == summary(db, f)
        assert C.compute_estimates(snap, f) == C.compute_estimates(db, f)
    for q in (
        PaperQuery(),
        PaperQuery(title="learning", label="runtime"),
        PaperQuery(author="a", venues=("ICML",), year_from=2016, year_to=2016),
    ):
        assert search_papers(snap, q) == search_papers(db, q)
        assert count_papers(snap, q) == count_papers(db, q)
    pid = search_papers(db, PaperQuery(label="hardware"))[0]["id"]
    assert paper_card(snap, pid) == paper_card(db, pid)
    snap.close()


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=5000), st.data())
def test_wilson_properties(n, data):
    k = data.draw(st.integers(min_value=0, max_value=n))
    lo, hi = wilson(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0
    assert (lo == 0.0) == (k == 0) and (hi == 1.0) == (k == n)
    lo2, hi2 = wilson(n - k, n)  # symmetric in k <-> n - k
    assert lo2 == pytest.approx(1 - hi, abs=1e-12) and hi2 == pytest.approx(1 - lo, abs=1e-12)
