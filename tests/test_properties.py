"""Property tests: over random valid scenarios the state stays in range and finite."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.model import QuartierModel
from simulation.scenario import Scenario, apply_overrides

unit = st.floats(0.0, 1.0)


@st.composite
def scenarios(draw):
    rule = draw(st.sampled_from(["deffuant", "hk", "friedkin_johnsen", "repulsive"]))
    share = draw(st.floats(0.05, 0.95))
    groups = [
        {"name": "a", "label_en": "A", "label_de": "A", "share": share, "opinion_mean": draw(unit),
         "opinion_sd": draw(st.floats(0, 0.5)), "trust_mean": draw(unit),
         "opinion_distribution": draw(st.sampled_from(["normal", "uniform"]))},
        {"name": "b", "label_en": "B", "label_de": "B", "share": 1 - share, "opinion_mean": draw(unit),
         "opinion_sd": draw(st.floats(0, 0.5)), "trust_mean": draw(unit)},
    ]
    overrides = {
        "town.residents": draw(st.integers(10, 250)),
        "town.districts": [f"D{i}" for i in range(draw(st.integers(1, 5)))],
        "town.groups": groups,
        "town.network.kind": draw(st.sampled_from(["sbm", "small_world", "complete"])),
        "town.network.mean_degree": draw(st.floats(1, 20)),
        "town.network.district_homophily": draw(st.floats(0, 0.99)),
        "town.network.group_homophily": draw(st.floats(0, 0.99)),
        "opinion.rule": rule,
        "opinion.convergence_rate": draw(st.floats(0.01, 0.5)),
        "opinion.rejection_radius": draw(st.floats(0.01, 1.0)),
        "residents.tolerance_mean": draw(st.floats(0.01, 1.0)),
        "residents.tolerance_sd": draw(st.floats(0, 0.5)),
        "residents.stubbornness_mean": draw(unit),
        "residents.stress_mean": draw(unit),
        "residents.threshold_mean": draw(unit),
        "conflict.enabled": draw(st.booleans()),
        "conflict.escalate_probability": draw(unit),
        "conflict.turn_hostile_probability": draw(unit),
        "conflict.incident_probability": draw(unit),
        "conflict.incident_tension_jump": draw(unit),
        "conflict.weight_threat": draw(st.floats(0, 2)),
        "conflict.incident_district_threat": draw(unit),
        "administration.enabled": draw(st.booleans()),
        "administration.forwarding_delay_days": draw(st.integers(0, 10)),
        "warmup_days": draw(st.integers(0, 5)),
    }
    return apply_overrides(Scenario(), overrides), draw(st.integers(0, 2**32))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_state_stays_in_range_and_finite(case):
    scenario, seed = case
    model = QuartierModel(scenario, seed=seed)
    model.run_for(12)
    s = model.state
    for name in ("opinion", "tension", "grievance", "trust", "threat", "threshold", "stubbornness"):
        values = getattr(s, name)
        assert np.all(np.isfinite(values)), name
        assert values.min() >= 0.0 and values.max() <= 1.0, (name, values.min(), values.max())
    assert np.all(s.tolerance > 0) and np.all(s.tolerance <= 1)
    assert model.stage.min() >= 0 and model.stage.max() <= 9
    assert np.all((model.stage > 0) == (model.valence == -1))
    frame = model.model_frame()
    always_defined = ["escalation_index", "hostile_share", "esteban_ray", "opinion_variance", "trust_mean",
                      "backlog", "incidents"]
    assert np.all(np.isfinite(frame[always_defined].to_numpy()))
    assert (frame["incidents_cumulative"].diff().dropna() >= 0).all()
