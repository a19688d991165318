"""Conflict rules as pure functions on arrays: tension, tie valence and Glasl stages,
incidents and Granovetter mobilisation.

A tie's ``valence`` is one of :data:`FRIENDLY`, :data:`NEUTRAL`, :data:`HOSTILE`; its
``stage`` is 0 unless it is hostile, then 1..9 on Glasl's scale (1–3 win-win, 4–6
win-lose, 7–9 lose-lose; Glasl 1982, *Konfliktmanagement*). Parameters come from the
schema's ``conflict`` section, passed in as ``p``; only attributes are read.
"""

from __future__ import annotations

import numpy as np

from . import compiled

__all__ = [
    "FRIENDLY",
    "NEUTRAL",
    "HOSTILE",
    "MAX_STAGE",
    "tension_drive",
    "update_ties",
    "change_friendships",
    "draw_incidents",
    "granovetter_cascade",
    "DENSE_PROBABILITY",
    "COOLING_CHANCE",
]

FRIENDLY, NEUTRAL, HOSTILE = 1, 0, -1
MAX_STAGE = 9
#: From this probability on, a Bernoulli subset draws one uniform number per item instead of
#: a binomial count and that many indices.
DENSE_PROBABILITY = 0.05
#: A friendly tie gets a chance to cool with this many times ``unfriend_probability``; a tie
#: within tolerance keeps the chance with its inverse (:func:`change_friendships`).
COOLING_CHANCE = 3.0


def tension_drive(
    stress: np.ndarray,
    hostile_share: np.ndarray,
    grievance: np.ndarray,
    threat: np.ndarray,
    opinion_distance: np.ndarray,
    friendly_cross_share: np.ndarray,
    p,
    trust: np.ndarray,
) -> np.ndarray:
    """The level tension relaxes toward, per resident, clipped to [0, 1].

    ``drive = stress + w_h·hostile_share + w_g·grievance + w_t·threat + w_d·opinion_distance
    + w_l·(1 − trust) − relief·friendly_cross_share``. Tension then moves a share ``r`` of the
    gap each day: ``h ← h + r·(drive − h)`` (a first-order relaxation; the weights are the
    schema's). The distrust term is the legitimacy channel of Epstein (2002).

    References
    ----------
    Epstein (2002), Modeling civil violence: an agent-based computational approach, PNAS 99.

    Example
    -------
    >>> from types import SimpleNamespace as P
    >>> p = P(weight_hostile_ties=0.2, weight_grievance=0.3, weight_threat=0.2,
    ...       weight_opinion_distance=0.3, weight_distrust=0.2, contact_relief=0.3)
    >>> one = np.array([1.0])
    >>> tension_drive(0.1 * one, 0 * one, 0 * one, 0 * one, 0 * one, 0 * one, p, trust=0.5 * one)
    array([0.2])
    """
    drive = (
        stress
        + p.weight_distrust * (1.0 - trust)
        + p.weight_hostile_ties * hostile_share
        + p.weight_grievance * grievance
        + p.weight_threat * threat
        + p.weight_opinion_distance * opinion_distance
        - p.contact_relief * friendly_cross_share
    )
    return np.clip(drive, 0.0, 1.0)


