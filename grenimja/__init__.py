"""GReNIMJA explorer: predict transcription-factor -> gene regulation from sequence.

The core package never imports Streamlit; the app in ``app.py`` and ``views/`` is a thin layer on top.
"""

__version__ = "0.1.0"
