"""Trends: each category's share over the years (Wilson 95% bars), target shares, tests."""

import streamlit as st

from app import charts, data, ui
from extractors.schema import CATEGORIES

st.title("Trends")
path = data.db_path()
problem = data.store_problem(path)
if problem:
    st.info(problem)
    st.stop()
ov = data.overview(path)
info = ov["summary"]
if not info["denominator"]:
    st.info("No paper in this store has a successful extraction yet, so there is nothing to "
            "count: run `greenlens extract`.")
    st.stop()

c1, c2 = st.columns([2, 1])
with c1:
    venues = st.multiselect("Venues (none = all)", ov["venues"], key="venues")
with c2:
    y0, y1 = ui.year_range(ov["years"], key="years")
categories = st.multiselect("Categories", CATEGORIES, default=list(CATEGORIES),
                            key="categories")
venues_t = tuple(venues)
if not categories:
    st.info("Pick at least one category.")
    st.stop()

rows = data.category_shares(path, venues_t, y0, y1, tuple(categories))
notes = data.denominators(path, venues_t, y0, y1)
n_papers = sum(r["n"] for r in rows if r["category"] == categories[0])
m1, m2, m3 = st.columns(3)
m1.metric("Papers counted", n_papers)
m2.metric("Extractions ok / failed", f"{info['extractions_ok']} / {info['extractions_failed']}")
m3.metric("Extractor version", str(ov["version"]))
st.caption(f"Share = papers reporting / {ui.md(notes['category'])}; selected venues pooled. "
           "Bars: Wilson score 95% intervals. Hover for k and n.")
if not n_papers:
    st.info("No paper matches these filters.")
    st.stop()
st.altair_chart(charts.category_trends(rows), width="stretch")

st.subheader("Trend test per category")
st.caption("Logistic regression of reported (0/1) on year, Newton-Raphson; slope in log-odds "
           "per year, Wald 95% interval and p-value. n/a says why a slope cannot be fitted.")
st.dataframe(data.trend_tests(path, venues_t, y0, y1, tuple(categories)), hide_index=True,
             width="stretch")

st.subheader("Target: accuracy, efficiency, both, other")
targets = data.target_shares(path, venues_t, y0, y1)
if targets:
    st.altair_chart(charts.target_bars(targets), width="stretch")
    st.caption(f"Share of {ui.md(notes['target'])}.")
else:
    st.info("No paper in this selection has a target assigned.")

with st.expander("Shares per venue and year (table)"):
    st.dataframe(data.category_shares(path, venues_t, y0, y1, tuple(categories), False),
                 hide_index=True, width="stretch")
