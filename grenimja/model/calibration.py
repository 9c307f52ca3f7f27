"""Platt scaling: a model's final logits -> probabilities that mean something, fitted on validation pairs.

The raw logit of a model with a large homology-transfer weight is not a probability scale (``weight``
times a share in 0..1 can reach thousands). ``a * z + b`` fitted by logistic regression on the
validation pairs of the paper protocol (as many non-targets as targets) maps it to the probability that
a pair of such a set is a known interaction. It is monotone, so no ranking or AUROC changes.

``transform="asinh"`` fits ``a * asinh(z) + b`` instead: still strictly monotone, but it compresses the
thousands the term adds, so the network's few logit units still move the probability of a gene the term
leaves at 0. (With a plain slope fitted to the whole range they do not: most genes of a TF without
homolog targets then share one probability.) :func:`fit_platt` keeps whichever form has the lower
log-loss on the calibration pairs.
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
    transform: str = "identity"

    def __post_init__(self) -> None:
        if self.transform not in TRANSFORMS:
            raise ValueError(f"calibration transform must be one of {TRANSFORMS}, not {self.transform!r}")

    def apply(self, z: np.ndarray) -> np.ndarray:
        """Calibrated logits, same shape as ``z``."""
        return self.a * _transformed(z, self.transform) + self.b

    def to_payload(self) -> dict:
        return {
            "a": float(self.a),
            "b": float(self.b),
            "fitted_on": str(self.fitted_on),
            "transform": self.transform,
        }

    @classmethod
    def from_payload(cls, d: dict, source: str = "model") -> Platt:
        try:
            # files written before the asinh form have the plain one
            return cls(
                float(d["a"]), float(d["b"]), str(d.get("fitted_on", "")), str(d.get("transform", "identity"))
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{source}: its calibration is malformed ({exc!r})") from exc


TRANSFORMS = ("identity", "asinh")


def _transformed(z: np.ndarray, transform: str) -> np.ndarray:
    """``z`` (float64) as the calibration's ``transform`` sees it: itself, or asinh(z)."""
    z = np.asarray(z, dtype=np.float64)
    return np.arcsinh(z) if transform == "asinh" else z


def fit_platt(
    z: np.ndarray, y: np.ndarray, fitted_on: str = "", transforms: tuple[str, ...] = TRANSFORMS
) -> Platt:
    """Logistic regression of labels ``y`` (n,) on logits ``z`` (n,), or on ``asinh(z)``: of the forms in
    ``transforms``, the one with the lower log-loss on these pairs. Both classes must occur."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss

    from grenimja.predict import sigmoid

    z, y = np.asarray(z, dtype=np.float64), np.asarray(y)
    if len(np.unique(y)) < 2:
        raise ValueError("calibration needs positive and negative pairs")
    best, best_loss = None, np.inf
    for t in transforms:
        x = _transformed(z, t)
        mu, sd = x.mean(), x.std() or 1.0  # standardised, so lbfgs converges whatever the logits' scale
        lr = LogisticRegression(C=1e6, max_iter=1000).fit(((x - mu) / sd)[:, None], y)
        a = float(lr.coef_[0, 0] / sd)
        cal = Platt(a=a, b=float(lr.intercept_[0] - a * mu), fitted_on=fitted_on, transform=t)
        loss = log_loss(y, sigmoid(cal.apply(z)), labels=[0, 1])
        if loss < best_loss - 1e-12:
            best, best_loss = cal, loss
    return best


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