def update_ties(
    valence: np.ndarray,
    stage: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    opinion: np.ndarray,
    tension: np.ndarray,
    tolerance: np.ndarray,
    p,
    rng: np.random.Generator,
) -> int:
    """One day of tie change, in place. Returns the number of ties that turned hostile.

    * A hostile tie at stage ``k`` climbs one stage with probability ``p_up·h̄·b_k`` and
      falls one with ``p_down·(1 − h̄)·(1 − σ_k)``, ``h̄`` the mean tension of its ends,
      ``σ_k = stage_stickiness·(k − 1)/8`` and ``b_k = threshold_barrier`` at Glasl's two
      turning points (from 3 to 4, win-win to win-lose; from 6 to 7, win-lose to lose-lose),
      else 1; at stage 0 it is neutral. Higher stages entrench (de-escalation gets harder, so
      a feud stays longer at each higher stage), and few feuds cross a turning point (Glasl
      1982). Independently it ends (neutral, stage 0) with ``resolution_probability``.
    * A non-hostile tie whose ends are both at least ``hostile_tension_threshold`` tense and
      at least ``hostile_distance_threshold`` apart turns hostile (stage 1) with
      ``turn_hostile_probability``.
    * A neutral tie between calm residents whose views are within both tolerances turns
      friendly with ``befriend_probability``; a friendly tie cools to neutral with
      ``unfriend_probability`` (people drift apart), three times as often when the views
      of its ends lie beyond both tolerances.
    """
    if compiled.ENABLED:
        # The same rules and draws, the two loops over ties compiled (the numpy below is the reference).
        n_hostile = int(np.count_nonzero(valence == HOSTILE))
        r_step = r_settle = np.empty(0)
        if n_hostile:
            r_step = rng.random(n_hostile)
            if p.resolution_probability > 0:
                r_settle = rng.random(n_hostile)
        cand = compiled.hostile_tie_step(
            valence, stage, u, v, tension, r_step, r_settle, float(p.resolution_probability), p.escalate_probability,
            p.deescalate_probability, p.stage_stickiness, p.threshold_barrier, p.hostile_tension_threshold,
            p.hostile_distance_threshold, opinion,
        )  # fmt: skip
        tense = None
    else:
        cand, tense = _hostile_ties_reference(valence, stage, u, v, opinion, tension, p, rng)
    turned = cand[rng.random(cand.size) < p.turn_hostile_probability]
    valence[turned] = HOSTILE
    stage[turned] = 1

    calm = tension < p.hostile_tension_threshold if tense is None else ~tense
    change_friendships(valence, u, v, opinion, tolerance, calm, p, rng)
    return int(turned.size)


def _hostile_ties_reference(valence, stage, u, v, opinion, tension, p, rng):
    """The first two parts of :func:`update_ties` in numpy, in place: hostile ties climb,
    fall or settle; returns the ties that may turn hostile, and who is tense."""
    hostile = np.flatnonzero(valence == HOSTILE)
    if hostile.size:
        hu, hv = u[hostile], v[hostile]
        mean_h = 0.5 * (tension[hu] + tension[hv])
        entrenched = p.stage_stickiness * (stage[hostile] - 1) / (MAX_STAGE - 1)
        r = rng.random(hostile.size)
        at_turning_point = (stage[hostile] == 3) | (stage[hostile] == 6)
        p_up = p.escalate_probability * mean_h * np.where(at_turning_point, p.threshold_barrier, 1.0)
        up = r < p_up
        down = ~up & (r < p_up + p.deescalate_probability * (1.0 - mean_h) * (1.0 - entrenched))
        stage[hostile[up]] = np.minimum(stage[hostile[up]] + 1, MAX_STAGE)
        stage[hostile[down]] -= 1
        calmed = hostile[down][stage[hostile[down]] == 0]
        valence[calmed] = NEUTRAL
        if p.resolution_probability > 0:
            settled = hostile[rng.random(hostile.size) < p.resolution_probability]
            valence[settled] = NEUTRAL
            stage[settled] = 0

    tense = tension >= p.hostile_tension_threshold
    both_tense = np.flatnonzero(tense[u] & tense[v])
    cand = both_tense[valence[both_tense] != HOSTILE]
    far = np.abs(opinion[u[cand]] - opinion[v[cand]]) >= p.hostile_distance_threshold
    cand = cand[far]
    return cand, tense


