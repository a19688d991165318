"""The day's rules compiled with numba: the same rules as the numpy kernels, fused per step.

Why: at a town of 2,000 residents one numpy operation costs a few microseconds whatever it
does, and a day took some 850 of them, so the day was Python overhead, not arithmetic. Each
function here fuses the operations of one step of the day (one rule of
:mod:`simulation.kernels.opinion` or :mod:`simulation.kernels.conflict`) into one loop.

The numpy kernels stay the reference: each compiled function names the function it
replaces and computes exactly what it computes, in the same order of floating-point
operations (a sum over ties runs in tie order, as ``np.bincount`` does; a sparse product
runs in the adjacency's stored order, as scipy's does), so a run gives bit-identical
results on either path. Random numbers are never drawn here: the model draws them from its
generator exactly as the reference path does and hands them in, so the order of draws is
the same too. ``tests/test_fast_path.py`` runs whole scenarios on both paths and requires
identical results.

The compiled path is used when numba is installed and ``QUARTIER_KERNELS`` is not
``numpy``; :data:`ENABLED` says which. Compiled code is cached on disk (``cache=True``), so
only the first run on a machine pays the compilation (a few seconds).
"""

from __future__ import annotations

import os

import numpy as np

try:  # numba is a dependency; the reference path keeps working without it.
    import numba

    AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    numba = None
    AVAILABLE = False

#: Whether the model uses the compiled kernels (``QUARTIER_KERNELS=numpy`` selects the
#: numpy reference path; tests switch it per model).
ENABLED = AVAILABLE and os.environ.get("QUARTIER_KERNELS", "compiled") != "numpy"

__all__ = [
    "AVAILABLE",
    "ENABLED",
    "jit",
    "tie_views",
    "tie_view_counts",
    "tie_views_update",
    "pairwise_round",
    "contact_threat_anchor",
    "contact_ties",
    "contact_threat_anchor_at",
    "tension_step",
    "hostile_tie_step",
    "hostile_ties_climb",
    "hostile_ties_climb_listed",
    "hostile_ties",
    "hostile_candidates",
    "hostile_candidates_by_resident",
    "tie_runs",
    "group_sums",
    "group_sums_in_runs",
    "incident_candidates",
    "incident_effects",
]

FRIENDLY, NEUTRAL, HOSTILE = 1, 0, -1
MAX_STAGE = 9


def jit(f):
    """Compile ``f`` with numba (cached on disk, no GIL held); ``f`` itself without numba."""
    if not AVAILABLE:
        return f
    return numba.njit(cache=True, nogil=True)(f)


def jit_dividing(f):
    """:func:`jit` for a kernel whose divisors are never zero (degrees and counts kept at
    least 1): with numpy's error model a division is the processor's alone, without
    Python's test for zero before each one, so a loop that divides can vectorise. A
    nonzero divisor gives the same quotient either way."""
    if not AVAILABLE:
        return f
    return numba.njit(cache=True, nogil=True, error_model="numpy")(f)



@jit
def _index(i):
    """``i`` as an unsigned index: a resident or tie index read from an array (never negative).

    numba gives a signed index Python's meaning (``-1`` is the last element) with a test and
    an addition on every access; read from an array, an index cannot be proved
    non-negative, so that costs a few instructions per gathered or scattered element, as
    much as the rest of a tie loop's work. An unsigned index is used as it is; the element
    is the same one."""
    return np.uint32(i)


@jit
def _numpy_sum(a):
    """``a.sum()`` for up to 128 values, added in numpy's order (pairwise summation: one
    running sum below 8 values, else 8 interleaved partial sums), so the result is the same
    to the last bit."""
    n = a.size
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    r = a[:8].copy()
    full = n - n % 8
    for i in range(8, full, 8):
        for j in range(8):
            r[j] += a[i + j]
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for i in range(full, n):
        res += a[i]
    return res


#: Positions in :func:`tie_view_counts`' tuple, read by name wherever the kept counts are
#: read (numba takes a module's integers as constants, so a tuple can be indexed by them).
(SEEN, N_HOSTILE, N_CONTACT, HOSTILE_TIE, CONTACT_TIE, HOSTILE_SHARE, CROSS_SHARE, FIRST_TIE, SORTED_END,
 CONTACT_LIST, CONTACT_COUNT) = range(11)


@jit
def tie_views(u, v, valence, cross_group, safe_degree):
    """Per-resident shares of hostile ties and of friendly cross-group ties.

    Reference: ``QuartierModel._update_tie_views`` (two ``np.bincount`` per share).
    Returns ``(hostile_tie, hostile_share, contact_tie, friendly_cross_share)``.
    """
    counts = tie_view_counts(u, v, valence, cross_group, safe_degree)
    return counts[HOSTILE_TIE], counts[HOSTILE_SHARE], counts[CONTACT_TIE], counts[CROSS_SHARE]


