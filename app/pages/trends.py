"""Trends: each category's share over the years (raw with Wilson 95% bars, adjusted for
the extractor's measured errors), target shares, tests, and the Green AI comparison."""

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


def figure2_section() -> None:
    """The Green AI question over every paper with an abstract."""
    st.subheader("Figure 2 of Green AI: accuracy vs efficiency")
    src = st.radio(
        "Target from",
        ["abstract", "both", "fulltext"],
        horizontal=True,
        key="fig2_source",
        help="title + abstract of every paper that has one; "
        "full text of extracted PDFs; or both (full text where extracted)",
    )
    fig = data.figure2(path, src)
    cmp_rows = fig["comparison"]
    st.altair_chart(charts.figure2_comparison(cmp_rows))
    st.dataframe(cmp_rows, hide_index=True, width="stretch")
    missing = sorted({f"{r['venue']} {r['year']}" for r in cmp_rows if not r["n"]})
    if missing:
        st.caption("Not in this store: " + ", ".join(missing) + ".")
    st.caption(
        ui.md(
            f"Published: {fig['citation']}, n = 20 per venue, Wilson 95% "
            f"intervals. {fig['definitions']}"
        )
    )
    note = data.adjustment_note(path, True, src)
    st.caption(ui.md(" ".join(f"{k}: {v}." for k, v in note.items())))
    st.markdown("**The same question for every venue and year** (adjusted shares, 95% intervals)")
    st.altair_chart(charts.figure2_trends(fig["all"]))
    with st.expander("The same question for every venue and year (table)"):
        st.dataframe(fig["all"], hide_index=True, width="stretch")


if not info["denominator"]:
    st.info(
        "No paper in this store has a successful full-text extraction yet, so there is "
        "nothing to count per category: run `greenlens extract`."
    )
    figure2_section()
    st.stop()

c1, c2 = st.columns([2, 1])
with c1:
    venues = st.multiselect("Venues (none = all)", ov["venues"], key="venues")
with c2:
    y0, y1 = ui.year_range(ov["years"], key="years")
categories = st.multiselect("Categories", CATEGORIES, default=list(CATEGORIES), key="categories")
venues_t = tuple(venues)
if not categories:
    st.info("Pick at least one category.")
    st.stop()

rows = data.category_shares(path, venues_t, y0, y1, tuple(categories))
notes = data.denominators(path, venues_t, y0, y1)
n_papers = sum(r["n"] for r in rows if r["category"] == categories[0])
m1, m2, m3 = st.columns(3)
m1.metric("Papers counted", n_papers)
m2.metric(
    "Extractions ok / failed",
    f"{info['extractions_ok']} / {info['extractions_failed']}",
    help=f"{info.get('not_papers', 0)} of the ok ones are front matter or forms, not counted",
)
m3.metric("Extractor version", str(ov["version"]))
st.caption(
    f"Share = papers reporting / {ui.md(notes['category'])}; selected venues pooled. "
    "Blue: raw share, Wilson score 95% intervals. Orange dashed: share adjusted for "
    "the extractor's measured sensitivity and specificity (Rogan-Gladen; 95% interval "
    "over the cell's count and resampled gold papers). Hover for k, n and "
    "notes."
)
with st.expander("Where the adjustment's error rates come from"):
    for key, value in data.adjustment_note(path).items():
        st.markdown(f"**{key}**: {ui.md(str(value))}")
if not n_papers:
    st.info("No paper matches these filters.")
    st.stop()
st.altair_chart(charts.category_trends(rows), width="stretch")

st.subheader("Trend test per category")
st.caption(
    "Logistic regression of reported (0/1) on year, Newton-Raphson; slope in log-odds "
    "per year, Wald 95% interval and p-value. n/a says why a slope cannot be fitted."
)
st.dataframe(
    data.trend_tests(path, venues_t, y0, y1, tuple(categories)), hide_index=True, width="stretch"
)

st.subheader("Target: accuracy, efficiency, both, other")
source = st.radio(
    "Target from", ["fulltext", "abstract", "both"], horizontal=True, key="target_source"
)
targets = data.target_shares(path, venues_t, y0, y1, True, source)
if targets:
    st.altair_chart(charts.target_bars(targets), width="stretch")
    st.caption(f"Raw shares of {ui.md(notes['target'])}; the table has the adjusted shares.")
    st.dataframe(targets, hide_index=True, width="stretch")
else:
    st.info("No paper in this selection has a target assigned from this source.")

figure2_section()

with st.expander("Shares per venue and year (table)"):
    st.dataframe(
        data.category_shares(path, venues_t, y0, y1, tuple(categories), False),
        hide_index=True,
        width="stretch",
    )
