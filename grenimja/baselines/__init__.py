"""Baselines evaluated on exactly the dataset splits GReNIMJA uses.

Each baseline has ``fit(ds, split)`` (reads only the split's train part, and valid where it tunes) and
``score(pairs) -> np.ndarray`` for any pairs frame with ``tf_i`` / ``gene_i`` columns.
"""