@jit
def tie_view_counts(u, v, valence, cross_group, safe_degree):
    """What :func:`tie_views` computes, kept for :func:`tie_views_update`: the valence it was
    counted from, each resident's hostile and friendly cross-group ties, which ties are
    hostile and which friendly cross-group, and the two shares; then, for the compiled
    day's scans by resident, where each resident's ties start (:func:`tie_runs`); last, the
    friendly cross-group ties in index order (the first ``count[0]`` of ``contact``), the
    contact pull's (:func:`contact_threat_anchor_at`)."""
    n = safe_degree.size
    m = u.size
    hostile_tie = np.empty(m, dtype=np.bool_)
    contact_tie = np.empty(m, dtype=np.bool_)
    n_hostile = np.zeros(n, dtype=np.int64)
    n_contact = np.zeros(n, dtype=np.int64)
    for k in range(m):
        h = valence[k] == HOSTILE
        c = (valence[k] == FRIENDLY) & cross_group[k]
        hostile_tie[k] = h
        contact_tie[k] = c
        if h:  # rare: a branch the processor predicts
            n_hostile[u[k]] += 1
            n_hostile[v[k]] += 1
        # common and unpredictable: added without a branch
        n_contact[u[k]] += c
        n_contact[v[k]] += c
    hostile_share = np.empty(n)
    friendly_cross_share = np.empty(n)
    for i in range(n):
        hostile_share[i] = n_hostile[i] / safe_degree[i]
        friendly_cross_share[i] = n_contact[i] / safe_degree[i]
    first_tie, sorted_end = tie_runs(u, n)
    contact = np.empty(m, dtype=np.int64)
    listed = contact_ties(contact_tie)
    contact[: listed.size] = listed
    count = np.array([listed.size])
    return (valence.copy(), n_hostile, n_contact, hostile_tie, contact_tie, hostile_share, friendly_cross_share,
            first_tie, sorted_end, contact, count)


@jit
def tie_runs(u, n):
    """Where each resident's ties start: ties ``first_tie[i]`` up to ``first_tie[i + 1]`` of
    the first ``sorted_end`` ties are those with ``u == i``.

    A town's ties are sorted by ``u`` (:mod:`simulation.network`), except newcomers' ties,
    appended after them; ``sorted_end`` is where the sorted ties end. Returns
    ``(first_tie, sorted_end)``.
    """
    m = u.size
    sorted_end = m
    for k in range(1, m):
        if u[k] < u[k - 1]:
            sorted_end = k
            break
    # Each resident's ties end after the last one of them; a resident without ties starts
    # and ends where the one before ends.
    first_tie = np.zeros(n + 1, dtype=np.int64)
    for k in range(sorted_end):
        first_tie[u[k] + 1] = k + 1
    for i in range(1, n + 1):
        first_tie[i] = max(first_tie[i], first_tie[i - 1])
    return first_tie, sorted_end


#: Ties per block that the scans over all ties (:func:`_changed_ties`, :func:`_indices_in`)
#: test at once: a fixed count, so that the test vectorises, and blocks without a find
#: are skipped.
_BLOCK = 64


@jit
def tie_views_update(u, v, valence, cross_group, safe_degree, counts):
    """:func:`tie_views` from the ``counts`` of :func:`tie_view_counts`, brought up to date in
    place: only the ties whose valence differs from the one counted are counted again.

    A day turns a few dozen of a town's ten thousand ties, so the valence is compared with
    the counted one a block at a time (a branch-free pass) and only blocks with a change
    are visited; a resident's shares are divided again only when a tie of theirs changed.
    The counts are whole numbers, so they, and the shares divided from them, are
    :func:`tie_views`' to the bit (``tests/test_fast_path.py``).
    """
    seen, n_hostile, n_contact = counts[SEEN], counts[N_HOSTILE], counts[N_CONTACT]
    hostile_tie, contact_tie = counts[HOSTILE_TIE], counts[CONTACT_TIE]
    hostile_share, friendly_cross_share = counts[HOSTILE_SHARE], counts[CROSS_SHARE]
    # One loop with the rule written out over the changed ties: a call per tie or block to
    # a function taking these arrays costs some 100 ns (numba counts the references to each
    # array it passes).
    changed = _changed_ties(valence, seen)
    contact_changed = 0
    for j in range(changed.size):
        k = changed[j]
        seen[k] = valence[k]
        h = valence[k] == HOSTILE
        c = (valence[k] == FRIENDLY) & cross_group[k]
        dh = np.int64(h) - np.int64(hostile_tie[k])
        dc = np.int64(c) - np.int64(contact_tie[k])
        hostile_tie[k] = h
        contact_tie[k] = c
        for i in (u[k], v[k]):
            n_hostile[i] += dh
            n_contact[i] += dc
            hostile_share[i] = n_hostile[i] / safe_degree[i]
            friendly_cross_share[i] = n_contact[i] / safe_degree[i]
        changed[contact_changed] = k  # the contact ties that came or went, in index order
        contact_changed += dc != 0
    if contact_changed:  # a few ties a day: the list kept in order, not made again from all ties
        _keep_listed(counts[CONTACT_LIST], counts[CONTACT_COUNT], changed[:contact_changed], contact_tie)
    return hostile_tie, hostile_share, contact_tie, friendly_cross_share


