"""Same scenario, same seed, same results, bit for bit, in one process and across two."""

import subprocess
import sys

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

from simulation.model import QuartierModel
from simulation.scenario import apply_overrides

from .conftest import SCENARIOS


def small(baseline):
    return apply_overrides(baseline, {"town.residents": 400, "warmup_days": 30})


def test_same_seed_gives_identical_frames(baseline):
    frames = []
    for _ in range(2):
        model = QuartierModel(small(baseline), seed=7)
        model.run_for(60)
        frames.append((model.model_frame(), model.agents_frame()))
    assert_frame_equal(frames[0][0], frames[1][0], check_exact=True)
    assert_frame_equal(frames[0][1], frames[1][1], check_exact=True)


def test_different_seeds_give_different_towns(baseline):
    a = QuartierModel(small(baseline), seed=1)
    b = QuartierModel(small(baseline), seed=2)
    assert not np.array_equal(a.state.opinion, b.state.opinion)


def test_two_processes_write_identical_parquet_contents(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'base = "{(SCENARIOS / "baseline.toml").as_posix()}"\nwarmup_days = 20\n[town]\nresidents = 400\n')
    for name in ("a", "b"):
        subprocess.run(
            [sys.executable, "-m", "simulation", "run", str(scenario), "--days", "40", "--seed", "3", "--out", str(tmp_path / name)],
            check=True, capture_output=True,
        )
    for table in ("model.parquet", "agents.parquet"):
        assert_frame_equal(pd.read_parquet(tmp_path / "a" / table), pd.read_parquet(tmp_path / "b" / table), check_exact=True)
