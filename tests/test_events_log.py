"""The event log where people read it: `quartier run`'s events.parquet, the dashboard's log
and the handout (issue 13, points 4 and 6). The log itself is tested in test_events.py."""

import re

import numpy as np
import pandas as pd
import pytest

from simulation.cli import main
from simulation.events import KINDS

from .conftest import SCENARIOS


def flagship_until(tmp_path, days: int):
    """The flagship at 300 residents, long enough for its first shocks (days 60 and 100)."""
    path = tmp_path / "small.toml"
    path.write_text(f'base = "{(SCENARIOS / "new_shelter.toml").as_posix()}"\nwarmup_days = 20\ndays = {days}\n'
                    "[town]\nresidents = 300\n")
    return path


def test_quartier_run_writes_the_event_log_with_both_languages(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(flagship_until(tmp_path, 110)), "--out", str(out)]) == 0
    events = pd.read_parquet(out / "events.parquet")
    assert list(events.columns) == ["day", "kind", "district", "district_name", "value", "detail", "text_en", "text_de"]
    assert events["day"].is_monotonic_increasing and set(events["kind"]) <= set(KINDS)
    shocks = events[events["kind"] == "shock"]
    # The flagship's scheduled shocks of the first 110 days: contested decision (60), newcomers (100).
    assert list(shocks["day"]) == [60, 100]
    assert list(shocks["detail"]) == ["contested_decision", "newcomer_influx"]
    assert shocks["text_de"].str.contains("umstrittene Entscheidung").iloc[0]
    assert shocks["text_en"].str.contains("contested decision").iloc[0]
    assert (events.loc[events["district"] >= 0, "district_name"] != "").all()
    assert (events.loc[events["district"] < 0, "district_name"] == "").all()


# ----------------------------------------------------------------------------------------------
# The dashboard's log
# ----------------------------------------------------------------------------------------------


def small_session(**kw):
    from simulation.dashboard.session import Session

    session = Session(scenario_file="new_shelter.toml", values={"town.residents": 300}, **kw)
    session.reset()
    return session


DISTRICTS = ["Nordstadt", "Altstadt", "Südviertel", "Weststadt"]


@pytest.mark.parametrize("lang, line", [("de", "Tag 4 – Nordstadt: Gewaltvorfall"),
                                        ("en", "Day 4 – Nordstadt: violent incident")])
def test_a_triggered_shock_is_a_line_of_the_sessions_log_in_the_pages_language(lang, line):
    from simulation.dashboard.session import log_lines

    session = small_session(side_by_side=True)
    frame = session.apply(lambda s: s.step(3))
    before = [len(t.events) for t in frame.towns]
    frame = session.apply(lambda s: (s.trigger("violent_incident", "Nordstadt"), s.step(1)))
    for town, start in zip(frame.towns, before):
        new = log_lines(town, lang, DISTRICTS, start)
        assert line in [x["text"] for x in new]  # both towns were hit
        assert all(x["day"] == 4 for x in new)  # only the day's news


def test_a_frames_log_is_a_snapshot_that_later_steps_do_not_change():
    session = small_session()
    frame = session.apply(lambda s: (s.trigger("rumour", None), s.step(1)))
    logged = frame.towns[0].events
    session.apply(lambda s: (s.trigger("violent_incident", "Nordstadt"), s.step(1)))
    assert frame.towns[0].events == logged and len(session.towns[0].model.events) > len(logged)


def test_the_page_log_sends_only_new_lines_and_marks_the_crisis_team_on_the_curves():
    import solara
    from simulation.dashboard import app
    from simulation.dashboard.eventlog import EventLogWidget
    from simulation.dashboard.figures import FigureWidget
    import ipyvuetify as v

    app.LANG.set("de")

    @solara.component
    def Wrapped():
        with solara.AppLayout():
            app.Page()

    _, rc = solara.render(Wrapped(), handle_error=False)
    log = rc.find(EventLogWidget).widget
    curves = next(f for f in rc.find(FigureWidget).widgets if len(f.data) == 4)
    assert log.title == "Was geschehen ist" and log.chunk["lines"] == []
    chunks = []  # what the browser receives
    log.observe(lambda change: chunks.append(change["new"]), names="chunk")
    rc.find(v.Btn, children=["Gewaltvorfall"]).widget.click()
    rc.find(v.Btn, children=["Schritt"]).widget.click()
    rc.find(v.Btn, children=["Schritt"]).widget.click()
    lines = [x["text"] for c in chunks for x in c["lines"]]
    # The button's brawl hits a district drawn at random; the line names it.
    assert any(re.fullmatch(r"Tag 1 – \w+: Gewaltvorfall", line) for line in lines), lines
    # Each chunk starts where the previous one ended: no line is sent twice.
    assert [c["start"] for c in chunks] == [sum(len(c["lines"]) for c in chunks[:k]) for k in range(len(chunks))]
    assert len(chunks) >= 2
    # The flagship's town has a crisis team: it convenes on the shock's day, a tick on every panel.
    ticks = [s for s in curves.layout.shapes if s.type == "line" and s.y1 == 0.07]
    assert len(ticks) == 4 and {s.x0 for s in ticks} == {1}
    # A click on a line highlights its day on the curves.
    log.vue_pick(1)
    assert [s.x0 < 1 < s.x1 for s in curves.layout.shapes if s.type == "rect"] == [True] * 4


