"""The town's own starting conditions (issue 12, point 5): a small table → a scenario.

A municipality describes its town in a CSV file that a spreadsheet can write, one row per
thing, the first column saying what the row is::

    kind,name,residents,established,newcomers,staff,capacity_per_day,trained_share
    title,Musterstadt,,,,,,
    district,Nordstadt,5200,0.8,0.2,,,
    district,Altstadt,3100,0.6,0.4,,,
    unit,public_order,,,,12,3,0.1
    unit,social_services,,,,8,1.5,0.2
    structure,contact_point,,,,,,

* ``district`` rows: the district's name, its residents and the share of each group (one
  column per group of the base scenario, named as its groups; the shares sum to 1);
* ``unit`` rows: the administration's units (a kind of the base scenario's units, e.g.
  ``public_order``), their staff, cases a day and trained share; the first is where reports
  arrive. Units not listed are left out, and the case mix keeps the listed kinds' shares;
* ``structure`` rows: structures the town already has (switched on, fully built);
* ``title`` (optional): the town's name.

:func:`scenario_from_town_file` returns the base scenario (default ``baseline``) with these
conditions, validated like any scenario; errors name the line, the column, the value and what
is allowed. ``quartier town my_town.csv --out scenarios/my_town.toml`` writes it.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from .scenario import STRUCTURE_NAMES, Scenario, ScenarioError, scenario_from_dict
from .tomlwrite import to_toml

__all__ = ["scenario_from_town_file", "write_town_scenario", "KINDS"]

KINDS = ("title", "district", "unit", "structure")
_FIXED = ("kind", "name", "residents", "staff", "capacity_per_day", "trained_share")


def _number(text: str, where: str, column: str, whole: bool, low: float, high: float) -> float:
    allowed = f"allowed: {'a whole number' if whole else 'a number'} from {low:g} to {high:g}"
    try:
        value = float(text.replace(",", ".")) if not whole else int(text)
    except ValueError:
        raise ScenarioError(f"{where}, column {column} = {text!r}: {allowed}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ScenarioError(f"{where}, column {column} = {text!r}: {allowed}")
    return value


def scenario_from_town_file(path: str | Path, base: Scenario) -> Scenario:
    """The scenario ``base`` with the town described in the CSV file ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read the town file ({exc.__class__.__name__}); allowed: a UTF-8 CSV file") from None
    rows = list(csv.DictReader(text.splitlines()))
    groups = base.group_names()
    header = list(rows[0].keys()) if rows else []
    if "kind" not in header or "name" not in header:
        raise ScenarioError(f"{path}: the first line must name the columns; allowed: kind, name, residents, "
                            f"{', '.join(groups)}, staff, capacity_per_day, trained_share")
    unknown = [c for c in header if c not in _FIXED and c not in groups]
    if unknown:
        raise ScenarioError(f"{path}: column {unknown[0]!r}: allowed: {', '.join(_FIXED)} or a group of the base "
                            f"scenario ({', '.join(groups)})")
    data = base.model_dump()
    base_units = {u["kind"]: u for u in data["administration"]["units"]}
    districts, weights, mixes, units, structures = [], [], [], [], []
    for line, row in enumerate(rows, start=2):
        where = f"{path} line {line}"
        kind, name = (row.get("kind") or "").strip(), (row.get("name") or "").strip()
        if kind not in KINDS:
            raise ScenarioError(f"{where}, column kind = {kind!r}: allowed: one of {', '.join(KINDS)}")
        if not name:
            raise ScenarioError(f"{where}, column name is empty: allowed: a name")
        if kind == "title":
            data["meta"]["title_en"] = data["meta"]["title_de"] = name[:120]
            data["meta"]["description_en"] = f"{name[:80]}, as described in {path.name}."
            data["meta"]["description_de"] = f"{name[:80]}, wie in {path.name} beschrieben."
        elif kind == "district":
            if name in districts:
                raise ScenarioError(f"{where}, column name = {name!r}: allowed: each district once")
            weights.append(_number((row.get("residents") or "").strip(), where, "residents", True, 1, 2_000_000))
            shares = [_number((row.get(g) or "").strip(), where, g, False, 0, 1) for g in groups]
            if abs(sum(shares) - 1.0) > 1e-3:
                raise ScenarioError(f"{where}: group shares {', '.join(f'{g} = {s:g}' for g, s in zip(groups, shares))} "
                                    f"sum to {sum(shares):g}; allowed: shares summing to 1")
            districts.append(name)
            mixes.append([s / sum(shares) for s in shares])
        elif kind == "unit":
            if name not in base_units:
                raise ScenarioError(f"{where}, column name = {name!r}: allowed: a unit kind of the base scenario "
                                    f"({', '.join(base_units)})")
            unit = dict(base_units[name])
            unit["staff"] = int(_number((row.get("staff") or "").strip(), where, "staff", True, 1, 100000))
            unit["capacity_per_day"] = _number((row.get("capacity_per_day") or "").strip(), where, "capacity_per_day", False, 0, 1000)
            share = (row.get("trained_share") or "").strip()
            unit["trained_share"] = _number(share, where, "trained_share", False, 0, 1) if share else 0.0
            units.append(unit)
        else:
            if name not in STRUCTURE_NAMES:
                raise ScenarioError(f"{where}, column name = {name!r}: allowed: one of {', '.join(STRUCTURE_NAMES)}")
            structures.append(name)
    if not districts:
        raise ScenarioError(f"{path}: no district rows; allowed: at least one line 'district,<name>,<residents>,<shares>'")
    if not any(r.get("kind", "").strip() == "title" for r in rows):
        data["meta"].update(title_en=path.stem[:120], title_de=path.stem[:120],
                            description_en=f"The town described in {path.name}.",
                            description_de=f"Die in {path.name} beschriebene Stadt.")
    town = data["town"]
    town["districts"] = districts
    town["residents"] = int(sum(weights))
    town["district_weights"] = weights
    town["district_group_shares"] = mixes
    total = sum(weights)
    for g, group in enumerate(town["groups"]):
        group["share"] = sum(w * m[g] for w, m in zip(weights, mixes)) / total
    # Shares that sum to 1 up to rounding: give the remainder to the last group.
    town["groups"][-1]["share"] = 1.0 - sum(gr["share"] for gr in town["groups"][:-1])
    if units:
        data["administration"]["units"] = units
        kinds = [u["kind"] for u in units]
        mix = {k: v for k, v in data["administration"]["case_mix"].items() if k in kinds}
        total_mix = sum(mix.values()) or 1.0
        data["administration"]["case_mix"] = {k: v / total_mix for k, v in mix.items()} or {kinds[0]: 1.0}
    for name in STRUCTURE_NAMES:
        data["structures"][name]["enabled"] = name in structures
    # The base's shocks name its districts; a town file describes another town, so they go.
    data["shocks"] = [s for s in data["shocks"] if s.get("district") in (None, *districts)]
    data["variants"] = []
    return scenario_from_dict(data, str(path))


def write_town_scenario(scenario: Scenario, out: Path, source: str) -> None:
    """Write ``scenario`` as TOML to ``out`` atomically (a temporary file renamed into place)."""
    text = f"# Written by `quartier town` from {source}. Edit freely; `quartier validate` checks it.\n"
    text += to_toml(scenario.model_dump(mode="json", exclude_defaults=True))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