def change_friendships(
    valence: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    opinion: np.ndarray,
    tolerance: np.ndarray,
    calm: np.ndarray,
    p,
    rng: np.random.Generator,
) -> None:
    """The last part of :func:`update_ties`, in place: neutral ties between ``calm``
    residents whose views are within both tolerances befriend, friendly ties cool."""
    # Befriending and cooling are rare per tie and per day, so rather than testing all
    # ties we draw the ties that get a chance today (each with the event's probability)
    # and test the conditions on those alone: same law, a fraction of the work.
    chance = _bernoulli_subset(valence.size, p.befriend_probability, rng)
    if compiled.ENABLED:  # the same tests in one loop each
        befriend = compiled.befriend_candidates(chance, valence, u, v, opinion, tolerance, calm)
        chance = _bernoulli_subset(valence.size, COOLING_CHANCE * p.unfriend_probability, rng)
        chance, beyond = compiled.cooling_candidates(chance, valence, u, v, opinion, tolerance)
    else:
        a, b = u[chance], v[chance]
        ok_friend = (
            (valence[chance] == NEUTRAL)
            & calm[a]
            & calm[b]
            & (np.abs(opinion[a] - opinion[b]) < np.minimum(tolerance[a], tolerance[b]))
        )
        befriend = chance[ok_friend]
        chance = _bernoulli_subset(valence.size, COOLING_CHANCE * p.unfriend_probability, rng)
        chance = chance[valence[chance] == FRIENDLY]
        a, b = u[chance], v[chance]
        beyond = np.abs(opinion[a] - opinion[b]) > np.maximum(tolerance[a], tolerance[b])
    # Thinning: a tie within tolerance keeps its chance with probability 1/3.
    keep = beyond | (rng.random(chance.size) < 1.0 / COOLING_CHANCE)
    cool = chance[keep]
    valence[befriend] = FRIENDLY
    valence[cool] = NEUTRAL


def draw_incidents(stage: np.ndarray, min_stage: int, probability: float, rng: np.random.Generator) -> np.ndarray:
    """Tie indices that produce an incident today.

    A tie at stage ``k ≥ min_stage`` produces one with probability
    ``probability · (k − min_stage + 1) / (10 − min_stage)``: rising linearly to
    ``probability`` at stage 9.
    """
    at_risk = np.flatnonzero(stage >= min_stage)
    if at_risk.size == 0:
        return at_risk
    scale = (stage[at_risk] - min_stage + 1) / (MAX_STAGE + 1 - min_stage)
    return at_risk[rng.random(at_risk.size) < probability * scale]


def granovetter_cascade(
    seeds: np.ndarray,
    adjacency,
    degree: np.ndarray,
    threshold: np.ndarray,
    eligible: np.ndarray,
    rounds: int,
) -> np.ndarray:
    """Who joins collective action today: a threshold cascade from ``seeds``.

    A resident who is ``eligible`` (tense enough) joins when the share of their neighbours
    already active is at least their threshold θ and above zero; repeated for up to
    ``rounds`` rounds or until nobody new joins. Returns a boolean array.

    References
    ----------
    Granovetter (1978), Threshold models of collective behavior, AJS 83(6).
    """
    active = seeds.copy()
    safe_degree = np.maximum(degree, 1)
    for _ in range(rounds):
        share = (adjacency @ active.astype(np.float64)) / safe_degree
        joined = active | (eligible & (share > 0.0) & (share >= threshold))
        if np.array_equal(joined, active):
            break
        active = joined
    return active


def _bernoulli_subset(m: int, probability: float, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``m`` items each kept independently with ``probability``.

    Draws the count from the binomial law and then that many distinct
    indices, which costs O(kept) rather than O(m) for rare events; from
    :data:`DENSE_PROBABILITY` on, one uniform draw per item is cheaper.
    """
    if probability <= 0.0 or m == 0:
        return np.empty(0, dtype=np.int64)
    if probability >= DENSE_PROBABILITY:
        return np.flatnonzero(rng.random(m) < probability)
    return np.sort(rng.choice(m, size=int(rng.binomial(m, probability)), replace=False))