@jit
def _keep_listed(listed, count, changed, present):
    """The ascending list of the first ``count[0]`` of ``listed`` with the ties ``changed``
    (ascending) added where ``present`` is now true and removed where it is now false.

    One merge of the old list with the day's changes: a move of the list's tail for each
    change cost as much as the rest of the tie views' update. The listed ties between two
    changes are found by a binary search and moved as one block (a day has a few changes
    among some 1,500 listed ties: 3.9 -> 1.8 µs for five, tie by tie before)."""
    old = listed[: count[0]].copy()
    size = 0
    i = 0
    for k in changed:
        below = i + np.searchsorted(old[i:], k)  # the old ties before k
        listed[size : size + below - i] = old[i:below]
        size += below - i
        i = below
        if present[k]:
            listed[size] = k
            size += 1
        else:  # the list holds k: skip it
            i += 1
    rest = old.size - i
    listed[size : size + rest] = old[i:]
    count[0] = size + rest


@jit
def _changed_ties(valence, seen):
    """The ties whose ``valence`` differs from ``seen``, in index order: compared a block
    of :data:`_BLOCK` at a time, a word of eight ties at once; only the words with a
    change in a block with a change are looked at tie by tie (a day's few dozen changes are mostly
    one to a block, and a block's 64 ties one by one cost some 60 ns)."""
    m = valence.size
    out = np.empty(m, dtype=np.int64)
    count = 0
    full = m - m % _BLOCK
    per_word = 8 // valence.itemsize  # eight of the model's int8 valences
    now = valence[:full].view(np.uint64)
    before = seen[:full].view(np.uint64)
    words = _BLOCK // per_word
    for start in range(0, full // per_word, words):
        # the words as unsigned indices (:func:`_index`): with signed ones the block's test
        # did not vectorise (2.4 against 0.8 µs a scan of 10,410 ties)
        changed = np.uint64(0)
        for j in range(words):
            w = _index(start + j)
            changed |= now[w] ^ before[w]
        if changed:
            for j in range(words):
                w = _index(start + j)
                if now[w] != before[w]:
                    for k in range(per_word * w, per_word * w + per_word):
                        if valence[k] != seen[k]:
                            out[count] = k
                            count += 1
    for k in range(full, m):  # the last, partial block
        if valence[k] != seen[k]:
            out[count] = k
            count += 1
    return out[:count]


@jit
def pairwise_round(
    x, u, v, cand, tolerance, gain, contact_share, mu, rejection_radius, hostile, use_hostile, hostile_rejection_radius,
):  # fmt: skip
    """One round of the pairwise rules, in place, on the matching drawn as ``cand``.

    Reference: :func:`simulation.kernels.opinion.deffuant_round` — ``cand`` are the
    ``n // 2`` tie draws of :func:`~simulation.kernels.opinion.random_matching` (a tie meets
    when it is the first drawn tie of both ends), the update is
    :func:`~simulation.kernels.opinion.pairwise_bounded_confidence`. With ``gain > 0`` a
    resident's tolerance is ``min(1, ε·(1 + gain·contact_share))`` as ``QuartierModel._opinion_step``
    computes it for everyone, here only for the residents who meet. Returns the pairs met.
    """
    n = x.size
    k = cand.size
    first = np.full(n, k, dtype=np.int32)  # positions below n // 2: half the memory of int64
    # The drawn ties' ends, gathered once: in a large town each is a read far apart in memory.
    ends_a = np.empty(k, dtype=u.dtype)
    ends_b = np.empty(k, dtype=v.dtype)
    for pos in range(k):
        t = _index(cand[pos])
        a = _index(u[t])
        b = _index(v[t])
        ends_a[pos] = a
        ends_b[pos] = b
        if first[a] > pos:
            first[a] = pos
        if first[b] > pos:
            first[b] = pos
    # The pairs that meet, listed without a branch: whether a drawn tie meets is as good as
    # random, and a branch on it would be mispredicted at about every second draw.
    meets = np.empty(k, dtype=np.int32)
    met = 0
    for pos in range(k):
        meets[met] = pos
        met += (first[_index(ends_a[pos])] == pos) & (first[_index(ends_b[pos])] == pos)
    hostile_reject = min(rejection_radius, hostile_rejection_radius)
    for j in range(met):
        pos = _index(meets[j])
        a = _index(ends_a[pos])
        b = _index(ends_b[pos])
        t = _index(cand[pos])
        xa = x[a]
        xb = x[b]
        diff = xb - xa
        dist = abs(diff)
        friendly_enough = True
        reject_at = rejection_radius
        if use_hostile and hostile[t]:
            friendly_enough = False
            reject_at = hostile_reject
        repel = dist > reject_at
        step = mu * diff
        tol_a = tolerance[a]
        tol_b = tolerance[b]
        if gain > 0.0:
            tol_a = min(1.0, tol_a * (1.0 + gain * contact_share[a]))
            tol_b = min(1.0, tol_b * (1.0 + gain * contact_share[b]))
        move_a = (step if (friendly_enough and dist < tol_a) else 0.0) - (step if repel else 0.0)
        move_b = (-step if (friendly_enough and dist < tol_b) else 0.0) + (step if repel else 0.0)
        x[a] = min(max(xa + move_a, 0.0), 1.0)
        x[b] = min(max(xb + move_b, 0.0), 1.0)
    return met


@jit
def contact_threat_anchor(x, u, v, contact_tie, pull_rate, group, threat, shift_rate, n_groups, stubbornness, x0, anchor):
    """Intergroup contact pull, then group threat shift, then anchoring; returns new opinions.

    References: :func:`simulation.kernels.opinion.intergroup_contact_pull` (with
    ``pull_rate``), :func:`~simulation.kernels.opinion.group_threat_shift` (with
    ``shift_rate``) and the anchoring ``(1 − s)·x + s·x₀`` of ``QuartierModel._opinion_step``
    (when ``anchor``). A rate of 0 skips its rule, as the reference does.
    """
    contact = np.empty(0, dtype=np.int64)
    n_contact = np.zeros(x.size, dtype=np.int64)
    if pull_rate > 0.0:
        contact = contact_ties(contact_tie)
        for t in contact:
            n_contact[u[t]] += 1
            n_contact[v[t]] += 1
    return contact_threat_anchor_at(x, u, v, contact, n_contact, pull_rate, group, threat, shift_rate, n_groups,
                                    stubbornness, x0, anchor)


@jit
def contact_ties(contact_tie):
    """``np.flatnonzero(contact_tie)``: the friendly cross-group ties, in index order.

    Without a branch per tie: which ties are contact ties is as good as random, a branch
    on it would be mispredicted at about every fifth tie."""
    out = np.empty(contact_tie.size, dtype=np.int64)
    count = 0
    for k in range(contact_tie.size):
        out[count] = k
        count += contact_tie[k]
    return out[:count]


@jit_dividing
def contact_threat_anchor_at(x, u, v, contact, n_contact, pull_rate, group, threat, shift_rate, n_groups,
                             stubbornness, x0, anchor):
    """:func:`contact_threat_anchor` given the contact ties ``contact`` (in index order) and
    each resident's number of them, ``n_contact``, as the compiled day keeps them
    (:func:`tie_view_counts`): the pull then runs over those ties only, each added in the
    reference's order.

    The threat shift sums opinions per group in resident order (``np.bincount``'s), a run
    of one group at a time (:func:`group_sums`).
    """
    n = x.size
    if pull_rate > 0.0 and contact.size > 0:
        out = np.empty(n)  # every resident's opinion is written below: no copy first
        pull_a = np.zeros(n)
        pull_b = np.zeros(n)
        for t in contact:
            a = _index(u[_index(t)])
            b = _index(v[_index(t)])
            diff = x[b] - x[a]
            pull_a[a] += diff
            pull_b[b] += diff
        for i in range(n):
            out[i] = min(max(x[i] + pull_rate * (pull_a[i] - pull_b[i]) / max(n_contact[i], 1), 0.0), 1.0)
    else:
        out = x.copy()
    if shift_rate > 0.0 and n_groups >= 2:
        counts, sums = group_sums(out, group, n_groups)
        total = _numpy_sum(sums)
        total_count = _numpy_sum(counts)
        direction = np.empty(n_groups)
        for g in range(n_groups):
            own = sums[g] / max(counts[g], 1.0)
            rest = (total - sums[g]) / max(total_count - counts[g], 1.0)
            direction[g] = 1.0 if own > rest else (-1.0 if own < rest else 0.0)
        for i in range(n):
            out[i] = min(max(out[i] + shift_rate * threat[i] * direction[_index(group[i])], 0.0), 1.0)
    if anchor:
        for i in range(n):
            out[i] = (1.0 - stubbornness[i]) * out[i] + stubbornness[i] * x0[i]
    return out


@jit_dividing
def tension_step(
    opinion, u, v, safe_degree, stress, hostile_share, grievance, threat, friendly_cross_share, trust, tension,
    w_distrust, w_hostile, w_grievance, w_threat, w_distance, relief, relaxation, threat_keep, grievance_keep,
):  # fmt: skip
    """Tension relaxes toward its drive; threat and grievance decay. In place.

    Reference: ``QuartierModel._tension_step`` with
    :func:`simulation.kernels.conflict.tension_drive`; ``threat_keep`` is
    ``(1 − threat decay)·(1 − damping)``, ``grievance_keep`` ``1 − grievance decay``.
    """
    n = opinion.size
    dist_u = np.zeros(n)
    dist_v = np.zeros(n)
    for k in range(u.size):
        a = _index(u[k])
        b = _index(v[k])
        d = abs(opinion[a] - opinion[b])
        dist_u[a] += d
        dist_v[b] += d
    # The residents' part in three loops, each short enough in arrays that the compiler
    # vectorises it (it must test at run time that the arrays written do not overlap those
    # read, and gives up above a handful): each resident's value is the same arithmetic.
    distance = dist_u
    for i in range(n):
        distance[i] = (dist_u[i] + dist_v[i]) / safe_degree[i]
    for i in range(n):
        drive = (
            stress[i]
            + w_distrust * (1.0 - trust[i])
            + w_hostile * hostile_share[i]
            + w_grievance * grievance[i]
            + w_threat * threat[i]
            + w_distance * distance[i]
            - relief * friendly_cross_share[i]
        )
        drive = min(max(drive, 0.0), 1.0)
        tension[i] += relaxation * (drive - tension[i])
    for i in range(n):  # threat and grievance decay after the drive has read them
        threat[i] *= threat_keep
    for i in range(n):  # (a loop each: faster than one loop writing both)
        grievance[i] *= grievance_keep


@jit
def hostile_tie_step(
    valence, stage, u, v, tension, r_step, r_settle, settle, escalate, deescalate, stickiness, barrier,
    tension_threshold, distance_threshold, opinion,
):  # fmt: skip
    """Hostile ties climb, fall or settle (first part of
    :func:`simulation.kernels.conflict.update_ties`, in place, with its draws ``r_step`` and
    ``r_settle`` over the hostile ties in index order); returns the candidates of the second
    part: non-hostile ties whose ends are both tense and far apart, in index order.
    """
    hostile_ties_climb(valence, stage, u, v, tension, r_step, r_settle, settle, escalate, deescalate, stickiness,
                       barrier, MAX_STAGE + 1)
    return hostile_candidates(valence, u, v, tension, tension_threshold, distance_threshold, opinion)


@jit
def hostile_ties_climb(valence, stage, u, v, tension, r_step, r_settle, settle, escalate, deescalate, stickiness,
                       barrier, high_stage):
    """Hostile ties climb, fall or settle: the first part of :func:`hostile_tie_step`, in
    place; returns the ties that reached ``high_stage`` from below today, in index order
    (none if ``high_stage`` is above :data:`MAX_STAGE`).

    The hostile ties are found first (:func:`hostile_ties`), then each climbs with its
    draws, in index order. Only this loop changes a stage upwards, so the ties it lifts to
    ``high_stage`` are ``(stage ≥ high_stage) & ~(stage before ≥ high_stage)`` after the
    day's tie changes (a tie turning hostile starts at stage 1).
    """
    return hostile_ties_climb_listed(hostile_ties(valence), valence, stage, u, v, tension, r_step, r_settle, settle,
                                     escalate, deescalate, stickiness, barrier, high_stage)


@jit
def hostile_ties_climb_listed(hostile, valence, stage, u, v, tension, r_step, r_settle, settle, escalate, deescalate,
                              stickiness, barrier, high_stage):
    """:func:`hostile_ties_climb` given the hostile ties, ``hostile`` (:func:`hostile_ties`)."""
    # One loop with the rule written out: a call per tie to a function taking these arrays
    # costs some 100 ns (numba counts the references to each array it passes).
    risen = np.empty(hostile.size, dtype=np.int64)
    n_risen = 0
    for j in range(hostile.size):
        k = hostile[j]
        mean_h = 0.5 * (tension[u[k]] + tension[v[k]])
        s = stage[k]
        entrenched = stickiness * (s - 1) / (MAX_STAGE - 1)
        p_up = escalate * mean_h * (barrier if (s == 3 or s == 6) else 1.0)
        r = r_step[j]
        if r < p_up:
            stage[k] = min(s + 1, MAX_STAGE)
        elif r < p_up + deescalate * (1.0 - mean_h) * (1.0 - entrenched):
            stage[k] = s - 1
            if s - 1 == 0:
                valence[k] = NEUTRAL
        if settle and r_settle[j] < settle:
            valence[k] = NEUTRAL
            stage[k] = 0
        if s < high_stage <= stage[k]:
            risen[n_risen] = k
            n_risen += 1
    return risen[:n_risen]


@jit
def _indices_in(values, low, only):
    """``np.flatnonzero(values == low)`` if ``only``, else ``np.flatnonzero(values >= low)``,
    for int8 ``values`` (valences or Glasl stages) and an int8 ``low``. A town has few ties
    that a scan looks for, so the values are tested a block of :data:`_BLOCK` at a time
    (int8 against int8, one comparison: it vectorises widely; a range test of two was 1.6
    times slower) and only blocks with a find are looked at one by one."""
    out = np.empty(values.size, dtype=np.int64)
    count = 0
    m = values.size
    full = m - m % _BLOCK
    for start in range(0, full, _BLOCK):
        found = np.uint8(0)
        if only:
            for k in range(start, start + _BLOCK):
                found |= np.uint8(values[k] == low)
        else:
            for k in range(start, start + _BLOCK):
                found |= np.uint8(values[k] >= low)
        if found:
            for k in range(start, start + _BLOCK):
                if values[k] == low if only else values[k] >= low:
                    out[count] = k
                    count += 1
    for k in range(full, m):  # the last, partial block
        if values[k] == low if only else values[k] >= low:
            out[count] = k
            count += 1
    return out[:count]


@jit
def hostile_ties(valence):
    """``np.flatnonzero(valence == HOSTILE)`` (:func:`_indices_in`)."""
    return _indices_in(valence, np.int8(HOSTILE), True)


@jit
def hostile_candidates(valence, u, v, tension, tension_threshold, distance_threshold, opinion):
    """Non-hostile ties whose ends are both at least ``tension_threshold`` tense and at least
    ``distance_threshold`` apart, in index order: the second part of :func:`hostile_tie_step`.
    """
    cand = np.empty(valence.size, dtype=np.int64)
    count = _candidates_from(0, cand, 0, valence, u, v, tension, tension_threshold, distance_threshold, opinion)
    return cand[:count]


@jit
def _candidates_from(start, cand, count, valence, u, v, tension, tension_threshold, distance_threshold, opinion):
    """The rule of :func:`hostile_candidates` over the ties from ``start`` on: appends them
    to ``cand`` after its first ``count`` and returns the new count."""
    for j in range(valence.size - start):
        k = _index(start + j)  # unsigned (_index) and counted from 0: 0.85 of the time on a captured day
        a = _index(u[k])
        b = _index(v[k])
        if tension[a] >= tension_threshold and tension[b] >= tension_threshold and valence[k] != HOSTILE:
            if abs(opinion[a] - opinion[b]) >= distance_threshold:
                cand[count] = k
                count += 1
    return count


@jit
def hostile_candidates_by_resident(valence, u, v, tension, tension_threshold, distance_threshold, opinion, first_tie,
                                   sorted_end):
    """:func:`hostile_candidates` given where each resident's ties start (:func:`tie_runs`).

    Few residents are tense, so the sorted ties are visited by resident, only the tense
    residents' ties; then the unsorted ones after them. Residents in increasing order and
    each one's ties in order give the ties in index order, as a loop over all ties would.
    """
    cand = np.empty(valence.size, dtype=np.int64)
    count = 0
    for a in range(tension.size):
        if tension[a] >= tension_threshold:
            for j in range(first_tie[a + 1] - first_tie[a]):
                k = _index(first_tie[a] + j)  # as in _candidates_from
                b = _index(v[k])
                if tension[b] >= tension_threshold and valence[k] != HOSTILE:
                    if abs(opinion[a] - opinion[b]) >= distance_threshold:
                        cand[count] = k
                        count += 1
    count = _candidates_from(sorted_end, cand, count, valence, u, v, tension, tension_threshold, distance_threshold,
                             opinion)
    return cand[:count]


@jit
def incident_candidates(stage, min_stage):
    """Ties at stage ``min_stage`` or higher, in index order (the ties at risk of
    :func:`simulation.kernels.conflict.draw_incidents`); ``stage`` holds int8 Glasl stages.
    Few ties are that far up: :func:`_indices_in` skips the blocks without one."""
    if min_stage > 127:  # above any stage an int8 holds
        return np.empty(0, dtype=np.int64)
    return _indices_in(stage, np.int8(max(min_stage, -128)), False)


@jit
def incident_effects(
    incidents, u, v, district, n_districts, indptr, indices, data, degree, tension, grievance, threat, threshold, trust,
    jump, neighbour_jump, grievance_per_incident, district_threat, rounds, legitimacy, min_tension, mobilised_jump,
):  # fmt: skip
    """Effects of today's incidents and the mobilisation they trigger, in place; returns the
    number of residents who joined.

    Reference: ``QuartierModel._incident_step`` after the draw, with
    :func:`simulation.kernels.conflict.granovetter_cascade` (the adjacency given as CSR
    arrays ``indptr, indices, data``; symmetric with weights 1, as ``Ties.adjacency`` makes
    it, so sums over neighbours are whole numbers and exact in any order). The work is over
    the incidents' parties and their neighbours, plus one pass over residents.
    """
    n = tension.size
    involved = np.zeros(n)
    for k in range(incidents.size):
        involved[u[incidents[k]]] += 1.0
    for k in range(incidents.size):
        involved[v[incidents[k]]] += 1.0
    # The parties, each once and ascending (as a scan of ``involved`` would find them), so
    # that nothing below but the per-resident updates passes over every resident: in a
    # town of 100,000 a day's dozen incidents cost a dozen passes over all of them before.
    parties = np.unique(np.concatenate((u[incidents], v[incidents])))
    # Incidents touched by residents' neighbours: scattered from the parties only (the
    # adjacency's weights are 1 in the model, so these counts are exact in any order).
    near = np.zeros(n)
    for i in parties:
        for jj in range(indptr[i], indptr[i + 1]):
            near[indices[jj]] += data[jj] * involved[i]
    for i in range(n):
        tension[i] = min(max(tension[i] + jump * involved[i] + neighbour_jump * near[i], 0.0), 1.0)
        grievance[i] = min(max(grievance[i] + grievance_per_incident * involved[i], 0.0), 1.0)
    per_district = np.zeros(n_districts, dtype=np.int64)
    population = np.zeros(n_districts, dtype=np.int64)
    for k in range(incidents.size):
        per_district[district[u[incidents[k]]]] += 1
    # Counted a run of one district at a time: the town lays residents out district by
    # district, and a count incremented resident after resident waits for its own last
    # store each time (some 5 us at 2,000 residents; the runs take a fraction of it).
    start = 0
    for i in range(1, n + 1):
        if i == n or district[i] != district[start]:
            population[district[start]] += i - start
            start = i
    per_thousand = np.empty(n_districts)
    for d in range(n_districts):
        per_thousand[d] = 1000.0 * per_district[d] / max(population[d], 1)
    for i in range(n):
        threat[i] = min(max(threat[i] + district_threat * per_thousand[district[i]], 0.0), 1.0)
    if rounds <= 0:
        return 0
    return _cascade(parties, indptr, indices, data, degree, tension, threshold, trust, rounds, legitimacy, min_tension,
                    mobilised_jump)


@jit
def _cascade(seeds, indptr, indices, data, degree, tension, threshold, trust, rounds, legitimacy, min_tension,
             mobilised_jump):
    """:func:`simulation.kernels.conflict.granovetter_cascade` from the residents ``seeds``
    (ascending, each once), then the joiners' tension jump; returns the number who joined.
    Only neighbours of those who joined in the last round are tested again (nobody else's
    share of active neighbours changed, and they failed the same test a round before).
    Active neighbours are counted with the adjacency's weights; the model's are 1, so the
    counts are exact in any order. Each joiner joins once, so the jump is given to the
    joiners as listed, not by a pass over every resident."""
    n = tension.size
    active = np.zeros(n, dtype=np.bool_)
    for f in seeds:
        active[f] = True
    weight_active = np.zeros(n)
    for f in seeds:
        for jj in range(indptr[f], indptr[f + 1]):
            weight_active[indices[jj]] += data[jj]
    marked = np.zeros(n, dtype=np.bool_)
    joiners = np.empty(n, dtype=np.int64)  # every round's joiners, one round after another
    frontier = seeds.astype(np.int64)  # the joiners' type, as it becomes their slice
    total = 0
    for _ in range(rounds):
        count = total
        for f in frontier:
            for jj in range(indptr[f], indptr[f + 1]):
                i = indices[jj]
                if active[i] or marked[i] or tension[i] < min_tension:
                    continue
                marked[i] = True
                share = weight_active[i] / max(degree[i], 1)
                if share > 0.0 and share >= threshold[i] * (1.0 - legitimacy * (1.0 - trust[i])):
                    joiners[count] = i
                    count += 1
        for f in frontier:
            for jj in range(indptr[f], indptr[f + 1]):
                marked[indices[jj]] = False
        if count == total:
            break
        frontier = joiners[total:count]
        total = count
        for i in frontier:
            active[i] = True
        for f in frontier:
            for jj in range(indptr[f], indptr[f + 1]):
                weight_active[indices[jj]] += data[jj]
    for i in joiners[:total]:
        tension[i] = min(tension[i] + mobilised_jump, 1.0)
    return total


@jit
def numpy_sum(a):
    """``a.sum()`` of a contiguous float array, added in numpy's order (pairwise summation:
    one running sum below 8 values, 8 interleaved partial sums up to 128, halves above), so
    the result is the same to the last bit."""
    n = a.size
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    if n <= 128:
        r0, r1, r2, r3, r4, r5, r6, r7 = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
        full = n - n % 8
        for i in range(8, full, 8):
            r0 += a[i]
            r1 += a[i + 1]
            r2 += a[i + 2]
            r3 += a[i + 3]
            r4 += a[i + 4]
            r5 += a[i + 5]
            r6 += a[i + 6]
            r7 += a[i + 7]
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        for i in range(full, n):
            res += a[i]
        return res
    half = n // 2
    half -= half % 8
    return numpy_sum(a[:half]) + numpy_sum(a[half:])


@jit
def group_sums(values, group, n_groups):
    """Residents and the sum of ``values`` per group, summed in index order as
    ``np.bincount`` does (:func:`group_sums_in_runs` for one array)."""
    counts, sums = group_sums_in_runs((values,), group, n_groups)
    return counts, sums[:, 0]


@jit
def group_sums_in_runs(grouped, group, n_groups):
    """Residents per group and the sum per group of each array in the tuple ``grouped``,
    each sum taken in resident order as ``np.bincount(group, weights=a)`` takes it.

    The town lays its residents out block by block (district, then group), so they come in
    long runs of one group: in one loop over the residents the current group's sums are
    carried in registers, three arrays side by side (their sums do not wait for each
    other), and written back when the group changes (no search for each run's end first:
    that search cost as much as the sums). Each group's sum starts at 0 and takes its
    residents' values in index order; any order of groups gives the same sums, only slower
    when the runs are short.

    Returns ``counts[g]`` and ``sums[g, k]``."""
    n = group.size
    k_grouped = len(grouped)
    last = k_grouped - 1
    counts = np.zeros(n_groups, dtype=np.int64)
    sums = np.zeros((n_groups, k_grouped))
    if n == 0:
        return counts, sums
    for k in range(0, k_grouped, 3):
        # three at a time; past the last array, the last one is summed again (same sum)
        k1 = min(k + 1, last)
        k2 = min(k + 2, last)
        a0 = grouped[k]
        a1 = grouped[k1]
        a2 = grouped[k2]
        g = group[0]
        start = 0
        r0 = 0.0
        r1 = 0.0
        r2 = 0.0
        for i in range(n):
            h = group[i]
            if h != g:
                sums[g, k] = r0
                sums[g, k1] = r1
                sums[g, k2] = r2
                if k == 0:
                    counts[g] += i - start
                g = h
                start = i
                r0 = sums[g, k]
                r1 = sums[g, k1]
                r2 = sums[g, k2]
            r0 += a0[i]
            r1 += a1[i]
            r2 += a2[i]
        sums[g, k] = r0
        sums[g, k1] = r1
        sums[g, k2] = r2
        if k == 0:
            counts[g] += n - start
    return counts, sums


@jit
def variance(x):
    """``np.var(x)``: the mean, then the mean squared deviation, both summed in numpy's order."""
    n = x.size
    mean = numpy_sum(x) / n
    d = np.empty(n)
    for i in range(n):
        d[i] = (x[i] - mean) * (x[i] - mean)
    return numpy_sum(d) / n


@jit
def clusters_of_sorted(s, gap, major_size):
    """Clusters of sorted opinions split where neighbours are more than ``gap`` apart, and
    those of at least ``major_size`` residents (:func:`simulation.metrics.opinion_clusters`)."""
    if s.size == 0:
        return 0, 0
    clusters = 0
    major = 0
    start = 0
    for i in range(1, s.size + 1):
        if i == s.size or s[i] - s[i - 1] > gap:
            clusters += 1
            if i - start >= major_size:
                major += 1
            start = i
    return clusters, major


@jit
def befriend_candidates(chance, valence, u, v, opinion, tolerance, calm):
    """Of the ties ``chance`` (drawn for befriending), the neutral ones between calm residents
    whose views lie within both tolerances (:func:`simulation.kernels.conflict.change_friendships`)."""
    out = np.empty(chance.size, dtype=np.int64)
    count = 0
    for t in chance:
        a = u[t]
        b = v[t]
        if valence[t] == NEUTRAL and calm[a] and calm[b]:
            if abs(opinion[a] - opinion[b]) < min(tolerance[a], tolerance[b]):
                out[count] = t
                count += 1
    return out[:count]


@jit
def cooling_candidates(chance, valence, u, v, opinion, tolerance):
    """Of the ties ``chance`` (drawn for cooling), the friendly ones, and whether their ends'
    views lie beyond both tolerances (:func:`simulation.kernels.conflict.change_friendships`)."""
    out = np.empty(chance.size, dtype=np.int64)
    beyond = np.empty(chance.size, dtype=np.bool_)
    count = 0
    for t in chance:
        if valence[t] == FRIENDLY:
            a = u[t]
            b = v[t]
            out[count] = t
            beyond[count] = abs(opinion[a] - opinion[b]) > max(tolerance[a], tolerance[b])
            count += 1
    return out[:count], beyond[:count]
