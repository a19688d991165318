"""The one translation path (simulation/reports/i18n.py): labels and the schema's text fields."""

import pytest

from simulation.reports.i18n import LABELS, LANGUAGES, localized, other_language, tr
from simulation.scenario import Scenario


def test_localized_reads_the_field_of_the_language():
    meta = Scenario().meta
    assert localized(meta, "title", "de") == meta.title_de != meta.title_en == localized(meta, "title", "en")
    group = Scenario().town.groups[0]
    assert [localized(group, "label", lang) for lang in LANGUAGES] == [group.label_en, group.label_de]


def test_an_unknown_language_is_an_error_naming_the_allowed_ones():
    with pytest.raises(ValueError, match=r"'fr'.*en, de"):
        localized(Scenario().meta, "title", "fr")
    with pytest.raises(ValueError, match=r"'fr'"):
        tr("day", "fr")


def test_tr_fills_placeholders_and_fails_loudly_on_unknown_keys():
    assert tr("on_day", "de", day=12) == "Tag 12"
    with pytest.raises(KeyError):
        tr("no_such_label", "en")


def test_other_language_alternates():
    assert [other_language(lang) for lang in LANGUAGES] == ["de", "en"]


def test_every_label_has_every_language_and_the_same_placeholders():
    import string

    for key, texts in LABELS.items():
        assert set(texts) == set(LANGUAGES) and all(texts.values()), key
        fields = [{f for _, f, _, _ in string.Formatter().parse(t) if f} for t in texts.values()]
        assert all(f == fields[0] for f in fields), key


# Files that still choose between ``_de`` and ``_en`` fields themselves; the list may only
# shrink (the dashboard is being reworked at the same time, issue 9, point 8).
STILL_CHOOSING = {"dashboard/session.py", "dashboard/app.py"}


def test_no_module_chooses_between_language_fields_itself():
    """``x_de if lang == "de" else x_en`` written out is what ``localized`` replaces."""
    import re
    from pathlib import Path

    import simulation

    pattern = re.compile(r"_(de|en)\b[^\n]*\bif\b[^\n]*\blang\b")
    root = Path(simulation.__file__).parent
    offenders = {f"{p.relative_to(root)}:{i}" for p in root.rglob("*.py") if p.name != "i18n.py"
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)}
    assert {o.split(":")[0] for o in offenders} <= STILL_CHOOSING, sorted(offenders)


def _schema_classes():
    """Every schema class reachable from Scenario (sections, list entries, shocks)."""
    import typing

    from pydantic import BaseModel

    seen, todo = set(), [Scenario]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for info in cls.model_fields.values():
            stack = [info.annotation]
            while stack:
                ann = stack.pop()
                if isinstance(ann, type) and issubclass(ann, BaseModel):
                    todo.append(ann)
                stack.extend(typing.get_args(ann))
    return seen


def test_every_text_field_of_the_schema_exists_in_every_language():
    """``localized`` needs ``<name>_<lang>`` for every language wherever one of them exists."""
    pairs = 0
    for cls in _schema_classes():
        names = set(cls.model_fields)
        for name in names:
            stem, _, lang = name.rpartition("_")
            if stem and lang in LANGUAGES:
                pairs += 1
                missing = [f"{stem}_{other}" for other in LANGUAGES if f"{stem}_{other}" not in names]
                assert not missing, (cls.__name__, missing)
    assert pairs >= 2 * 4  # title, description, a group's and a unit's label, in two languages
