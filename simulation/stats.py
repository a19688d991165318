"""Statistics shared by the reports (``compare``, ``analyze``): means with confidence intervals
and paired differences under common random numbers.

A low module on purpose: it imports neither the model nor any report, so every product can
use it without importing another product (see ``docs/architecture.md``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["mean_ci", "t_quantile", "paired_differences"]


def t_quantile(n: int, level: float = 0.95) -> float:
    """Student's t quantile for a two-sided ``level`` interval of a mean over ``n`` values.

    0 for fewer than two values: one run has no spread to speak of, so a band around it
    collapses onto the line instead of becoming infinitely wide.
    """
    if n < 2:
        return 0.0
    return float(stats.t.ppf(0.5 + level / 2, n - 1))


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and t-based confidence interval over the finite values; ``(mean, low, high, n)``.

    Non-finite values (a run that never de-escalated, a failed run) are left out, so ``n``
    says how many values the interval rests on. With no value everything is nan; with one
    value the interval is nan (unknown), not zero.

    Example: ``mean_ci([1.0, 2.0, 3.0])`` is ``(2.0, -0.484..., 4.484..., 3)``.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = v.size
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(v.mean())
    if n == 1:
        return mean, math.nan, math.nan, 1
    half = float(t_quantile(n, level) * v.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def paired_differences(values: pd.Series, reference: pd.Series) -> np.ndarray:
    """``values - reference`` matched by index (the replication): run r of one setting against
    run r of the reference, which shared its seed (common random numbers). A replication
    missing on either side gives nan, which :func:`mean_ci` leaves out."""
    return (values - reference).to_numpy()
