"""The model's own day in one compiled call, for the pairwise opinion rules with conflict on.

Why: the rules of :mod:`simulation.kernels.compiled` are each one loop, but calling them
one by one from Python, with the random draws, masks and small arrays between them, still
cost some 0.35 ms a day at 2,000 residents, most of it call overhead. Here the steps run
back to back in compiled code and draw their random numbers from the model's generator
themselves (:mod:`simulation.kernels.draws`, the very numbers numpy would give). Each
step is still the one rule kernel it was; :func:`whole_day` only puts them in the day's
order:

1. :func:`_views_opinions_tension_ties`: tie views (kept from day to day) → opinion rounds →
   contact, threat and anchoring → tension → hostile ties climb, fall or settle → new
   hostile ties;
2. :func:`_befriending`: the ties that get a chance to turn friendly today;
3. :func:`_cooling_and_incidents`: friendly ties that cool, both changes applied, and the
   ties that produce an incident today.

The reference is ``QuartierModel._simulate_day``'s numpy path: the same draws in the same
order and the same arithmetic, so runs are bit-identical (``tests/test_fast_path.py``,
``tools/pin_runs.py``).

These functions carry the rule kernels compiled into them, and numba's disk cache checks a
function's own file only: the package clears the kernels' cache when any of its files
changed (:mod:`simulation.kernels`), so a cached day never keeps an edited kernel's old code.
"""

from __future__ import annotations

import numpy as np

from . import compiled
from .compiled import FRIENDLY, HOSTILE, MAX_STAGE, NEUTRAL, jit
from .conflict import COOLING_CHANCE, DENSE_PROBABILITY
from .draws import binomial, integers, randoms, sorted_choice

__all__ = ["whole_day", "HIGH_STAGE"]

#: Glasl's lose-lose stages begin here; a tie reaching it is an event of the log.
HIGH_STAGE = 7


@jit
def whole_day(
    h, u, v, valence, stage, cross_group, safe_degree,
    opinion, tolerance, rounds, gain, mu, rejection, hostile_rejection,
    pull_rate, group, threat, shift_rate, n_groups, stubbornness, opinion0, anchor,
    stress, grievance, trust, tension, weights, threat_keep, grievance_keep,
    tie_p, logging, counts, befriend_probability, cooling_probability, incident_min_stage, incident_probability,
):  # fmt: skip
    """Steps 1 to 3 of the module's list in one call: :func:`_views_opinions_tension_ties`
    (its arguments first), :func:`_befriending` (with ``befriend_probability``) and
    :func:`_cooling_and_incidents` (with ``cooling_probability``, ``incident_min_stage`` and
    ``incident_probability``). Returns the new opinions, the ties that reached
    :data:`HIGH_STAGE` and today's incidents; the tie views are the arrays of ``counts``,
    brought up to date in place (each array handed back to Python costs a new ndarray)."""
    opinion, risen = _views_opinions_tension_ties(
        h, u, v, valence, stage, cross_group, safe_degree, opinion, tolerance, rounds, gain, mu, rejection,
        hostile_rejection, pull_rate, group, threat, shift_rate, n_groups, stubbornness, opinion0, anchor, stress,
        grievance, trust, tension, weights, threat_keep, grievance_keep, tie_p, logging, counts,
    )  # fmt: skip
    # tie_p[5]: the tension threshold below which both ends are calm enough to befriend
    befriend = _befriending(h, befriend_probability, valence, u, v, opinion, tolerance, tension, tie_p[5])
    incidents = _cooling_and_incidents(h, cooling_probability, befriend, valence, stage, u, v, opinion, tolerance,
                                      incident_min_stage, incident_probability)
    return opinion, risen, incidents


