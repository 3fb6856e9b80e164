"""Check a paper: upload a PDF and see its reporting card (as `greenlens check`)."""

import streamlit as st

from app import data, ui
from corpus.errors import GreenlensError

st.title("Check a paper")
st.caption(
    "Upload a PDF: the extractor reads it here (nothing is stored) and shows what it "
    "reports, with the sentence and page of each piece of evidence."
)
upload = st.file_uploader("PDF", type=["pdf"], key="upload")
if upload is not None:
    key = (upload.name, upload.size)
    if st.session_state.get("check_key") != key:
        with st.spinner("Reading the PDF..."):
            try:
                st.session_state["check_result"] = data.check_pdf(upload.getvalue(), upload.name)
                st.session_state.pop("check_error", None)
            except GreenlensError as exc:
                st.session_state["check_error"] = str(exc)
                st.session_state.pop("check_result", None)
        st.session_state["check_key"] = key
error = st.session_state.get("check_error")
result = st.session_state.get("check_result")
if error:
    st.error(f"Cannot read this file: {ui.md(error)}")
elif result is None:
    st.info("No PDF uploaded yet.")
else:
    st.subheader(ui.md(result.get("title") or result.get("file")))
    st.markdown(
        f"{ui.code(result.get('file'))} · {result.get('pages')} pages · target: "
        f"**{ui.md(result.get('target') or 'unknown')}**"
    )
    reported = [c for c, v in result["labels"].items() if v.get("reported")]
    st.metric("Categories reported", f"{len(reported)} of {len(result['labels'])}")
    ui.reporting_card(result["labels"])
