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

from .compiled import group_sums_in_runs, jit, numpy_sum

__all__ = ["gaussian_weights", "gaussian_profile", "cell_counts", "smoothed_density", "esteban_ray_from_density",
           "cell_centres", "esteban_ray_of_sorted", "stage_counts", "count_both", "tie_counts",
           "group_sums_in_runs", "central_moments", "means_and_group_means",
           "resident_sums"]

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
def cell_counts(s, grid):
    """Each resident's cell of the density grid and the residents per cell, for the sorted
    opinions ``s``: ``cell = np.minimum((s * grid).astype(np.int64), grid - 1)`` and
    ``counts = np.bincount(cell, minlength=grid)`` (whole numbers, the same in any order).

    Sorted opinions fill the cells in order, so the last resident written to a cell tells
    how many residents lie in it or below; the counts are the steps of that running
    maximum. No branch depends on the opinions, so a day's new opinions cannot make the
    processor guess wrong where a cell ends (counting a cell's residents in a register
    until the cell changed did, about once a cell)."""
    n = s.size
    cell = np.empty(n, dtype=np.int64)
    up_to = np.zeros(grid, dtype=np.int64)
    for i in range(n):
        here = min(int(s[i] * grid), grid - 1)
        cell[i] = here
        up_to[here] = i + 1
    counts = np.empty(grid, dtype=np.int64)
    below = 0
    for c in range(grid):
        here = max(below, up_to[c])
        counts[c] = here - below
        below = here
    return cell, counts


@jit
def smoothed_density(counts, n, weights):
    """The density of :func:`simulation.metrics.esteban_ray` on its grid, from the
    residents per cell (:func:`cell_counts`, ``n`` residents in all): the counts smoothed
    by ``scipy.ndimage.gaussian_filter1d(counts, σ, mode="reflect")`` with
    ``weights = gaussian_weights(σ)``, times ``grid / n``.

    The smoothing is scipy's ``NI_Correlate1D`` written out: the line extended by reflection
    (``dcba|abcd|dcba``, repeated when the kernel is wider than the line), then for a kernel
    symmetric to ``DBL_EPSILON`` ``out[l] = in[l]·w₀ + Σ_{j=r..1} (in[l−j] + in[l+j])·w₋ⱼ``
    summed from the outermost pair inwards, as scipy sums it. The loops run the other way
    round (kernel offset outside, cell inside, so the cells' sums advance side by side in
    vector registers), but each cell's sum takes the same terms in the same order."""
    grid = counts.size
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
def esteban_ray_from_density(s, cell, density, centre, alpha):
    """The last part of :func:`simulation.metrics.esteban_ray`: with ``s`` the sorted
    opinions, ``cell`` their cells (:func:`cell_counts`) and ``density`` the smoothed
    density on the grid, the mean of ``f̂(xᵢ)^α · â(xᵢ)``, ``f̂`` interpolated linearly
    between the cells' centres as ``np.interp`` does, with ``centre = cell_centres(grid)``.
    The slopes between the centres are divided out once per cell instead of once per
    resident: the same divisions of the same numbers, so the same bits."""
    n = s.size
    grid = density.size
    slope = np.empty(grid)
    for j in range(grid - 1):
        slope[j] = (density[j + 1] - density[j]) / (centre[j + 1] - centre[j])
    # f̂: a resident from centre j up to centre j + 1 lies on the line from density[j] to
    # density[j + 1]; one outside the centres takes the nearest end's value. Its cell's
    # centre is at most half a cell away, so j is its cell or the one before, told by one
    # comparison with the centre (as np.interp's search tells it), not a branch. The
    # running sum of the opinions (the alienation's) advances in the same loop, so its
    # chain of additions overlaps the rest.
    f = np.empty(n)
    below = np.empty(n)
    running = 0.0
    last = grid - 1
    for i in range(n):
        x = s[i]
        j = cell[i] - np.int64(x < centre[cell[i]])
        if j < 0:
            f[i] = density[0]
        elif j == last:
            f[i] = density[last]
        else:
            f[i] = slope[j] * (x - centre[j]) + density[j]
        running += x
        below[i] = running
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
    sum in numpy's order, as :func:`gaussian_weights` divides), the residents per cell
    (:func:`cell_counts`), the density (:func:`smoothed_density`), then :func:`esteban_ray_from_density`, in one call."""
    weights = profile / numpy_sum(profile)
    cell, counts = cell_counts(s, centre.size)
    return esteban_ray_from_density(s, cell, smoothed_density(counts, s.size, weights), centre, alpha)


#: Ties per block that :func:`stage_counts` checks for escalation before it tallies them.
_STAGE_BLOCK = 128


@jit
def _tally_block(stage, start, tally):
    """Adds the stages of the ties ``start`` to ``start + _STAGE_BLOCK`` to ``tally`` (four
    interleaved rows of counters, so that consecutive ties at one stage do not wait for
    each other)."""
    for k in range(start, start + _STAGE_BLOCK, 4):
        tally[0, stage[k]] += 1
        tally[1, stage[k + 1]] += 1
        tally[2, stage[k + 2]] += 1
        tally[3, stage[k + 3]] += 1


@jit
def _stages_from_tally(tally, n):
    """Ties per stage 1..9 from :func:`_tally_block`'s rows; stage 0 is what remains of ``n``."""
    counts = np.zeros(STAGES, dtype=np.int64)
    for j in range(1, STAGES):
        counts[j] = tally[0, j] + tally[1, j] + tally[2, j] + tally[3, j]
    counts[0] = n - counts.sum()
    return counts


