"""Shared statistics of the reports (simulation/stats.py)."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from simulation.stats import mean_ci, paired_differences, t_quantile


def test_mean_ci_matches_the_t_interval_of_the_textbook():
    # mean 2, sd 1, n 3: half width t(0.975, 2) / sqrt(3) = 4.3027 / 1.7321 = 2.4841
    mean, low, high, n = mean_ci(np.array([1.0, 2.0, 3.0]))
    assert (mean, n) == (2.0, 3)
    assert high - mean == pytest.approx(2.4841, abs=1e-4) and mean - low == pytest.approx(high - mean)


def test_mean_ci_agrees_with_scipy_at_other_levels():
    values = np.random.default_rng(1).normal(5.0, 2.0, 12)
    mean, low, high, _ = mean_ci(values, level=0.9)
    ref = scipy_stats.t.interval(0.9, 11, loc=values.mean(), scale=scipy_stats.sem(values))
    assert (low, high) == pytest.approx(ref, rel=1e-12)


def test_mean_ci_leaves_out_non_finite_values_and_says_how_many_it_used():
    assert mean_ci(np.array([1.0, np.nan, 3.0, np.inf]))[3] == 2
    mean, low, high, n = mean_ci(np.array([4.0, np.nan]))
    assert (mean, n) == (4.0, 1) and math.isnan(low) and math.isnan(high)
    assert mean_ci(np.array([np.nan]))[3] == 0 and math.isnan(mean_ci(np.array([]))[0])


def test_t_quantile_collapses_for_a_single_run():
    assert t_quantile(1) == 0.0
    assert t_quantile(20) == pytest.approx(2.0930, abs=1e-4)


def test_paired_differences_match_replications_not_positions():
    koko = pd.Series([1.0, 5.0, 2.0], index=[2, 0, 1])
    none = pd.Series([3.0, 4.0, 9.0], index=[0, 1, 2])
    assert list(paired_differences(koko, none)) == [2.0, -2.0, -8.0]  # replications 0, 1, 2
    missing = paired_differences(koko, none.drop(index=1))
    assert np.isnan(missing[1]) and mean_ci(missing)[3] == 2
