"""GReNIMJA explorer: entry page and navigation."""

import streamlit as st

st.set_page_config(page_title="GReNIMJA explorer", page_icon=":material/genetics:", layout="wide")

nav = st.navigation(
    [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/predict.py", title="Predict", icon=":material/science:"),
        st.Page("pages/scan.py", title="Genome scan", icon=":material/travel_explore:"),
        st.Page("pages/network.py", title="Predicted network", icon=":material/hub:"),
        st.Page("pages/analysis.py", title="Analyses", icon=":material/insights:"),
        st.Page("pages/motifs.py", title="Motifs & homology", icon=":material/biotech:"),
        st.Page("pages/paper.py", title="Paper vs here", icon=":material/compare:"),
    ]
)
nav.run()
