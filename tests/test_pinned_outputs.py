"""Pinned outputs: a refactoring or a faster kernel must not change what a run computes.

Three small runs (600 residents, 60 warm-up + 160 days) are reduced to a fingerprint of
every daily figure, each rounded to 10 significant digits (so the last bits of a sum taken in
another order do not count, while any change of a rule or of the order of random draws
does). Pinned on the model of round two (issue 10); a change that is meant to alter results
re-pins here and says why in its commit.
"""

import hashlib

import numpy as np
import pytest

from simulation.model import QuartierModel
from simulation.scenario import apply_overrides, load_scenario, with_preset

PINNED = {
    ("new_shelter", "koko", 5): "5eee3f79fbcfcf5c",
    ("new_shelter", "none", 5): "fcc9fb1e56ce754c",
    ("festival_incident", "none+mediator_pool", 2): "19d19844526c6b22",
}


#: Daily metrics added after the pin (issue 12: build-up and advisers). They are checked by
#: their own tests; leaving them out keeps the fingerprint a statement about the old figures.
ADDED_SINCE_PIN = ("structure_strength", "adviser_days")


def fingerprint(name: str, preset: str, seed: int) -> str:
    sc = with_preset(load_scenario(f"scenarios/{name}.toml"), preset)
    sc = apply_overrides(sc, {"town.residents": 600, "days": 160, "warmup_days": 60})
    model = QuartierModel(sc, seed=seed)
    model.run_for(sc.days)
    frame = model.model_frame().drop(columns=list(ADDED_SINCE_PIN))
    values = np.array([float(f"{v:.10g}") for v in frame.to_numpy(dtype=float).ravel()])
    return hashlib.sha256(values.tobytes()).hexdigest()[:16]


@pytest.mark.parametrize("case", list(PINNED), ids=lambda c: "-".join(map(str, c)))
def test_outputs_match_the_pinned_fingerprint(case):
    assert fingerprint(*case) == PINNED[case]
