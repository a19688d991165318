"""The day's measurement compiled with numba: the sums behind the daily metrics, fused.

Why: a day's fifty-odd metrics cost some 0.4 ms at 2,000 residents, almost all of it in
small numpy and scipy calls of a few microseconds each. Each function here does the work
of several of them in one loop over the residents or the ties.

As in :mod:`simulation.kernels.compiled`, the numpy code in :mod:`simulation.metrics`
stays the reference: each function below names what it replaces and computes exactly
that, in the same order of floating-point operations, so a metric is the same to the last
bit on either path (``tests/test_fast_path.py`` and ``tools/pin_runs.py`` check it).
Integer counts may be taken in any order. :data:`compiled.ENABLED` decides which path
runs; the callers in :mod:`simulation.metrics` check it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .compiled import central_moments, group_sums_in_runs, jit, numpy_sum

__all__ = ["gaussian_weights", "gaussian_profile", "smoothed_density", "esteban_ray_from_density",
           "cell_centres", "esteban_ray_of_sorted", "stage_counts", "count_both", "tie_counts",
           "group_sums_in_runs", "means_and_group_means", "resident_sums"]

#: Largest Glasl stage plus one (the length of :func:`stage_counts`' answer).
STAGES = 10


def gaussian_weights(sigma: float, truncate: float = 4.0) -> np.ndarray:
    """The weights ``scipy.ndimage.gaussian_filter1d(…, sigma)`` correlates with: a Gaussian
    of ``round(truncate·σ)`` cells either side, normalised to sum 1, computed with the very
    numpy operations scipy uses (``scipy.ndimage._filters._gaussian_kernel1d``), so the same
    bits."""
    phi = gaussian_profile(sigma, truncate)
    return phi / phi.sum()


def gaussian_profile(sigma: float, truncate: float = 4.0) -> np.ndarray:
    """:func:`gaussian_weights` before they are normalised: ``exp(−k² / 2σ²)`` for the
    offsets ``k`` of ``round(truncate·σ)`` cells either side. Computed by numpy, as numpy's
    ``exp`` is not the one compiled code calls; :func:`esteban_ray_of_sorted` normalises."""
    radius = int(truncate * float(sigma) + 0.5)
    return np.exp(-0.5 / (sigma * sigma) * _squared_offsets(radius))


@lru_cache(maxsize=64)
def _squared_offsets(radius: int) -> np.ndarray:
    """``np.arange(-radius, radius + 1) ** 2`` as floats (whole numbers, exact, so the
    product with σ's factor is the one scipy computes from the integers)."""
    squares = (np.arange(-radius, radius + 1) ** 2).astype(np.float64)
    squares.flags.writeable = False
    return squares


@jit
def smoothed_density(x, grid, weights):
    """The density of :func:`simulation.metrics.esteban_ray` on its grid: residents per
    cell, ``np.bincount(np.minimum((x * grid).astype(np.int64), grid - 1), minlength=grid)``,
    smoothed by ``scipy.ndimage.gaussian_filter1d(counts, σ, mode="reflect")`` with
    ``weights = gaussian_weights(σ)``, times ``grid / n``.

    The smoothing is scipy's ``NI_Correlate1D`` written out: the line extended by reflection
    (``dcba|abcd|dcba``, repeated when the kernel is wider than the line), then for a kernel
    symmetric to ``DBL_EPSILON`` ``out[l] = in[l]·w₀ + Σ_{j=r..1} (in[l−j] + in[l+j])·w₋ⱼ``
    summed from the outermost pair inwards, as scipy sums it. The loops run the other way
    round (kernel offset outside, cell inside, so the cells' sums advance side by side in
    vector registers), but each cell's sum takes the same terms in the same order."""
    n = x.size
    counts = np.zeros(grid, dtype=np.int64)
    # residents of one cell counted in a register while they come in a row (sorted opinions
    # do), instead of adding to memory one by one
    cell = -1
    run = 0
    for i in range(n):
        here = min(int(x[i] * grid), grid - 1)
        if here != cell:
            if run:
                counts[cell] += run
            cell = here
            run = 0
        run += 1
    if run:
        counts[cell] += run
    size = weights.size
    size1 = size // 2
    size2 = size - size1 - 1
    # fw[jj] of scipy (the reversed weights, centred) is weights[size1 - jj]
    symmetric = 0
    if size & 1:
        symmetric = 1
        for i in range(1, size1 + 1):
            if abs(weights[size1 - i] - weights[size1 + i]) > 2.220446049250313e-16:
                symmetric = 0
                break
        if symmetric == 0:
            symmetric = -1
            for i in range(1, size1 + 1):
                if abs(weights[size1 - i] + weights[size1 + i]) > 2.220446049250313e-16:
                    symmetric = 0
                    break
    # the line with size1 cells before and size2 after, reflected: cell i < 0 holds counts[-1 - i]
    line = np.empty(size1 + grid + size2)
    for i in range(grid):
        line[size1 + i] = counts[i]
    period = 2 * grid
    for k in range(size1):
        i = (k - size1) % period
        line[k] = counts[i] if i < grid else counts[period - 1 - i]
    for k in range(size1 + grid, size1 + grid + size2):
        i = (k - size1) % period
        line[k] = counts[i] if i < grid else counts[period - 1 - i]
    # (views starting at each offset, indexed from 0, let the inner loops vectorise)
    total = np.empty(grid)
    if symmetric != 0:
        w = weights[size1]
        centre = line[size1:size1 + grid]
        for ll in range(grid):
            total[ll] = centre[ll] * w
        for jj in range(-size1, 0):
            w = weights[size1 - jj]
            before = line[size1 + jj:size1 + jj + grid]
            after = line[size1 - jj:size1 - jj + grid]
            if symmetric > 0:
                for ll in range(grid):
                    total[ll] += (before[ll] + after[ll]) * w
            else:
                for ll in range(grid):
                    total[ll] += (before[ll] - after[ll]) * w
    else:
        w = weights[size1 - size2]
        last = line[size1 + size2:size1 + size2 + grid]
        for ll in range(grid):
            total[ll] = last[ll] * w
        for jj in range(-size1, size2):
            w = weights[size1 - jj]
            shifted = line[size1 + jj:size1 + jj + grid]
            for ll in range(grid):
                total[ll] += shifted[ll] * w
    for ll in range(grid):
        total[ll] = total[ll] * grid / n
    return total


@jit
def esteban_ray_from_density(s, density, centre, alpha):
    """The last part of :func:`simulation.metrics.esteban_ray`: with ``s`` the sorted
    opinions and ``density`` the smoothed density on the grid, the mean of
    ``f̂(xᵢ)^α · â(xᵢ)``, ``f̂`` interpolated linearly between the cells' centres as
    ``np.interp`` does, with ``centre = cell_centres(grid)``. The slopes between the
    centres are divided out once per cell instead of once per resident: the same divisions
    of the same numbers, so the same bits."""
    n = s.size
    grid = density.size
    slope = np.empty(grid)
    for j in range(grid - 1):
        slope[j] = (density[j + 1] - density[j]) / (centre[j + 1] - centre[j])
    # f̂ cell by cell: the residents from centre j up to centre j + 1 lie on the line from
    # density[j] to density[j + 1]; those outside the centres take the nearest end's value.
    # The running sum of the opinions (the alienation's) advances in the same loop, so its
    # chain of additions overlaps the walk instead of waiting for it.
    f = np.empty(n)
    below = np.empty(n)
    running = 0.0
    i = 0
    while i < n and s[i] < centre[0]:
        f[i] = density[0]
        running += s[i]
        below[i] = running
        i += 1
    for j in range(grid - 1):
        upper = centre[j + 1]
        while i < n and s[i] < upper:
            f[i] = slope[j] * (s[i] - centre[j]) + density[j]
            running += s[i]
            below[i] = running
            i += 1
    while i < n:
        f[i] = density[grid - 1]
        running += s[i]
        below[i] = running
        i += 1
    total = below[n - 1]
    # (a loop of its own, without branches, so the square roots and divisions vectorise)
    terms = np.empty(n)
    if alpha == 0.5:
        for i in range(n):
            k = i + 1
            terms[i] = np.sqrt(f[i]) * ((k * s[i] - below[i] + (total - below[i]) - (n - k) * s[i]) / n)
    else:
        for i in range(n):
            k = i + 1
            terms[i] = f[i] ** alpha * ((k * s[i] - below[i] + (total - below[i]) - (n - k) * s[i]) / n)
    return numpy_sum(terms) / n


@lru_cache(maxsize=64)
def cell_centres(grid: int) -> np.ndarray:
    """The centres of the density grid's cells, ``(np.arange(grid) + 0.5) / grid``, as
    :func:`simulation.metrics.esteban_ray` gives them to ``np.interp``; made once per grid
    size (it changes only with the bandwidth, rarely from one day to the next)."""
    centres = (np.arange(grid) + 0.5) / grid
    centres.flags.writeable = False
    return centres


@jit
def esteban_ray_of_sorted(s, centre, profile, alpha):
    """:func:`simulation.metrics.esteban_ray` from the sorted opinions ``s`` on the grid of
    ``centre = cell_centres(grid)``: the weights (``profile = gaussian_profile(σ)`` over its
    sum in numpy's order, as :func:`gaussian_weights` divides), the density
    (:func:`smoothed_density`), then :func:`esteban_ray_from_density`, in one call."""
    weights = profile / numpy_sum(profile)
    return esteban_ray_from_density(s, smoothed_density(s, centre.size, weights), centre, alpha)


#: Ties per block that :func:`stage_counts` checks for escalation before it tallies them.
_STAGE_BLOCK = 128


@jit
def stage_counts(stage):
    """Ties per Glasl stage 0..9, ``np.bincount(stage, minlength=10)``; whole numbers, the
    same in any order.

    Nearly all ties of a town are at stage 0 on most days, so the ties are taken in blocks:
    one branch-free pass (it vectorises) tells whether a block holds any escalated tie, and
    only such blocks are tallied; stage 0 is what remains. The tally keeps four interleaved
    counters, so that consecutive ties at one stage do not wait for each other."""
    tally = np.zeros((4, 16), dtype=np.int64)
    n = stage.size
    full = n - n % _STAGE_BLOCK
    for start in range(0, full, _STAGE_BLOCK):
        block = stage[start:start + _STAGE_BLOCK]
        escalated = 0
        for k in range(_STAGE_BLOCK):
            escalated |= block[k]
        if escalated:
            for k in range(0, _STAGE_BLOCK, 4):
                tally[0, block[k]] += 1
                tally[1, block[k + 1]] += 1
                tally[2, block[k + 2]] += 1
                tally[3, block[k + 3]] += 1
    for k in range(full, n):
        tally[0, stage[k]] += 1
    counts = np.zeros(STAGES, dtype=np.int64)
    for j in range(1, STAGES):
        counts[j] = tally[0, j] + tally[1, j] + tally[2, j] + tally[3, j]
    counts[0] = n - counts.sum()
    return counts


@jit
def count_both(a, b):
    """Places where the boolean arrays ``a`` and ``b`` are both true, and where ``b`` is
    (the reference: ``np.count_nonzero(a & b)``, ``np.count_nonzero(b)``): counted without branches,
    so the loop vectorises; whole numbers, the same in any order."""
    both = 0
    total = 0
    for k in range(a.size):
        total += b[k]
        both += a[k] & b[k]
    return both, total


@jit
def tie_counts(stage, valence, friendly, cross_group):
    """What the day's tie metrics count, in one call: :func:`stage_counts` of ``stage``, and
    :func:`count_both` of ``valence == friendly`` and ``cross_group`` (friendly cross-group
    ties, cross-group ties) without making the boolean array first."""
    both = 0
    total = 0
    for k in range(cross_group.size):
        c = cross_group[k]
        total += c
        both += (valence[k] == friendly) & c
    return stage_counts(stage), both, total


@jit
def means_and_group_means(values, grouped, group, n_groups):
    """The mean of each array in the tuple ``values`` (``a.mean()``, summed in numpy's order
    by :func:`simulation.kernels.compiled.numpy_sum`) and the means per group of each
    array in the tuple ``grouped`` (:func:`simulation.metrics.mean_by_group`: summed in
    resident order as ``np.bincount`` does, nan for an empty group).

    Returns ``means[k]`` and ``group_means[k, g]``."""
    n = group.size
    means = np.empty(len(values))
    for k in range(len(values)):
        means[k] = numpy_sum(values[k]) / n
    k_grouped = len(grouped)
    counts, sums = group_sums_in_runs(grouped, group, n_groups)
    group_means = np.empty((k_grouped, n_groups))
    for g in range(n_groups):
        for k in range(k_grouped):
            group_means[k, g] = sums[g, k] / counts[g] if counts[g] > 0 else np.nan
    return means, group_means


@jit
def resident_sums(x, values, grouped, group, n_groups):
    """The day's sums over the residents in one call: the central moments of ``x``
    (:func:`simulation.kernels.compiled.central_moments`) and :func:`means_and_group_means`
    of the rest."""
    return central_moments(x), means_and_group_means(values, grouped, group, n_groups)