@jit
def _views_opinions_tension_ties(
    h, u, v, valence, stage, cross_group, safe_degree,
    opinion, tolerance, rounds, gain, mu, rejection, hostile_rejection,
    pull_rate, group, threat, shift_rate, n_groups, stubbornness, opinion0, anchor,
    stress, grievance, trust, tension, weights, threat_keep, grievance_keep,
    tie_p, logging, counts,
):  # fmt: skip
    """Steps 1 to 5 of the day; returns the new opinions and the ties that reached
    :data:`HIGH_STAGE` today (empty unless ``logging``); the tie views are ``counts``'.

    ``counts`` are the tie counts kept from the day before
    (:func:`simulation.kernels.compiled.tie_view_counts`), brought up to date here
    (:func:`~simulation.kernels.compiled.tie_views_update`); the contact pull reads their
    list of contact ties and per-resident contact counts, the search for new hostile ties
    where each resident's ties start (:func:`~simulation.kernels.compiled.tie_runs`).

    ``weights`` are the tension drive's (distrust, hostile ties, grievance, threat, opinion
    distance, contact relief, relaxation rate) as a tuple of floats (numba takes one in a
    third of the time it takes to make and hand over an array); ``tie_p``, also a tuple,
    the tie rules' (resolution, escalation, de-escalation, stickiness, barrier, tension
    threshold, distance threshold, turn-hostile probability), as
    :func:`simulation.kernels.conflict.update_ties` reads them.
    """
    hostile_tie, hostile_share, contact_tie, contact_share = compiled.tie_views_update(
        u, v, valence, cross_group, safe_degree, counts
    )
    n = opinion.size
    m = u.size
    if m > 0:
        for _ in range(rounds):  # the draws of opinion.random_matching, then the round
            cand = integers(h, m, max(1, n // 2))
            compiled.pairwise_round(opinion, u, v, cand, tolerance, gain, contact_share, mu, rejection, hostile_tie,
                                    True, hostile_rejection)
    contact = counts[compiled.CONTACT_LIST][: counts[compiled.CONTACT_COUNT][0]]  # kept in index order
    opinion = compiled.contact_threat_anchor_at(opinion, u, v, contact, counts[compiled.N_CONTACT], pull_rate, group, threat, shift_rate,
                                                n_groups, stubbornness, opinion0, anchor)
    compiled.tension_step(
        opinion, u, v, safe_degree, stress, hostile_share, grievance, threat, contact_share, trust, tension,
        weights[0], weights[1], weights[2], weights[3], weights[4], weights[5], weights[6], threat_keep, grievance_keep,
    )  # fmt: skip
    # compiled.hostile_tie_step in its two parts: the climb notes the ties it lifts to
    # HIGH_STAGE, the candidates are looked for among the tense residents' ties
    hostile = compiled.hostile_ties(valence)
    r_step = randoms(h, hostile.size)
    r_settle = randoms(h, hostile.size) if tie_p[0] > 0 else np.empty(0)
    risen = compiled.hostile_ties_climb_listed(hostile, valence, stage, u, v, tension, r_step, r_settle, tie_p[0],
                                               tie_p[1], tie_p[2], tie_p[3], tie_p[4],
                                               HIGH_STAGE if logging else MAX_STAGE + 1)
    cand = compiled.hostile_candidates_by_resident(valence, u, v, tension, tie_p[5], tie_p[6], opinion,
                                                   counts[compiled.FIRST_TIE], counts[compiled.SORTED_END])
    r = randoms(h, cand.size)
    for i in range(cand.size):
        if r[i] < tie_p[7]:
            valence[cand[i]] = HOSTILE
            stage[cand[i]] = 1
    return opinion, risen


@jit
def _subset(h, m, probability):
    """:func:`simulation.kernels.conflict._bernoulli_subset`."""
    if probability <= 0.0 or m == 0:
        return np.empty(0, dtype=np.int64)
    if probability >= DENSE_PROBABILITY:
        return np.flatnonzero(randoms(h, m) < probability)
    return sorted_choice(h, m, binomial(h, m, probability))


@jit
def _befriending(h, probability, valence, u, v, opinion, tolerance, tension, tension_threshold):
    """The ties that turn friendly today (not yet applied): the first part of
    :func:`simulation.kernels.conflict.change_friendships`."""
    chance = _subset(h, u.size, probability)
    return compiled.befriend_candidates(chance, valence, u, v, opinion, tolerance, tension < tension_threshold)


@jit
def _cooling_and_incidents(h, probability, befriend, valence, stage, u, v, opinion, tolerance, min_stage,
                          incident_probability):
    """Friendly ties cool, both friendship changes are applied (the rest of
    :func:`simulation.kernels.conflict.change_friendships`), then today's incidents are drawn
    (:func:`simulation.kernels.conflict.draw_incidents`); returns their tie indices."""
    chance = _subset(h, u.size, probability)
    chance, beyond = compiled.cooling_candidates(chance, valence, u, v, opinion, tolerance)
    r = randoms(h, chance.size)
    for t in befriend:
        valence[t] = FRIENDLY
    for i in range(chance.size):
        if beyond[i] or r[i] < 1.0 / COOLING_CHANCE:  # within tolerance a tie keeps its chance thinned
            valence[chance[i]] = NEUTRAL
    at_risk = compiled.incident_candidates(stage, min_stage)
    if at_risk.size == 0:
        return at_risk
    r = randoms(h, at_risk.size)
    out = np.empty(at_risk.size, dtype=np.int64)
    count = 0
    for i in range(at_risk.size):
        scale = (stage[at_risk[i]] - min_stage + 1) / (MAX_STAGE + 1 - min_stage)
        if r[i] < incident_probability * scale:
            out[count] = at_risk[i]
            count += 1
    return out[:count]
