"""Platt scaling: a model's final logits -> probabilities that mean something, fitted on validation pairs.

The raw logit of a model with a large homology-transfer weight is not a probability scale (``weight``
times a share in 0..1 can reach thousands). ``a * z + b`` fitted by logistic regression on the
validation pairs of the paper protocol (as many non-targets as targets) maps it to the probability that
a pair of such a set is a known interaction. It is monotone, so no ranking or AUROC changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grenimja.errors import ModelFileError


@dataclass
class Platt:
    """``calibrated logit = a * logit + b``; ``fitted_on`` says on which pairs."""

    a: float
    b: float
    fitted_on: str = ""

    def apply(self, z: np.ndarray) -> np.ndarray:
        """Calibrated logits, same shape as ``z``."""
        return self.a * np.asarray(z, dtype=np.float64) + self.b

    def to_payload(self) -> dict:
        return {"a": float(self.a), "b": float(self.b), "fitted_on": str(self.fitted_on)}

    @classmethod
    def from_payload(cls, d: dict, source: str = "model") -> Platt:
        try:
            return cls(float(d["a"]), float(d["b"]), str(d.get("fitted_on", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{source}: its calibration is malformed ({exc!r})") from exc


def fit_platt(z: np.ndarray, y: np.ndarray, fitted_on: str = "") -> Platt:
    """Logistic regression of labels ``y`` (n,) on logits ``z`` (n,); both classes must occur."""
    from sklearn.linear_model import LogisticRegression

    z, y = np.asarray(z, dtype=np.float64), np.asarray(y)
    if len(np.unique(y)) < 2:
        raise ValueError("calibration needs positive and negative pairs")
    mu, sd = z.mean(), z.std() or 1.0  # standardised, so lbfgs converges whatever the logits' scale
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(((z - mu) / sd)[:, None], y)
    a = float(lr.coef_[0, 0] / sd)
    return Platt(a=a, b=float(lr.intercept_[0] - a * mu), fitted_on=fitted_on)


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Mean |observed positive share - mean probability| over equal-width probability bins, weighted by
    the bins' sizes (0 = perfectly calibrated)."""
    p, y = np.asarray(p, dtype=np.float64), np.asarray(y, dtype=np.float64)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    err = 0.0
    for k in range(bins):
        m = idx == k
        if m.any():
            err += m.sum() * abs(y[m].mean() - p[m].mean())
    return float(err / max(len(p), 1))
