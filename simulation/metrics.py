"""Metrics as pure functions of arrays: polarization, escalation, cohesion, shock response.

Each function takes plain arrays and returns numbers; the model calls them once a day and
Mesa's DataCollector stores the results.
"""

from __future__ import annotations

import math
from operator import mul

import numpy as np

from .kernels import compiled, measure
from .kernels.conflict import FRIENDLY

__all__ = [
    "central_moments",
    "opinion_variance",
    "bimodality_coefficient",
    "esteban_ray",
    "group_mean_distance",
    "opinion_clusters",
    "stage_shares",
    "escalation_index",
    "feuds_per_thousand",
    "cross_group_friendly_share",
    "mean_by_group",
    "means_and_group_means",
    "resident_sums",
    "stage_counts",
    "tie_counts",
    "shock_response",
]


def central_moments(x: np.ndarray) -> tuple[float, float, float]:
    """Second, third and fourth central moments of a sample: mₖ = (1/n) Σ (xᵢ − x̄)ᵏ
    (m₂ is the population variance). Shared by the variance, the bimodality coefficient and
    the Esteban–Ray bandwidth, which need them on the same day.

    Example
    -------
    >>> central_moments(np.array([0.0, 1.0]))
    (0.25, 0.0, 0.0625)
    """
    if compiled.ENABLED and x.size:
        return measure.central_moments(x)
    d = x - x.mean()
    d2 = d * d
    return float(np.mean(d2)), float(np.mean(d2 * d)), float(np.mean(d2 * d2))


def opinion_variance(x: np.ndarray, moments: tuple[float, float, float] | None = None) -> float:
    """Population variance of opinions (0 consensus; 0.25 two equal camps at 0 and 1).

    ``moments``: ``central_moments(x)`` when the caller has them (the variance is m₂).

    Example
    -------
    >>> opinion_variance(np.array([0.0, 1.0]))
    0.25
    """
    if moments is not None:
        return float(moments[0])
    return float(compiled.variance(x)) if compiled.ENABLED and x.size else float(np.var(x))


