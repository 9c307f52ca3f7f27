"""Predicted network: browse the output of `grenimja network` (a TF's targets, a gene's regulators)."""

from pathlib import Path

import plotly.express as px
import streamlit as st

import ui
from grenimja.errors import GrenimjaError
from grenimja.explorer import KNOWN_HELP, RESULTS_DIR, SPECIFICITY_HELP, add_known_interactions
from grenimja.predicted_network import read_network, regulators_of, targets_of

st.title("Predicted network")
st.markdown(
    "Every TF scored against every promoter by `grenimja network` (the genome scan, run for many TFs and "
    "saved as Parquet). Pick a TF to read its most probable targets, or a gene to read its most probable "
    "regulators."
)
found = {f"results/network/{p.name}": str(p) for p in sorted((RESULTS_DIR / "network").glob("*.parquet"))}
c1, c2 = st.columns([2, 3])
choice = c1.selectbox("Network file", [*found, "another file on this machine ..."])
path = c2.text_input("Path to a network Parquet file") if choice.startswith("another") else found[choice]
if not path:
    st.info("Write a network with `grenimja network --tfs all --out results/network/all.parquet`.")
    st.stop()


@st.cache_resource(show_spinner="Reading the network ...")
def _network(p: str, mtime: float):
    return read_network(p)


try:
    net = _network(path, Path(path).stat().st_mtime if Path(path).is_file() else 0.0)
except GrenimjaError as exc:
    st.error(str(exc))
    st.stop()
st.caption(
    f"`{path}`: {net['tf'].nunique():,} TFs x {net['gene'].nunique():,} promoters ({len(net):,} pairs)."
)
known, known_err = ui.known_interactions()

tab1, tab2 = st.tabs(["A TF's targets", "A gene's regulators"])
with tab1:
    a, b_, c = st.columns([2, 1, 1])
    tf = a.selectbox("TF", sorted(net["tf"].astype(str).unique()))
    k = b_.slider("Targets shown", 10, 200, 50, step=10)
    by = c.radio("Rank by", ["probability", "tf_specificity"], help=SPECIFICITY_HELP)
    top = targets_of(net, tf, k, by)
    if known is not None:
        top = add_known_interactions(top.assign(tf=tf), known).drop(columns="tf")
    fig = px.bar(top.head(30), x="gene", y=by, title=f"{tf}: top {min(30, len(top))} targets by {by}")
    st.plotly_chart(fig, width="stretch")
    st.dataframe(
        top,
        hide_index=True,
        width="stretch",
        column_config={"known_interaction": st.column_config.TextColumn(help=KNOWN_HELP)},
    )
    ui.download(top, f"grenimja_network_{tf}_targets.csv", "Download targets (CSV)")
with tab2:
    a, b_ = st.columns([2, 1])
    gene = a.selectbox("Gene", sorted(net["gene"].astype(str).unique()))
    k2 = b_.slider("Regulators shown", 5, 100, 20, step=5)
    regs = regulators_of(net, gene, k2)
    if known is not None:
        regs = add_known_interactions(regs.assign(gene=gene), known).drop(columns="gene")
    st.dataframe(regs, hide_index=True, width="stretch")
    ui.download(regs, f"grenimja_network_{gene}_regulators.csv", "Download regulators (CSV)")
if known_err:
    st.caption(f"No known-interaction column: {known_err}")
