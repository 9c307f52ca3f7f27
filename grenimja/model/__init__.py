"""The GReNIMJA network: conv encoders, 2D LSTM mixing, classifier head."""
