"""Opinion rules as pure functions on arrays.

Every rule takes the opinions ``x`` (float array in [0, 1]), the ties (``u``, ``v`` int
arrays, one entry per undirected tie) and per-resident parameters, and returns new opinions.
No Mesa, no I/O: the same functions serve the model, the tests and the benchmarks.

Update semantics
----------------
* Pairwise rules (``deffuant``, ``repulsive``) work in rounds. In each round a random
  matching is drawn (:func:`random_matching`): ``n/2`` ties are sampled uniformly with
  replacement and put in random order, and a tie is kept when it is the first sampled tie of
  both its ends. Kept pairs are disjoint, so updating them at once is the same as updating
  them one after another; about 40 % of residents meet someone per round. This is the
  classic sequential random-pair process of Deffuant et al. (2000), cut into days.
* ``hk`` and ``friedkin_johnsen`` are synchronous: every resident updates from yesterday's
  opinions, once a day.
* Hostile ties (a boolean per tie) never attract; under the pairwise rules they repel
  beyond a shrunken rejection radius, and ``hk``/``friedkin_johnsen`` leave them out of the
  averaging (a hostile neighbour is not listened to).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "random_matching",
    "pairwise_bounded_confidence",
    "deffuant_round",
    "hegselmann_krause",
    "friedkin_johnsen",
    "friedkin_johnsen_fixed_point",
    "intergroup_contact_pull",
    "group_threat_shift",
]


def random_matching(u: np.ndarray, v: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of a random set of disjoint ties (no resident twice).

    ``n // 2`` ties are drawn uniformly with replacement, in random order; a tie is kept
    when it is the earliest drawn tie of both of its ends. Returns tie indices.
    """
    m = u.size
    if m == 0:
        return np.empty(0, dtype=np.int64)
    k = max(1, n // 2)
    cand = rng.integers(0, m, size=k)
    a, b = u[cand], v[cand]
    pos = np.arange(k)
    first = np.full(n, k, dtype=np.int64)
    np.minimum.at(first, a, pos)
    np.minimum.at(first, b, pos)
    keep = (first[a] == pos) & (first[b] == pos)
    return cand[keep]


def pairwise_bounded_confidence(
    x: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    tolerance: np.ndarray,
    mu: float,
    rejection_radius: float,
    hostile: np.ndarray | None = None,
    hostile_rejection_radius: float = np.inf,
) -> None:
    """Update disjoint pairs ``(a[k], b[k])`` in place, both from their old opinions.

    For a pair at distance ``d = |x_b − x_a|``, resident ``a`` moves

    * toward ``b`` by ``mu · (x_b − x_a)`` when ``d < tolerance[a]`` and the tie is not
      hostile (Deffuant et al. 2000; Weisbuch et al. 2002 for heterogeneous tolerance);
    * away from ``b`` by ``mu · (x_b − x_a)`` when ``d > rejection_radius``, or, on a
      hostile tie, when ``d > hostile_rejection_radius`` (Jager & Amblard 2005);

    and ``b`` symmetrically. Opinions are clipped to [0, 1]. With ``rejection_radius = inf``
    and no hostile ties this is plain Deffuant–Weisbuch.

    References
    ----------
    Deffuant, Neau, Amblard & Weisbuch (2000), Adv. Complex Systems 3.
    Jager & Amblard (2005), Computational & Mathematical Organization Theory 10(4).
    """
    xa, xb = x[a], x[b]
    diff = xb - xa
    dist = np.abs(diff)
    if hostile is None:
        friendly_enough = np.ones(a.size, dtype=bool)
        reject_at = np.full(a.size, rejection_radius)
    else:
        friendly_enough = ~hostile
        reject_at = np.where(hostile, min(rejection_radius, hostile_rejection_radius), rejection_radius)
    repel = dist > reject_at
    step = mu * diff
    move_a = np.where(friendly_enough & (dist < tolerance[a]), step, 0.0) - np.where(repel, step, 0.0)
    move_b = np.where(friendly_enough & (dist < tolerance[b]), -step, 0.0) + np.where(repel, step, 0.0)
    x[a] = np.clip(xa + move_a, 0.0, 1.0)
    x[b] = np.clip(xb + move_b, 0.0, 1.0)


def deffuant_round(
    x: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    tolerance: np.ndarray,
    mu: float,
    rng: np.random.Generator,
    rejection_radius: float = np.inf,
    hostile: np.ndarray | None = None,
    hostile_rejection_radius: float = np.inf,
) -> int:
    """One round of the pairwise rules on a random matching; updates ``x`` in place.

    Returns the number of pairs that met. See :func:`pairwise_bounded_confidence`.
    """
    ties = random_matching(u, v, x.size, rng)
    pairs_hostile = None if hostile is None else hostile[ties]
    pairwise_bounded_confidence(
        x, u[ties], v[ties], tolerance, mu, rejection_radius, pairs_hostile, hostile_rejection_radius
    )
    return int(ties.size)


def hegselmann_krause(
    x: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    tolerance: np.ndarray,
    listens: np.ndarray | None = None,
) -> np.ndarray:
    """One synchronous Hegselmann–Krause step.

    ``x_i ← mean{ x_j : j = i or (j a neighbour of i, |x_j − x_i| ≤ ε_i) }``. Ties where
    ``listens`` is False (hostile ties) are left out.

    References
    ----------
    Hegselmann & Krause (2002), Opinion dynamics and bounded confidence, JASSS 5(3).
    """
    n = x.size
    dist = np.abs(x[u] - x[v])
    in_u = dist <= tolerance[u]
    in_v = dist <= tolerance[v]
    if listens is not None:
        in_u &= listens
        in_v &= listens
    total = x + np.bincount(u, weights=np.where(in_u, x[v], 0.0), minlength=n)
    total += np.bincount(v, weights=np.where(in_v, x[u], 0.0), minlength=n)
    count = 1.0 + np.bincount(u, weights=in_u, minlength=n) + np.bincount(v, weights=in_v, minlength=n)
    return total / count


def friedkin_johnsen(
    x: np.ndarray,
    x0: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    stubbornness: np.ndarray,
    listens: np.ndarray | None = None,
) -> np.ndarray:
    """One synchronous Friedkin–Johnsen step: ``x ← (1 − s)·W·x + s·x₀``.

    ``W`` is the row-normalised adjacency with the resident itself included (each resident
    weighs itself and every listened-to neighbour equally); ``s`` is stubbornness.

    References
    ----------
    Friedkin & Johnsen (1990), Social influence and opinions, J. Math. Sociology 15(3–4).
    """
    n = x.size
    w = np.ones(u.size) if listens is None else listens.astype(np.float64)
    total = x + np.bincount(u, weights=w * x[v], minlength=n) + np.bincount(v, weights=w * x[u], minlength=n)
    count = 1.0 + np.bincount(u, weights=w, minlength=n) + np.bincount(v, weights=w, minlength=n)
    return (1.0 - stubbornness) * (total / count) + stubbornness * x0


def friedkin_johnsen_fixed_point(
    x0: np.ndarray, u: np.ndarray, v: np.ndarray, stubbornness: np.ndarray
) -> np.ndarray:
    """Closed form of the Friedkin–Johnsen equilibrium: ``(I − (I − S)W)⁻¹ S x₀``.

    Exists and is unique when every resident is connected to someone with ``s > 0``.
    """
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    n = x0.size
    rows = np.concatenate([u, v, np.arange(n)])
    cols = np.concatenate([v, u, np.arange(n)])
    adj = sp.csr_array((np.ones(rows.size), (rows, cols)), shape=(n, n))
    w = sp.diags_array(1.0 / adj.sum(axis=1)) @ adj
    system = sp.eye_array(n) - sp.diags_array(1.0 - stubbornness) @ w
    return spla.spsolve(system.tocsc(), stubbornness * x0)


def intergroup_contact_pull(x: np.ndarray, u: np.ndarray, v: np.ndarray, contact: np.ndarray, rate: float) -> np.ndarray:
    """Positive intergroup contact: each resident moves ``rate`` of the way toward the mean
    view of their friendly cross-group neighbours, whatever their tolerance.

    ``x_i ← x_i + rate · (mean{x_j : (i, j) friendly and cross-group} − x_i)`` for residents
    with at least one such tie; ``contact`` marks those ties. Synchronous (from yesterday's
    opinions). Unlike bounded confidence this acts across any distance: a friend from the
    other group is listened to even when their view is far away.

    References
    ----------
    Allport (1954), *The Nature of Prejudice*.
    Pettigrew & Tropp (2006), A meta-analytic test of intergroup contact theory, JPSP 90(5).

    Example
    -------
    >>> x = np.array([0.2, 0.8, 0.5])
    >>> intergroup_contact_pull(x, np.array([0]), np.array([1]), np.array([True]), 0.1).round(2)
    array([0.26, 0.74, 0.5 ])
    """
    n = x.size
    ties = np.flatnonzero(contact)
    if ties.size == 0 or rate <= 0.0:
        return x.copy()
    a, b = u[ties], v[ties]
    diff = x[b] - x[a]
    pull = np.bincount(a, weights=diff, minlength=n) - np.bincount(b, weights=diff, minlength=n)
    count = np.bincount(a, minlength=n) + np.bincount(b, minlength=n)
    return np.clip(x + rate * pull / np.maximum(count, 1), 0.0, 1.0)


def group_threat_shift(x: np.ndarray, group: np.ndarray, threat: np.ndarray, rate: float, n_groups: int) -> np.ndarray:
    """Group threat: a threatened resident's view moves away from the other groups.

    ``x_i ← x_i + rate · threat_i · sign(m_g − m_¬g)``, with ``m_g`` the mean view of the
    resident's group ``g`` and ``m_¬g`` the mean of everyone else: a threatened group closes
    ranks on its own side of the issue. Nothing moves in a one-group town. Clipped to [0, 1].

    References
    ----------
    Blumer (1958), Race prejudice as a sense of group position, Pacific Sociological Review 1.
    Quillian (1995), Prejudice as a response to perceived group threat, ASR 60(4).

    Example
    -------
    >>> x = np.array([0.3, 0.4, 0.7])
    >>> group_threat_shift(x, np.array([0, 0, 1]), np.array([1.0, 0.0, 0.5]), 0.1, 2)
    array([0.2 , 0.4 , 0.75])
    """
    if rate <= 0.0 or n_groups < 2:
        return x.copy()
    counts = np.bincount(group, minlength=n_groups).astype(np.float64)
    sums = np.bincount(group, weights=x, minlength=n_groups)
    own = sums / np.maximum(counts, 1.0)
    rest = (sums.sum() - sums) / np.maximum(counts.sum() - counts, 1.0)
    direction = np.sign(own - rest)
    return np.clip(x + rate * threat * direction[group], 0.0, 1.0)
