"""Replication: metered runs in the store; score vs energy and FLOPs; EVP vs budget."""

import streamlit as st

from analysis.replication import EMPTY_REASON
from app import charts, data

st.title("Replication")
path = data.db_path()
problem = data.open_problem(path)
if problem:
    st.info(problem)
    st.stop()
rep = data.replication_data(path)
if not rep["recipes"]:
    st.info(EMPTY_REASON)
    st.stop()

st.dataframe(rep["recipes"], hide_index=True, width="stretch")
done = [t for t in rep["trials"] if t["val_metric"] is not None]
x = st.radio(
    "Cost axis",
    ["energy", "flops"],
    horizontal=True,
    key="cost_axis",
    format_func={"energy": "energy (metered)", "flops": "training FLOPs"}.get,
)
if done and any(t[{"energy": "energy_j", "flops": "train_flops"}[x]] for t in done):
    st.altair_chart(charts.score_vs_cost(done, x), width="stretch")
    st.caption(
        "Energy: metered per trial (see the runs table for the meter); FLOPs: as the "
        "flops_source column says (counted or estimated)."
    )
else:
    st.info(f"No finished trial has a recorded {x} figure.")
if rep["evp"]:
    st.subheader("Expected validation performance vs budget")
    budget = st.radio("Budget", ["trials", "energy"], horizontal=True, key="budget")
    st.altair_chart(charts.evp_curve(rep["evp"], budget), width="stretch")
    st.caption(
        "Expected best validation score after n trials (Dodge et al. 2019, "
        "replication.evp); energy budget = n x mean metered energy per trial."
    )
with st.expander("Trials"):
    st.dataframe(rep["trials"], hide_index=True, width="stretch")
if rep["runs"]:
    with st.expander("Metered runs"):
        st.dataframe(rep["runs"], hide_index=True, width="stretch")