@jit
def stage_counts(stage):
    """Ties per Glasl stage 0..9, ``np.bincount(stage, minlength=10)``; whole numbers, the
    same in any order.

    Nearly all ties of a town are at stage 0 on most days, so the ties are taken in blocks:
    one branch-free pass (it vectorises) tells whether a block holds any escalated tie, and
    only such blocks are tallied (:func:`_tally_block`); stage 0 is what remains."""
    tally = np.zeros((4, 16), dtype=np.int64)
    n = stage.size
    full = n - n % _STAGE_BLOCK
    for start in range(0, full, _STAGE_BLOCK):
        block = stage[start:start + _STAGE_BLOCK]
        escalated = 0
        for k in range(_STAGE_BLOCK):
            escalated |= block[k]
        if escalated:
            _tally_block(stage, start, tally)
    for k in range(full, n):
        tally[0, stage[k]] += 1
    return _stages_from_tally(tally, n)


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
    """What the day's tie metrics count, in one pass over the ties: :func:`stage_counts` of
    ``stage``, and :func:`count_both` of ``valence == friendly`` and ``cross_group``
    (friendly cross-group ties, cross-group ties) without making the boolean array first.

    Block by block (:data:`_STAGE_BLOCK` ties), the two counts and the check for escalated
    ties are kept in bytes (at most 128 each, so no byte overflows), which lets the loop
    take 32 or 64 ties per instruction; each block's counts are then added to the totals.
    Valences are -1, 0 and 1, compared as bytes. Whole numbers, the same in any order."""
    n = stage.size
    f = np.int8(friendly)
    tally = np.zeros((4, 16), dtype=np.int64)
    both = 0
    total = 0
    full = n - n % _STAGE_BLOCK
    for start in range(0, full, _STAGE_BLOCK):
        cross = np.uint8(0)
        friendly_cross = np.uint8(0)
        escalated = np.uint8(0)
        for k in range(start, start + _STAGE_BLOCK):
            c = np.uint8(cross_group[k])
            cross = np.uint8(cross + c)
            friendly_cross = np.uint8(friendly_cross + (np.uint8(np.int8(valence[k]) == f) & c))
            escalated = np.uint8(escalated | np.uint8(stage[k]))
        total += cross
        both += friendly_cross
        if escalated:
            _tally_block(stage, start, tally)
    for k in range(full, n):
        c = cross_group[k]
        total += c
        both += (valence[k] == friendly) & c
        tally[0, stage[k]] += 1
    return _stages_from_tally(tally, n), both, total


