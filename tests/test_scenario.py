"""The scenario schema: files load, and bad input gives errors naming key, value and range."""

import pytest

from simulation.scenario import Scenario, ScenarioError, apply_overrides, load_scenario, scenario_from_dict

from .conftest import SCENARIOS


def test_every_shipped_scenario_is_valid():
    files = sorted(SCENARIOS.rglob("*.toml"))
    assert files
    for path in files:
        load_scenario(path)


def test_baseline_is_the_town_the_issue_asks_for(baseline):
    assert baseline.town.residents == 2000
    assert len(baseline.town.groups) == 2
    assert len(baseline.town.districts) == 4
    assert baseline.days == 365


def test_misspelt_key_names_the_key_and_suggests_the_right_one(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[town]\nresidnets = 500\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "town.residnets" in text
    assert "did you mean 'residents'" in text


def test_out_of_range_value_names_key_value_and_range(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[opinion]\nconvergence_rate = 0.9\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "opinion.convergence_rate = 0.9" in text
    assert "(0.0, 0.5]" in text


def test_wrong_type_is_reported_with_the_value():
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict({"town": {"residents": "many"}})
    assert "town.residents = 'many'" in str(err.value)


def test_unknown_rule_lists_the_allowed_rules():
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict({"opinion": {"rule": "voter"}})
    text = str(err.value)
    assert "opinion.rule = 'voter'" in text and "'deffuant'" in text and "'hk'" in text


def test_group_shares_must_sum_to_one():
    groups = [
        {"name": "a", "label_en": "A", "label_de": "A", "share": 0.5},
        {"name": "b", "label_en": "B", "label_de": "B", "share": 0.4},
    ]
    with pytest.raises(ScenarioError, match="shares sum to 0.9"):
        scenario_from_dict({"town": {"groups": groups}})


def test_every_error_is_listed_not_only_the_first():
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict({"days": 0, "opinion": {"rule": "x"}, "town": {"nope": 1}})
    text = str(err.value)
    assert "days = 0" in text and "opinion.rule" in text and "town.nope" in text


def test_base_file_is_extended_table_by_table(tmp_path):
    (tmp_path / "parent.toml").write_text('days = 100\n[town]\nresidents = 300\n')
    (tmp_path / "child.toml").write_text('base = "parent.toml"\n[town]\ndistricts = ["A", "B"]\n')
    sc = load_scenario(tmp_path / "child.toml")
    assert (sc.days, sc.town.residents, sc.town.districts) == (100, 300, ["A", "B"])


def test_base_cycle_is_an_error(tmp_path):
    (tmp_path / "a.toml").write_text('base = "b.toml"\n')
    (tmp_path / "b.toml").write_text('base = "a.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.toml")


def test_broken_toml_and_missing_file_are_clear(tmp_path):
    (tmp_path / "broken.toml").write_text("days = = 3\n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(tmp_path / "broken.toml")
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "absent.toml")


def test_overrides_are_validated_like_files():
    sc = apply_overrides(Scenario(), {"town.residents": 500})
    assert sc.town.residents == 500
    with pytest.raises(ScenarioError, match="unknown key"):
        apply_overrides(Scenario(), {"town.citizens": 5})
    with pytest.raises(ScenarioError, match="town.residents = 3"):
        apply_overrides(Scenario(), {"town.residents": 3})


def test_every_field_has_a_description():
    """The schema is the reference: a field without a description is a bug."""
    from pydantic import BaseModel

    def walk(model):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
            ann = field.annotation
            for cand in (ann, *getattr(ann, "__args__", ())):
                if isinstance(cand, type) and issubclass(cand, BaseModel):
                    walk(cand)

    walk(Scenario)


def test_generated_reference_is_up_to_date():
    """docs/reference is generated from the schemas; regenerate with `python -m simulation.reference`."""
    from simulation.reference import REFERENCE_FILES, ROOT, render_reference

    for name in REFERENCE_FILES:
        committed = (ROOT / "docs" / "reference" / name).read_text(encoding="utf-8")
        assert committed == render_reference(name), f"docs/reference/{name} is stale: run python -m simulation.reference"


def test_research_scenarios_stay_out_of_the_workshop_list_but_run_from_the_command_line():
    from simulation.dashboard.session import library
    from simulation.library import resolve_scenario

    shown = library()
    assert "city.toml" not in shown and "new_shelter.toml" in shown and "koko_implementation.toml" in shown
    city = load_scenario(resolve_scenario("city"))
    assert city.meta.audience == "research" and len(city.town.districts) == 80 and city.town.residents == 1_000_000
