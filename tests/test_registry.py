"""One place per concept (issue 9, points 1 and 2): structures, shocks and metrics are each
registered once, and every list that names them derives from that registration. These
tests fail when a new structure, shock or metric lacks a part."""

import pytest

from simulation import indicators, shocks, structures, summaries
from simulation.reports.i18n import LABELS, LANGUAGES
from simulation.scenario import SHOCK_CLASSES, SHOCK_KINDS, STRUCTURE_NAMES, Scenario, Structures


def test_every_structure_has_a_schema_section_a_behaviour_and_labels():
    assert STRUCTURE_NAMES == tuple(Structures.model_fields)
    assert set(structures.REGISTRY) == set(STRUCTURE_NAMES)
    for name in STRUCTURE_NAMES:
        assert structures.REGISTRY[name].name == name
        assert "enabled" in Structures.model_fields[name].annotation.model_fields
        assert all(LABELS[name].get(lang) for lang in LANGUAGES), name


def test_every_shock_has_a_schema_class_a_behaviour_and_labels():
    assert set(shocks.REGISTRY) == set(SHOCK_KINDS) == set(SHOCK_CLASSES)
    for kind in SHOCK_KINDS:
        assert shocks.REGISTRY[kind].kind == kind
        assert all(LABELS[kind].get(lang) for lang in LANGUAGES), kind


def test_daily_metrics_are_the_model_columns_and_have_unique_names():
    names = indicators.metric_names(Scenario())
    assert len(names) == len(set(names))
    assert {f"hours_{s}" for s in STRUCTURE_NAMES} <= set(names)
    assert set(indicators.COUNTS) - {"alarm_lead_days"} <= set(names) | {"training_hours"}


@pytest.mark.parametrize("metric", [m for m in indicators.DAILY if m.curve], ids=lambda m: m.name)
def test_every_curve_metric_has_labels_in_both_languages(metric):
    assert all(LABELS[metric.name].get(lang) for lang in LANGUAGES)


@pytest.mark.parametrize("figure", summaries.TABLE)
def test_every_table_figure_has_labels_in_both_languages(figure):
    assert all(LABELS[figure].get(lang) for lang in LANGUAGES)


def test_the_report_table_and_the_experiment_figures_derive_from_the_summary_registry():
    from simulation.experiments.design import SUMMARY_METRICS
    from simulation.reports.compare import TABLE_FIGURES

    assert list(TABLE_FIGURES) == list(summaries.TABLE)
    assert list(SUMMARY_METRICS) == summaries.summary_names()
