"""Papers: search by title, author, venue, year and label; a paper's reporting card."""

import streamlit as st

from app import data, ui
from extractors.schema import CATEGORIES

st.title("Papers")
path = data.db_path()
problem = data.store_problem(path)
if problem:
    st.info(problem)
    st.stop()
ov = data.overview(path)

c1, c2 = st.columns(2)
title = c1.text_input("Title contains", key="title", max_chars=300)
author = c2.text_input("Author contains", key="author", max_chars=300)
c3, c4, c5 = st.columns([2, 2, 1])
with c3:
    venues = st.multiselect("Venues (none = all)", ov["venues"], key="p_venues")
with c4:
    y0, y1 = ui.year_range(ov["years"], key="p_years")
label = c5.selectbox("Reports", ["(any)", *CATEGORIES], key="label")

rows, total = data.search_papers(
    path, title, author, tuple(venues), y0, y1, "" if label == "(any)" else label
)
st.caption(
    f"{total} papers match" + (f"; showing the first {len(rows)}" if total > len(rows) else "")
)
if not rows:
    st.info("No paper matches. Loosen a filter.")
    st.stop()
st.dataframe(
    [{**r, "reported": ", ".join(r["reported"] or [])} for r in rows],
    hide_index=True,
    width="stretch",
    column_order=("title", "authors", "venue", "year", "reported", "target", "extraction", "id"),
)

titles = {r["id"]: f"{r['title']} ({r['venue']} {r['year']})" for r in rows}
chosen = st.selectbox("Open a paper", list(titles), format_func=titles.__getitem__, key="paper")
card = data.paper_card(path, chosen) if chosen else None
if card:
    paper = card["paper"]
    st.subheader(ui.md(paper["title"]))
    st.markdown(
        f"{ui.md('; '.join(paper['authors'] or []))} · {ui.md(paper['venue'])} "
        f"{paper['year']} · {ui.code(paper['id'])}"
    )
    links = [
        f"[{name}]({u})"
        for name, u in (
            ("paper page", ui.safe_url(paper.get("url"))),
            ("PDF", ui.safe_url(paper.get("pdf_url"))),
        )
        if u
    ]
    if links:
        st.markdown(" · ".join(links))
    if paper.get("extraction_status") != "ok":
        st.warning(
            "This paper has no successful extraction"
            + (
                f": {ui.md(paper.get('extraction_error'))}"
                if paper.get("extraction_error")
                else "."
            )
        )
    elif paper.get("extractor_version") != ov["version"]:
        st.warning(
            f"Extracted by an older extractor version "
            f"({ui.md(paper['extractor_version'])}); the current one is "
            f"{ui.md(ov['version'])}. Run `greenlens extract` to update it."
        )
    else:
        if paper.get("kind") not in (None, "paper"):
            st.info(
                f"Not counted in the trends: this document reads as "
                f"{ui.md(paper['kind'].replace('_', ' '))}, not a research paper "
                f"({ui.md(paper.get('kind_evidence') or '')})."
            )
        st.caption(
            f"Extractor version {ui.md(paper['extractor_version'])}; target: "
            f"**{ui.md(paper.get('target') or 'unknown')}**"
        )
        labels = {c["category"]: c for c in card["categories"]}
        ui.reporting_card(labels, paper.get("pdf_url"))
