"""greenlens app: entry script. `greenlens app --db FILE` runs it with Streamlit.

Pages live in app/pages/ and only lay out widgets; they get data from app.data, which calls
the analysis package (all SQL is there) on a read-only store.
"""

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # `streamlit run app/streamlit_app.py` from a checkout
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402 - after the path set-up above

from app.wiring import wire  # noqa: E402

wire()

st.set_page_config(page_title="greenlens", page_icon=":material/eco:", layout="wide")

PAGES = [
    st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:", default=True),
    st.Page("pages/papers.py", title="Papers", icon=":material/article:"),
    st.Page("pages/check.py", title="Check a paper", icon=":material/upload_file:"),
    st.Page("pages/replication.py", title="Replication", icon=":material/bolt:"),
]

st.navigation(PAGES).run()
