"""GReNIMJA explorer: entry page and navigation."""

import streamlit as st

st.set_page_config(page_title="GReNIMJA explorer", page_icon=":material/genetics:", layout="wide")

nav = st.navigation(
    [
        st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("views/predict.py", title="Predict", icon=":material/science:"),
        st.Page("views/scan.py", title="Genome scan", icon=":material/travel_explore:"),
        st.Page("views/network.py", title="Predicted network", icon=":material/hub:"),
        st.Page("views/analysis.py", title="Analyses", icon=":material/insights:"),
        st.Page("views/motifs.py", title="Motifs & homology", icon=":material/biotech:"),
        st.Page("views/paper.py", title="Paper vs here", icon=":material/compare:"),
    ]
)
nav.run()