# ----------------------------------------------------------------------------------------------
# The handout
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def played_session():
    from simulation.dashboard.session import Session

    session = Session(scenario_file="new_shelter.toml", values={"town.residents": 300})
    session.reset()
    session.step(60)  # the flagship's first shock fires on day 60
    session.trigger("violent_incident", "Nordstadt")
    session.step(5)
    return session


@pytest.mark.parametrize("lang", ["de", "en"])
def test_handout_is_one_page_png_and_pdf_in_the_requested_language(played_session, tmp_path, lang):
    import re

    import matplotlib.image

    from simulation.dashboard.handout import handout, handout_figure, write_handout
    from simulation.reports.i18n import tr

    from .languages import figure_text, foreign_words

    png = write_handout(played_session, tmp_path / "session.png", lang)
    pdf = write_handout(played_session, tmp_path / "session.pdf", lang)
    height, width = matplotlib.image.imread(png).shape[:2]
    assert height > width > 1000  # A4 portrait at 150 dpi
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    page = handout(played_session, lang)
    text = figure_text(handout_figure(page))
    assert foreign_words(text, lang) == []
    assert tr("handout_log", lang) in text and tr("handout_structures", lang) in text
    shock = "Tag 61 – Nordstadt: Gewaltvorfall" if lang == "de" else "Day 61 – Nordstadt: violent incident"
    assert shock in page.log and shock in text
    assert page.figures_heading == tr("handout_figures", lang, day=65)


def test_handout_refuses_an_unknown_language_or_file_type_naming_the_allowed_ones(played_session, tmp_path):
    from simulation.dashboard.handout import write_handout

    with pytest.raises(ValueError, match=r"'fr'.*en, de"):
        write_handout(played_session, tmp_path / "x.pdf", "fr")
    with pytest.raises(ValueError, match=r"'x.svg'.*\.png or \.pdf"):
        write_handout(played_session, tmp_path / "x.svg", "de")
    assert not list(tmp_path.iterdir())


def test_with_two_towns_the_log_follows_the_town_chosen_in_its_selector():
    from simulation.dashboard.eventlog import EventLogView

    session = small_session(side_by_side=True, other_preset="none")
    frame = session.apply(lambda s: (s.trigger("violent_incident", "Nordstadt"), s.step(3)))
    marked = []
    view = EventLogView(frame, DISTRICTS, ["yours", "none"], "en", on_town=lambda town, events: marked.append(town),
                        on_pick=lambda day: None)
    assert view.widget.towns == ["yours", "none"]
    kinds = [{x["kind"] for x in view.widget.chunk["lines"]}]
    view.widget.selected = 1
    assert view.widget.chunk["start"] == 0 and marked == [0, 1]
    kinds.append({x["kind"] for x in view.widget.chunk["lines"]})
    # The flagship's own town has a crisis team; the town without structures has none.
    assert "crisis_team" in kinds[0] and "crisis_team" not in kinds[1]


def test_a_brawl_without_a_district_is_logged_where_it_happened():
    """A violent incident with no district hits one drawn at random; the log names that one,
    the district whose ties jumped (not the whole town)."""
    from simulation.model import QuartierModel
    from simulation.scenario import apply_overrides, load_scenario

    sc = apply_overrides(load_scenario("scenarios/baseline.toml"), {"town.residents": 300, "warmup_days": 0})
    model = QuartierModel(sc, seed=2)
    model.step()
    before = model.stage.copy()
    model.trigger_shock("violent_incident")
    jumped = np.flatnonzero(model.stage > before)
    (shock,) = [e for e in model.events if e.kind == "shock"]
    assert shock.district >= 0
    assert set(model.state.district[model.ties.u[jumped]].tolist()) == {shock.district}


def test_every_kind_of_event_has_its_sentence_in_the_one_label_table():
    from simulation.events import KINDS
    from simulation.reports.i18n import LABELS

    assert [k for k in KINDS if f"event.{k}" not in LABELS] == []
    assert {k.split(".")[1] for k in LABELS if k.startswith("event.")} == set(KINDS)