def bimodality_coefficient(x: np.ndarray, moments: tuple[float, float, float] | None = None) -> float:
    """Sarle's bimodality coefficient of a sample.

    BC = (g² + 1) / (k + 3(n−1)² / ((n−2)(n−3))), with g the sample skewness and k the
    sample excess kurtosis (both bias-corrected). Values above 5/9 suggest a bimodal
    distribution. Returns nan for fewer than 4 values or no spread. ``moments``:
    ``central_moments(x)`` when the caller has them.

    References
    ----------
    Pfister et al. (2013), Good things peak in pairs, Frontiers in Psychology 4:700.

    Example
    -------
    >>> round(bimodality_coefficient(np.array([0.0] * 50 + [1.0] * 50)), 3)
    0.951
    """
    n = x.size
    if n < 4:
        return math.nan
    m2, m3, m4 = central_moments(x) if moments is None else moments
    if m2 <= 1e-18:
        return math.nan
    g1 = m3 / m2**1.5
    g2 = m4 / m2**2 - 3.0
    skew = g1 * math.sqrt(n * (n - 1)) / (n - 2)
    kurt = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6.0)
    return float((skew**2 + 1.0) / (kurt + 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def esteban_ray(
    x: np.ndarray,
    alpha: float = 0.5,
    grid: int | None = None,
    sorted_x: np.ndarray | None = None,
    variance: float | None = None,
) -> float:
    """Polarization of opinions: the Esteban–Ray measure for a density (Duclos, Esteban &
    Ray 2004), so it needs no bins.

    P = ∫∫ f(x)^(1+α) f(y) |y − x| dy dx, estimated as P̂ = (1/n) Σᵢ f̂(xᵢ)^α â(xᵢ), with
    â(xᵢ) = (1/n) Σⱼ |xᵢ − xⱼ| (alienation) and f̂ a Gaussian kernel density (identification)
    with DER's bandwidth h = 4.7 n^(−1/2) σ α^0.1, reflected at 0 and 1 and evaluated on a
    grid of cells 8 to 16 times finer than h. It is 0 at consensus, about 0.34 for uniform opinions,
    and for two camps of fixed spread it grows with the distance between them (tested over
    a family of two-pole distributions). The old 10-bin version was not monotonic in that
    distance (two poles at 0.15/0.85 scored 0.75, at 0.2/0.8 0.24).

    Parameters
    ----------
    x : opinions in [0, 1].
    alpha : polarization sensitivity, in DER's range [0.25, 1].
    grid : cells of the density grid (default: about 8 per bandwidth, 256 to 4096).
    sorted_x : ``np.sort(x)`` when the caller has it already (a sort is most of the cost
        in a large town).
    variance : the population variance of ``x`` (σ² of the bandwidth) when the caller
        has it, e.g. ``central_moments(x)[0]``.

    Returns
    -------
    float, ≥ 0 (nan for an empty town).

    References
    ----------
    Esteban & Ray (1994), On the measurement of polarization, Econometrica 62(4).
    Duclos, Esteban & Ray (2004), Polarization: concepts, measurement, estimation,
    Econometrica 72(6).

    Example
    -------
    >>> round(esteban_ray(np.full(100, 0.5)), 3)
    0.0
    >>> rng = np.random.default_rng(1)
    >>> near = np.concatenate([rng.normal(0.4, 0.03, 500), rng.normal(0.6, 0.03, 500)])
    >>> far = np.concatenate([rng.normal(0.1, 0.03, 500), rng.normal(0.9, 0.03, 500)])
    >>> esteban_ray(far) > esteban_ray(near) > 0
    True
    """
    n = x.size
    if n == 0:
        return math.nan
    sigma = float(np.std(x)) if variance is None else math.sqrt(variance)
    if sigma <= 1e-12:
        return 0.0
    h = 4.7 * n**-0.5 * sigma * alpha**0.1
    if grid is None:
        grid = int(min(4096, max(256, 8.0 / h)))
    if compiled.ENABLED:  # the lines below in one call, the same sums (kernels/measure.py)
        s = np.sort(x) if sorted_x is None else sorted_x
        return float(measure.esteban_ray_of_sorted(s, measure.cell_centres(grid), measure.gaussian_profile(h * grid),
                                                   alpha))
    from scipy.ndimage import gaussian_filter1d

    counts = np.bincount(np.minimum((x * grid).astype(np.int64), grid - 1), minlength=grid)
    density = gaussian_filter1d(counts.astype(np.float64), h * grid, mode="reflect") * grid / n
    centres = (np.arange(grid) + 0.5) / grid
    # The mean runs over residents in any order, so work on the sorted views: the k-th
    # smallest has k residents at or below it (ties add |x - x| = 0 on either side).
    s = np.sort(x) if sorted_x is None else sorted_x
    f = np.interp(s, centres, density)
    below = np.cumsum(s)  # below[k] = sum of the k + 1 smallest
    k = np.arange(1, n + 1)
    alienation = (k * s - below + (below[-1] - below) - (n - k) * s) / n
    return float(np.mean(f**alpha * alienation))


def group_mean_distance(x: np.ndarray, group: np.ndarray, n_groups: int, means: np.ndarray | None = None) -> float:
    """Largest distance between two groups' mean opinions (0 with one group).

    ``means``: the groups' means as Python numbers (``mean_by_group(x, group, n_groups).tolist()``)
    when the caller has them.

    Example
    -------
    >>> group_mean_distance(np.array([0.2, 0.4, 0.9]), np.array([0, 0, 1]), 2)
    0.6
    """
    if means is not None:  # (a handful of groups: plain Python is quicker than numpy here)
        means = [m for m in means if not math.isnan(m)]
        return max(means) - min(means) if means else 0.0
    if compiled.ENABLED:
        counts, sums = compiled.group_sums(x, group, n_groups)
    else:
        sums = np.bincount(group, weights=x, minlength=n_groups)
        counts = np.bincount(group, minlength=n_groups)
    means = sums[counts > 0] / counts[counts > 0]
    return float(means.max() - means.min()) if means.size else 0.0


def opinion_clusters(x: np.ndarray, gap: float = 0.02, major_share: float = 0.02, presorted: bool = False) -> tuple[int, int]:
    """Number of opinion clusters and of major clusters.

    Sorted opinions split into clusters wherever two neighbours are more than ``gap``
    apart; a cluster is major when it holds at least ``major_share`` of residents.
    ``presorted``: ``x`` is sorted already.
    Returns ``(clusters, major_clusters)``.
    

    Example
    -------
    >>> opinion_clusters(np.array([0.1] * 49 + [0.5] * 50 + [0.9]))
    (3, 2)
    """
    if x.size == 0:
        return 0, 0
    s = x if presorted else np.sort(x)
    if compiled.ENABLED:
        return compiled.clusters_of_sorted(s, gap, major_share * x.size)
    cuts = np.flatnonzero(np.diff(s) > gap)
    sizes = np.diff(np.concatenate([[0], cuts + 1, [s.size]]))
    return int(sizes.size), int(np.sum(sizes >= major_share * x.size))


def stage_counts(stage: np.ndarray) -> np.ndarray:
    """Ties per Glasl stage 0 to 9 (neutral and friendly ties count at stage 0).

    Example
    -------
    >>> stage_counts(np.array([0, 0, 2, 5, 8])).tolist()
    [2, 0, 1, 0, 0, 1, 0, 0, 1, 0]
    """
    return measure.stage_counts(stage) if compiled.ENABLED else np.bincount(stage.astype(np.int64), minlength=10)


def tie_counts(stage: np.ndarray, valence: np.ndarray, cross_group: np.ndarray) -> tuple[np.ndarray, int, int]:
    """What the day's tie metrics count, in one pass over the ties: :func:`stage_counts`,
    the friendly cross-group ties and the cross-group ties (the ``counts`` of
    :func:`cross_group_friendly_share`).

    Example
    -------
    >>> stage, valence, cross_group = np.array([0, 0, 3]), np.array([1, 0, -1]), np.array([True, True, False])
    >>> counts, friendly_cross, cross = tie_counts(stage, valence, cross_group)
    >>> counts.tolist(), friendly_cross, cross
    ([2, 0, 0, 1, 0, 0, 0, 0, 0, 0], 1, 2)
    """
    if compiled.ENABLED:
        return measure.tie_counts(stage, valence, FRIENDLY, cross_group)
    return stage_counts(stage), int(((valence == FRIENDLY) & cross_group).sum()), int(cross_group.sum())


def stage_shares(stage: np.ndarray, counts: list[int] | None = None) -> dict[str, float]:
    """Shares of ties that are hostile (stage ≥ 1), at stage ≥ 4 (win-lose) and ≥ 7 (lose-lose).

    ``counts``: ``stage_counts(stage).tolist()`` when the caller has them.

    Example
    -------
    >>> stage_shares(np.array([0, 0, 2, 5, 8]))
    {'hostile_share': 0.6, 'stage4_share': 0.4, 'stage7_share': 0.2}
    """
    m = max(stage.size, 1)
    ties = stage_counts(stage).tolist() if counts is None else counts
    return {
        "hostile_share": sum(ties[1:]) / m,
        "stage4_share": sum(ties[4:]) / m,
        "stage7_share": sum(ties[7:]) / m,
    }


def feuds_per_thousand(stage: np.ndarray, residents: int, min_stage: int = 4, counts: list[int] | None = None) -> float:
    """Feuds per 1,000 residents: relationships at Glasl stage ``min_stage`` or higher
    (win-lose and beyond, where incidents happen) per 1,000 residents.

    A count a trainer can read, and unlike a mean over all ties it does not shrink as a
    town grows ties. ``counts``: ``stage_counts(stage).tolist()`` when the caller has them.

    Example
    -------
    >>> feuds_per_thousand(np.array([0, 0, 4, 7, 2]), residents=500)
    4.0
    """
    feuds = np.count_nonzero(stage >= min_stage) if counts is None else sum(counts[min_stage:])
    return float(1000.0 * feuds / max(residents, 1))


def escalation_index(stage: np.ndarray, counts: list[int] | None = None) -> float:
    """Mean Glasl stage of all ties divided by 9 (friendly and neutral ties count 0).

    ``counts``: ``stage_counts(stage).tolist()`` when the caller has them (the sum of the stages is
    a whole number, exact in any order, so either way gives the same bits).

    Example
    -------
    >>> escalation_index(np.array([0, 9]))
    0.5
    """
    if not stage.size:
        return 0.0
    if counts is None:
        return float(stage.mean() / 9.0)
    return sum(map(mul, range(len(counts)), counts)) / stage.size / 9.0  # Σ stage · ties at that stage


def cross_group_friendly_share(
    friendly: np.ndarray | None, cross_group: np.ndarray | None, counts: tuple[int, int] | None = None
) -> float:
    """Share of cross-group ties that are friendly (nan when there are none).

    ``counts``: the friendly cross-group ties and the cross-group ties, as
    :func:`tie_counts` gives them, when the caller has them (then the arrays are not read).

    Example
    -------
    >>> cross_group_friendly_share(np.array([True, False, True]), np.array([True, True, False]))
    0.5
    """
    if counts is not None:
        both, n_cross = counts
    elif compiled.ENABLED:
        both, n_cross = measure.count_both(friendly, cross_group)
    else:
        both, n_cross = int((friendly & cross_group).sum()), int(cross_group.sum())
    return float(both / n_cross) if n_cross else math.nan


def mean_by_group(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Mean of ``values`` per group (nan for an empty group).

    Example
    -------
    >>> mean_by_group(np.array([1.0, 3.0, 5.0]), np.array([0, 0, 2]), 3)
    array([ 2., nan,  5.])
    """
    if compiled.ENABLED:
        counts, sums = compiled.group_sums(values, group, n_groups)
    else:
        counts = np.bincount(group, minlength=n_groups)
        sums = np.bincount(group, weights=values, minlength=n_groups)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def means_and_group_means(
    values: tuple[np.ndarray, ...], grouped: tuple[np.ndarray, ...], group: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Means of several per-resident quantities at once: ``means[k]``, the mean of
    ``values[k]``, and ``group_means[k, g]``, the mean of ``grouped[k]`` in group ``g``
    (:func:`mean_by_group`, nan for an empty group).

    Example
    -------
    >>> x = np.array([1.0, 3.0, 5.0])
    >>> means, by_group = means_and_group_means((x,), (x,), np.array([0, 0, 2]), 3)
    >>> means.tolist(), by_group.tolist()
    ([3.0], [[2.0, nan, 5.0]])
    """
    if compiled.ENABLED and group.size:
        return measure.means_and_group_means(values, grouped, group, n_groups)
    return np.array([v.mean() for v in values]), np.array([mean_by_group(v, group, n_groups) for v in grouped])


def resident_sums(
    x: np.ndarray, values: tuple[np.ndarray, ...], grouped: tuple[np.ndarray, ...], group: np.ndarray, n_groups: int
) -> tuple[tuple[float, float, float], tuple[np.ndarray, np.ndarray]]:
    """The day's sums over the residents at once: ``central_moments(x)`` and
    ``means_and_group_means(values, grouped, group, n_groups)`` (one compiled call).

    Example
    -------
    >>> x = np.array([0.0, 1.0])
    >>> moments, (means, by_group) = resident_sums(x, (x,), (x,), np.array([0, 1]), 2)
    >>> moments, means.tolist(), by_group.tolist()
    ((0.25, 0.0, 0.0625), [0.5], [[0.0, 1.0]])
    """
    if compiled.ENABLED and group.size:
        return measure.resident_sums(x, values, grouped, group, n_groups)
    return central_moments(x), means_and_group_means(values, grouped, group, n_groups)


def shock_response(escalation: np.ndarray, shock_day: int, hold_days: int = 7) -> dict[str, float]:
    """Shock-response figures of an escalation-index series (index = day − 1).

    With ``E_b`` the mean before the shock: peak E and its day, time to de-escalation (the
    first day after the peak with E ≤ E_b + 0.1·(E_peak − E_b) held for ``hold_days``
    days, counted from the shock; nan if never), and excess burden Σ max(E − E_b, 0) from
    the shock on. All nan when the series ends before the shock.
    

    Example
    -------
    >>> r = shock_response(np.array([1, 1, 1, 5, 3, 1, 1, 1, 1, 1, 1, 1, 1.0]), shock_day=4)
    >>> r["peak"], r["peak_day"], r["excess_burden"], r["days_to_deescalation"]
    (5.0, 4.0, 6.0, 2.0)
    """
    e = np.asarray(escalation, dtype=np.float64)
    start = max(int(shock_day) - 1, 0)
    if start >= e.size:  # the run ended before the shock: nothing to measure
        return dict.fromkeys(("baseline", "peak", "peak_day", "days_to_deescalation", "excess_burden"), math.nan)
    base = float(e[:start].mean()) if start > 0 else float(e[0])
    after = e[start:]
    peak_at = int(np.argmax(after))
    peak = float(after[peak_at])
    level = base + 0.1 * (peak - base)
    below = after[peak_at:] <= level
    recovered = math.nan
    if below.size >= hold_days:
        run = np.convolve(below.astype(int), np.ones(hold_days, dtype=int), mode="valid")
        hits = np.flatnonzero(run == hold_days)
        if hits.size:
            recovered = float(peak_at + hits[0])
    return {
        "baseline": base,
        "peak": peak,
        "peak_day": float(start + peak_at + 1),
        "days_to_deescalation": recovered,
        "excess_burden": float(np.clip(after - base, 0.0, None).sum()),
    }