@jit
def _moment_sums(x, mean):
    """``Σ d²``, ``Σ d²·d`` and ``Σ d²·d²`` with ``d = x − mean``, each added in numpy's order
    (the pairwise summation of :func:`simulation.kernels.compiled.numpy_sum`: the same halves,
    the same 8 interleaved partial sums in each part of up to 128 values, the same running
    sum below 8), the three side by side and each ``d`` worked out where it is added, instead
    of three arrays of terms summed one after another. Each term is the product numpy's
    ``d2 = d * d``, ``d2 * d``, ``d2 * d2`` make, so each sum is the same to the last bit."""
    n = x.size
    if n < 8:
        s2 = 0.0
        s3 = 0.0
        s4 = 0.0
        for i in range(n):
            d = x[i] - mean
            e = d * d
            s2 += e
            s3 += e * d
            s4 += e * e
        return s2, s3, s4
    if n <= 128:
        # partial sums j = 0..7 of the three: a (d²), b (d²·d), c (d²·d²), started from the first 8
        d = x[0] - mean
        a0 = d * d
        b0 = a0 * d
        c0 = a0 * a0
        d = x[1] - mean
        a1 = d * d
        b1 = a1 * d
        c1 = a1 * a1
        d = x[2] - mean
        a2 = d * d
        b2 = a2 * d
        c2 = a2 * a2
        d = x[3] - mean
        a3 = d * d
        b3 = a3 * d
        c3 = a3 * a3
        d = x[4] - mean
        a4 = d * d
        b4 = a4 * d
        c4 = a4 * a4
        d = x[5] - mean
        a5 = d * d
        b5 = a5 * d
        c5 = a5 * a5
        d = x[6] - mean
        a6 = d * d
        b6 = a6 * d
        c6 = a6 * a6
        d = x[7] - mean
        a7 = d * d
        b7 = a7 * d
        c7 = a7 * a7
        full = n - n % 8
        for i in range(8, full, 8):
            d = x[i] - mean
            e = d * d
            a0 += e
            b0 += e * d
            c0 += e * e
            d = x[i + 1] - mean
            e = d * d
            a1 += e
            b1 += e * d
            c1 += e * e
            d = x[i + 2] - mean
            e = d * d
            a2 += e
            b2 += e * d
            c2 += e * e
            d = x[i + 3] - mean
            e = d * d
            a3 += e
            b3 += e * d
            c3 += e * e
            d = x[i + 4] - mean
            e = d * d
            a4 += e
            b4 += e * d
            c4 += e * e
            d = x[i + 5] - mean
            e = d * d
            a5 += e
            b5 += e * d
            c5 += e * e
            d = x[i + 6] - mean
            e = d * d
            a6 += e
            b6 += e * d
            c6 += e * e
            d = x[i + 7] - mean
            e = d * d
            a7 += e
            b7 += e * d
            c7 += e * e
        s2 = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
        s3 = ((b0 + b1) + (b2 + b3)) + ((b4 + b5) + (b6 + b7))
        s4 = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7))
        for i in range(full, n):
            d = x[i] - mean
            e = d * d
            s2 += e
            s3 += e * d
            s4 += e * e
        return s2, s3, s4
    half = n // 2
    half -= half % 8
    l2, l3, l4 = _moment_sums(x[:half], mean)
    r2, r3, r4 = _moment_sums(x[half:], mean)
    return l2 + r2, l3 + r3, l4 + r4


@jit
def central_moments(x):
    """``m2, m3, m4`` of :func:`simulation.metrics.central_moments` (``np.mean`` of ``d²``,
    ``d²·d``, ``d²·d²`` with ``d = x − x.mean()``), summed in numpy's order by
    :func:`_moment_sums` without arrays of terms."""
    n = x.size
    mean = numpy_sum(x) / n
    s2, s3, s4 = _moment_sums(x, mean)
    return s2 / n, s3 / n, s4 / n


@jit
def means_and_group_means(values, grouped, group, n_groups):
    """The mean of each array in the tuple ``values`` (``a.mean()``, summed in numpy's order
    by :func:`simulation.kernels.compiled.numpy_sum`) and the means per group of each
    array in the tuple ``grouped`` (:func:`simulation.metrics.mean_by_group`: summed in
    resident order as ``np.bincount`` does, by :func:`~simulation.kernels.compiled.group_sums_in_runs`; nan for an
    empty group).

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
    (:func:`central_moments`) and :func:`means_and_group_means` of the rest."""
    return central_moments(x), means_and_group_means(values, grouped, group, n_groups)
