"""The workshop dashboard: session logic, the page rendered in-process, and a real browser.

Browser tests drive Debian's chromium through pytest-playwright against `quartier dashboard`
on a free port. They skip with a reason where no chromium is installed, except under CI,
where .ci/run installs it and a missing browser is a failure.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import numpy as np
import pytest

from simulation.dashboard.figures import number, separators
from simulation.dashboard.session import WORKSHOP_PARAMETERS, Session, library, slider_spec
from simulation.kernels import conflict as ck
from simulation.reports.i18n import tr
from simulation.scenario import load_scenario

from .conftest import SCENARIOS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


# ----------------------------------------------------------------------------------------------
# Session: the controls change the model
# ----------------------------------------------------------------------------------------------


def small_session(**kw):
    session = Session(scenario_file="new_shelter.toml", values={"town.residents": 300, **kw.pop("values", {})}, **kw)
    session.reset()
    return session


def test_sliders_take_ranges_and_defaults_from_the_schema():
    scenario = load_scenario(SCENARIOS / "new_shelter.toml")
    spec = slider_spec("conflict.incident_probability", scenario)
    assert (spec["min"], spec["max"], spec["value"]) == (0.0, 1.0, scenario.conflict.incident_probability)
    assert "incident" in spec["help"]
    for path in WORKSHOP_PARAMETERS:
        spec = slider_spec(path, scenario)
        assert spec["min"] <= spec["value"] <= spec["max"], path
        assert tr(path, "de") and tr(path, "en")


def test_slider_value_and_structure_switch_reach_the_model():
    session = small_session(values={"structures.mediator_pool.mediators": 9})
    model = session.towns[0].model
    assert len(model.mediators) == 9
    session.structures["mediator_pool"] = False
    session.reset()
    assert session.towns[0].model.structure("mediator_pool") is None


def test_step_advances_every_town_in_lockstep_and_same_seed_same_town():
    session = small_session(side_by_side=True)
    assert len(session.towns) == 2
    np.testing.assert_array_equal(session.towns[0].model.state.opinion0, session.towns[1].model.state.opinion0)
    session.step(5)
    assert [t.model.steps for t in session.towns] == [5, 5]


def test_a_shock_on_demand_hits_both_towns_and_shows_in_the_curves():
    session = small_session(side_by_side=True)
    session.step(3)
    hostile_before = [int(np.sum(t.model.valence == ck.HOSTILE)) for t in session.towns]
    session.trigger("violent_incident", "Nordstadt", strength=2.0)
    session.step(1)
    for town, before in zip(session.towns, hostile_before):
        assert town.series("incidents")[-1] >= 16
        assert ("violent_incident" in dict((k, d) for d, k in town.model.shock_log))
        assert int(np.sum(town.model.valence == ck.HOSTILE)) > before


def test_newcomers_on_demand_get_positions_in_the_drawing():
    session = small_session()
    session.trigger("newcomer_influx", "Südviertel", strength=1.0)
    town = session.towns[0]
    assert town.model.state.n == 340 and town.positions().shape == (340, 2)


def test_every_slider_grid_holds_the_scenario_value_so_loading_does_not_move_it():
    # A step of (20 - 1) / 100 = 0.19 once turned early warning's 2.0 into 1.95 at load.
    for name, scenario in library().items():
        for path in WORKSHOP_PARAMETERS:
            spec = slider_spec(path, scenario)
            k = (spec["value"] - spec["min"]) / spec["step"]
            assert abs(k - round(k)) < 1e-9, (name, path, spec)
            assert spec["integer"] or (spec["max"] - spec["min"]) / spec["step"] >= 50, (name, path, spec)


def test_a_frame_is_a_snapshot_that_later_steps_do_not_change():
    session = small_session()
    frame = session.apply(lambda s: s.step(2))
    tension, incidents = frame.towns[0].tension.copy(), frame.towns[0].curves["incidents_week"].copy()
    later = session.apply(lambda s: s.step(5))
    assert (frame.day, later.day) == (2, 7) and later.version > frame.version
    np.testing.assert_array_equal(frame.towns[0].tension, tension)
    np.testing.assert_array_equal(frame.towns[0].curves["incidents_week"], incidents)
    assert not np.array_equal(later.towns[0].tension, tension)


def test_steps_from_two_threads_at_once_never_interleave_and_give_the_sequential_town():
    # Play and a click stepping together: with the lock, 2 x 15 steps are 30 whole days and the
    # same town as 30 steps in a row (same seed); without it, days were lost or mixed.
    session, reference = small_session(), small_session()
    reference.step(30)

    def clicks():
        for _ in range(15):
            session.apply(lambda s: s.step(1))

    threads = [threading.Thread(target=clicks) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert session.day == 30
    np.testing.assert_array_equal(session.towns[0].model.state.tension, reference.towns[0].model.state.tension)
    np.testing.assert_array_equal(session.towns[0].series("incidents"), reference.towns[0].series("incidents"))


def test_period_over_is_flagged_once_the_scenario_days_have_passed():
    session = small_session(values={"days": 10})
    assert not session.frame().period_over
    assert session.apply(lambda s: s.step(10)).period_over


def test_unknown_shock_kind_is_refused_with_the_allowed_kinds():
    session = small_session()
    with pytest.raises(ValueError, match="allowed: violent_incident"):
        session.trigger("<b>meteor</b>", None)
    assert session.shocks_triggered == []


def test_german_numbers_use_the_decimal_comma():
    assert number(1234.5, "de", 1) == "1.234,5" and number(1234.5, "en", 1) == "1,234.5"
    assert separators("de") == ",." and separators("en") == ".,"


def workshop_session():
    """A session as a room plays it: shocks, a switch and a slider during the run, and a shock
    and a change in the same pause (their order within a day must survive saving)."""
    session = small_session()
    session.step(5)
    session.trigger("violent_incident", "Nordstadt", 2.0)
    session.step(3)
    session.change({"structures.mediator_pool.enabled": False})
    session.step(4)
    session.change({"structures.contact_point.report_boost": 0.5})
    session.trigger("rumour", None, 1.0)
    session.step(6)
    return session


def test_a_switch_during_the_run_changes_the_running_town_from_the_next_day():
    session = small_session()
    session.step(4)
    model = session.towns[0].model
    session.change({"structures.mediator_pool.enabled": False})
    session.step(1)
    assert session.towns[0].model is model and session.day == 5  # not rebuilt
    assert model.structure("mediator_pool") is None
    assert model.change_log == [(5, {"structures.mediator_pool.enabled": False})]


def test_a_saved_session_reruns_to_the_same_numbers():
    from simulation.dashboard.session import parse_scenario_text
    from simulation.model import QuartierModel

    session = workshop_session()
    scenario = parse_scenario_text(session.save())
    shocks = {(s.kind, s.day) for s in scenario.shocks}
    assert ("violent_incident", 6) in shocks and ("rumour", 13) in shocks
    assert [c.day for c in scenario.changes] == [9, 13]
    model = QuartierModel(scenario)  # the file's own seed
    for _ in range(session.day):
        model.step()
    pd_testing = pytest.importorskip("pandas").testing
    pd_testing.assert_frame_equal(model.model_frame(), session.towns[0].model.model_frame())


@pytest.mark.slow
def test_quartier_run_on_a_saved_session_gives_the_dashboards_numbers(tmp_path):
    import pandas as pd

    session = workshop_session()
    path = tmp_path / "session.toml"
    path.write_text(session.save(), encoding="utf-8")
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "simulation", "run", str(path), "--days", str(session.day),
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    frame = pd.read_parquet(out / "model.parquet")
    ours = session.towns[0].model.model_frame()
    np.testing.assert_array_equal(frame["incidents"].to_numpy()[: len(ours)], ours["incidents"].to_numpy())
    np.testing.assert_array_equal(frame["escalation_index"].to_numpy()[: len(ours)], ours["escalation_index"].to_numpy())


def test_a_saved_session_loads_back_into_the_dashboard_with_its_shocks_and_seed():
    text = workshop_session().save()
    session = Session()
    session.load(text, "session.toml")
    assert session.seed == 1 and session.loaded is not None
    assert "gespeicherte" in session.loaded.meta.title_de
    session.step(14)
    assert ("rumour" in [kind for _, kind in session.towns[0].model.shock_log])


@pytest.mark.parametrize("text, needle", [
    (b"\xff\xfe not text", "not a text file"),
    (b"days = [", "not a TOML file"),
    (b'base = "../../etc/passwd"', "key 'base'"),
    (b"days = -5", "days"),
    (b"nonsense = 1", "nonsense"),
])
def test_a_bad_file_is_refused_with_one_line_and_the_town_stays(text, needle):
    from simulation.dashboard.session import parse_scenario_text
    from simulation.scenario import ScenarioError

    session = small_session()
    session.step(3)
    with pytest.raises(ScenarioError) as info:
        parse_scenario_text(text, "edited.toml")
        session.load(text.decode("utf-8", "replace"), "edited.toml")
    message = str(info.value).strip().splitlines()[-1]
    assert needle in message and len(message) < 400
    assert session.day == 3 and session.loaded is None


# ----------------------------------------------------------------------------------------------
# The page, rendered in-process
# ----------------------------------------------------------------------------------------------


def render_page():
    import solara

    from simulation.dashboard.app import Page

    @solara.component
    def Wrapped():
        with solara.AppLayout():
            Page()

    return solara.render(Wrapped(), handle_error=False)


def test_page_controls_exist_and_step_updates_every_figure():
    import ipyvuetify as v
    from simulation.dashboard import app
    from simulation.dashboard.figures import FigureWidget

    app.LANG.set("de")
    box, rc = render_page()
    for label in ("Abspielen", "Schritt", "+1 Woche", "Neu beginnen"):
        rc.find(v.Btn, children=[label]).assert_single()
    switches = rc.find(v.Switch).widgets
    assert len(switches) == 7  # six structures + side by side
    figures = rc.find(FigureWidget).widgets
    assert len(figures) == 3  # town, districts, curves
    town = next(f for f in figures if f.layout.title.text and f.layout.title.text.startswith("Tag"))
    curves = next(f for f in figures if len(f.data) == 4)
    bars = next(f for f in figures if f.data[0].type == "bar")
    bars_before = np.array(bars.data[0].x)
    rc.find(v.Btn, children=["+1 Woche"]).widget.click()
    assert town.layout.title.text.startswith("Tag 7 ")
    assert len(curves.data[0].y) == 8  # day 0 to day 7
    assert not np.array_equal(np.array(bars.data[0].x), bars_before)
    assert town.layout.separators == ",."
    app.LANG.set("en")
    rc.find(v.Btn, children=["Step"]).assert_single()
    app.LANG.set("de")


def test_a_step_renders_the_counters_and_figures_again_but_not_the_page(monkeypatch):
    # Issue 13's step latency: a step once re-rendered the whole page (sidebar, sliders, the
    # 90-minute plan) and the counters became a new widget every day. The page's render is
    # counted through session_plan, which only the page's own render calls.
    import ipyvuetify as v
    from simulation.dashboard import app

    renders = []
    plan = app.session_plan
    monkeypatch.setattr(app, "session_plan", lambda lang: renders.append(lang) or plan(lang))
    app.LANG.set("de")
    box, rc = render_page()
    counters = rc.find(v.Sheet, class_="d-flex ma-0 q-counter-chosen").widget
    shown = counters.children[0]
    before = len(renders)
    for _ in range(3):
        rc.find(v.Btn, children=["Schritt"]).widget.click()
    rc.find(v.Btn, children=["Gewaltvorfall"]).widget.click()
    assert len(renders) == before
    assert counters.children[0] is shown  # the same widget, its text changed in place
    text = "".join(part if isinstance(part, str) else "".join(map(str, part.children)) for part in shown.children)
    assert text.startswith("Tag 3 · "), text
    rc.find(v.Switch, label=tr("mediator_pool", "de")).widget.v_model = False  # a setting: the page shows it
    assert len(renders) > before


def test_curve_axes_hold_every_value_and_move_only_in_steps():
    # Fixed axis ranges spare the browser redrawing every axis on every day; they must still
    # show every value, and move only now and then.
    from simulation.dashboard.figures import CurvesFigure

    session = small_session()
    frame = session.frame()
    figure = CurvesFigure(frame, ["x"], "de")
    moves = 0
    for _ in range(70):
        ranges = [tuple(figure.widget.layout[a].range) for a in ("xaxis", "yaxis", "yaxis2", "yaxis3", "yaxis4")]
        frame = session.apply(lambda s: s.step(1))
        figure.update(frame)
        x_range = figure.widget.layout.xaxis.range
        assert x_range[0] == 0 and x_range[1] >= frame.day
        for axis, trace in zip(("yaxis", "yaxis2", "yaxis3", "yaxis4"), figure.widget.data):
            low, high = figure.widget.layout[axis].range
            y = np.asarray(trace.y, dtype=float)
            assert low <= np.nanmin(y) and np.nanmax(y) <= high, axis
        moves += ranges != [tuple(figure.widget.layout[a].range) for a in ("xaxis", "yaxis", "yaxis2", "yaxis3", "yaxis4")]
    assert moves <= 20  # 7 moves of the day axis in 70 days, a few of the value axes


# ----------------------------------------------------------------------------------------------
# A real browser
# ----------------------------------------------------------------------------------------------


def wait_for_dashboard(url: str, proc, seconds: float = 90) -> None:
    """Wait until the dashboard answers at ``url``; fail (and stop it) after ``seconds``."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    proc.kill()
    pytest.fail(f"the dashboard did not start within {seconds:.0f} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard_server(tmp_path_factory):
    """A running dashboard and the file its server writes its log to."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but no chromium is installed (.ci/run installs Debian's chromium)")
        pytest.skip("no chromium found: install Debian's chromium to run the browser tests")
    port = free_port()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "simulation", "dashboard", "--port", str(port), "--lang", "de"],
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    wait_for_dashboard(url, proc)
    yield url, log
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def dashboard_url(dashboard_server):
    return dashboard_server[0]


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Playwright cannot download browsers here: use Debian's chromium."""
    return {
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"],
    }


def counters(page) -> str:
    return page.inner_text(".q-counters")


def wait_for_text(page, text: str, timeout=30_000):
    page.wait_for_function(f"document.querySelector('.q-counters').innerText.includes({text!r})", timeout=timeout)


def shown_day(page) -> int:
    return int(re.search(r"(?:Tag|Day) (\d+)", counters(page)).group(1))


def wait_for_day_after(page, day: int, timeout=30_000) -> int:
    """Wait until the page shows a day later than ``day``; return it."""
    page.wait_for_function(
        "(d) => { const m = document.querySelector('.q-counters').innerText.match(/(?:Tag|Day) (\\d+)/);"
        " return m && Number(m[1]) > d; }", arg=day, timeout=timeout)
    return shown_day(page)


def open_dashboard(page, url):
    page.set_viewport_size({"width": 1280, "height": 720})  # a projector
    page.goto(url)
    page.wait_for_selector(".q-curves .js-plotly-plot", timeout=60_000)
    page.wait_for_selector(".q-town .js-plotly-plot", timeout=60_000)


def outside_requests(url: str, requests: list[str]) -> list[str]:
    return [u for u in requests if not u.startswith(url.rstrip("/")) and not u.startswith(("data:", "blob:"))]


@pytest.mark.slow
def test_browser_page_loads_offline_and_stays_on_this_computer(dashboard_url, page):
    requests, failures = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failures.append((r.url, r.failure)))
    page.on("response", lambda r: failures.append((r.url, r.status)) if r.status >= 400 else None)
    open_dashboard(page, dashboard_url)
    page.click(".q-step")
    wait_for_text(page, "Tag 1 ")
    assert not outside_requests(dashboard_url, requests), outside_requests(dashboard_url, requests)
    assert not failures, failures
    # plotly.js came with the widget (the plotly package), not from a CDN: the plot exists and
    # its library is loaded in the page.
    assert page.evaluate("document.querySelectorAll('.js-plotly-plot').length") == 3


@pytest.mark.slow
def test_browser_step_updates_every_view_shock_side_by_side_and_language(dashboard_url, page):
    open_dashboard(page, dashboard_url)
    page.click(".q-step")
    wait_for_text(page, "Tag 1 ")
    page.wait_for_function("document.querySelector('.q-town .gtitle').textContent.startsWith('Tag 1 ')")
    page.click(".q-week")
    wait_for_text(page, "Tag 8 ")
    page.wait_for_function("document.querySelector('.q-town .gtitle').textContent.startsWith('Tag 8 ')")
    # the curves hold day 0..8 and the district bars moved off zero (each figure's update
    # arrives on its own, after the town's)
    page.wait_for_function("document.querySelector('.q-curves .js-plotly-plot').data[0].x.length == 9", timeout=30_000)
    page.wait_for_function("Math.max(...document.querySelector('.q-districts .js-plotly-plot').data[0].x) > 0",
                           timeout=30_000)
    page.click(".q-shock-violent_incident")
    page.click(".q-step")
    wait_for_text(page, "Tag 9 ")
    page.wait_for_selector(".q-shock-list >> text=Gewaltvorfall", timeout=30_000)
    incidents = int(counters(page).split("Vorfälle bisher")[1].split("·")[0].replace(".", ""))
    assert incidents >= 8  # the shock's own incidents
    page.click(".q-side-by-side")
    # Two towns, each with its line in the curves and its bars by district.
    page.wait_for_function("document.querySelectorAll('.q-town .js-plotly-plot').length == 2"
                           " && document.querySelector('.q-districts .js-plotly-plot')?.data?.length == 2", timeout=30_000)
    page.click(".q-language")
    page.wait_for_selector("text=Step", timeout=30_000)
    wait_for_text(page, "Day")
    assert "Tag" not in counters(page)
    page.click(".q-language")
    wait_for_text(page, "Tag")


@pytest.mark.slow
def test_browser_play_goes_on_through_every_kind_of_action(dashboard_server, page):
    """Point 0 of issue 13: while the town plays, a shock, a structure switch, a slider, the
    language and a scenario change each take effect and the days keep advancing; the server
    log stays free of errors (it once filled with "Too many renders")."""
    url, log = dashboard_server
    log_start = log.stat().st_size
    open_dashboard(page, url)
    page.click(".q-play")
    page.wait_for_selector(".q-play >> text=Anhalten")
    wait_for_day_after(page, 2)

    def still_playing(label, rebuilt=False, before=None):
        # A rebuilt town starts again at day 0: first see it start again, then see its days
        # advance twice in a row.
        if rebuilt:
            page.wait_for_function(
                "(d) => { const m = document.querySelector('.q-counters').innerText.match(/(?:Tag|Day) (\\d+)/);"
                " return m && Number(m[1]) < d; }", arg=before, timeout=30_000)
        now = shown_day(page)
        later = wait_for_day_after(page, now, timeout=20_000)
        assert wait_for_day_after(page, later, timeout=20_000) > later, label

    page.click(".q-shock-violent_incident")
    page.wait_for_selector(".q-shock-list >> text=Gewaltvorfall", timeout=20_000)
    still_playing("shock")
    # A switch and a structure's slider change the running town (from the next day), so the
    # days go on from where they were.
    before = shown_day(page)
    page.click(".q-structure-mediator_pool")
    still_playing("structure switch")
    page.focus(".q-slider-mediators [role=slider]")  # by keyboard, as on a projector laptop
    page.keyboard.press("ArrowRight")
    still_playing("slider")
    assert shown_day(page) > before
    page.click(".q-language")
    page.wait_for_selector(".q-play >> text=Pause", timeout=20_000)
    still_playing("language")
    before = shown_day(page)
    page.click(".q-scenario")
    page.click(".v-menu__content .v-list-item >> text=Baseline: an ordinary tense year")
    still_playing("scenario", rebuilt=True, before=before)
    page.click(".q-play")
    page.wait_for_selector(".q-play >> text=Play", timeout=20_000)
    time.sleep(1.0)  # frames already on their way may still arrive
    stopped = shown_day(page)
    time.sleep(1.5)
    assert shown_day(page) == stopped
    text = log.read_text()[log_start:]
    assert "Traceback" not in text and "Too many renders" not in text, text[-3000:]


@pytest.mark.slow
def test_browser_event_log_shows_a_triggered_shock_in_both_languages_and_stays_on_this_computer(dashboard_url, page):
    """Point 4 of issue 13: the log names the shock the room triggered, in German and, after
    the language switch, in English; a click on its line highlights its day on the curves;
    the handout downloads as a PDF; nothing is requested beyond this computer."""
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    open_dashboard(page, dashboard_url)
    page.click(".q-shock-violent_incident")
    page.click(".q-step")
    wait_for_text(page, "Tag 1 ")
    page.wait_for_selector(".q-event-line >> text=/Tag 1 – [^:]+: Gewaltvorfall/", timeout=30_000)
    assert page.inner_text(".q-event-log").startswith("Was geschehen ist")
    page.click(".q-language")
    wait_for_text(page, "Day 1 ")
    page.wait_for_selector(".q-event-line >> text=/Day 1 – [^:]+: violent incident/", timeout=30_000)
    assert "Gewaltvorfall" not in page.inner_text(".q-event-log")
    page.click(".q-event-line >> text=/Day 1 – [^:]+: violent incident/")
    page.wait_for_function("document.querySelector('.q-curves .js-plotly-plot').layout.shapes"
                           ".some(s => s.type === 'rect' && s.x0 < 1 && s.x1 > 1)", timeout=30_000)
    # The next day's lines come on top of the ones shown (newest first), none twice.
    page.click(".q-week")
    wait_for_text(page, "Day 8 ")
    texts = page.eval_on_selector_all(".q-event-line", "els => els.map(e => e.textContent.trim())")
    days = [int(re.match(r"Day (\d+)", t).group(1)) for t in texts]
    assert days == sorted(days, reverse=True) and sum(bool(re.fullmatch(r"Day 1 – [^:]+: violent incident", t)) for t in texts) == 1
    page.click(".q-language")
    wait_for_text(page, "Tag 8 ")
    page.wait_for_selector(".q-event-line >> text=/Tag 1 – [^:]+: Gewaltvorfall/", timeout=30_000)
    # The handout for the debrief comes from a button (issue 13, point 6).
    with page.expect_download(timeout=60_000) as download:
        page.click(".q-handout-pdf .v-btn")
    assert download.value.suggested_filename == "quartier_handout.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert not outside_requests(dashboard_url, requests), outside_requests(dashboard_url, requests)


def test_the_session_plan_is_reachable_in_both_languages_with_the_room_warning():
    from simulation.dashboard.app import session_plan

    for lang, warning in (("de", "Achtung"), ("en", "Warning")):
        plan = session_plan(lang)
        assert "90" in plan.splitlines()[0] and "--host 0.0.0.0" in plan and warning in plan


@pytest.mark.slow
def test_browser_framework_message_on_a_lost_connection_is_in_the_pages_language(page):
    if CHROMIUM is None:
        pytest.skip("no chromium found")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "simulation", "dashboard", "--port", str(port), "--lang", "de"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_dashboard(url, proc)
        open_dashboard(page, url)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    page.wait_for_selector("text=Verbindung zum Server unterbrochen", timeout=30_000)
    assert "Server disconnected" not in page.inner_text("body")


def drop_file(page, selector: str, name: str, text: str) -> None:
    """Drop a file onto a drop zone as a participant dragging it from their desktop would."""
    page.evaluate(
        """([selector, name, text]) => {
            // A synthetic drop carries no file-system entry (webkitGetAsEntry), which Solara's
            // drop zone reads; hand it one that yields the file.
            const zone = document.querySelector(selector);
            const file = new File([text], name, {type: 'application/toml'});
            const entry = {isFile: true, file: (resolve) => resolve(file)};
            const drop = new Event('drop', {bubbles: true, cancelable: true});
            Object.defineProperty(drop, 'dataTransfer', {value: {items: [{webkitGetAsEntry: () => entry}]}});
            zone.dispatchEvent(drop);
        }""", [selector, name, text])


@pytest.mark.slow
def test_browser_a_hand_edited_session_file_gets_a_message_and_the_town_goes_on(dashboard_url, page):
    open_dashboard(page, dashboard_url)
    page.click(".q-week")
    wait_for_text(page, "Tag 7 ")
    drop_file(page, ".q-save-load .solara-file-drop", "sitzung.toml", "days = -5\n[town]\nresidents = 'viele'\n")
    page.wait_for_selector(".q-load-error", timeout=30_000)
    message = page.inner_text(".q-load-error")
    assert "Diese Datei lässt sich nicht öffnen" in message and "\n" not in message.strip()
    page.click(".q-step")
    wait_for_text(page, "Tag 8 ")  # the town was left as it was
    # A valid saved session opens, with its own title.
    session = small_session()
    session.step(2)
    drop_file(page, ".q-save-load .solara-file-drop", "sitzung.toml", session.save())
    page.wait_for_selector("text=gespeicherte Workshop-Sitzung", timeout=30_000)
    wait_for_text(page, "Tag 0 ")


def test_saving_a_loaded_session_again_keeps_one_title_suffix_within_the_schema_limit():
    from simulation.dashboard.session import parse_scenario_text

    session = Session()
    session.load(workshop_session().save(), "a.toml")
    again = parse_scenario_text(session.save())
    assert again.meta.title_de.count("gespeicherte Workshop-Sitzung") == 1 and len(again.meta.title_de) <= 120


def test_serving_the_room_prints_a_warning_and_addresses_and_loopback_prints_nothing():
    import io

    from simulation.dashboard.room import announce

    quiet, loud = io.StringIO(), io.StringIO()
    announce("127.0.0.1", 8765, out=quiet)
    announce("0.0.0.0", 8765, out=loud)
    assert quiet.getvalue() == ""
    text = loud.getvalue()
    assert text.startswith("WARNING") and "every device on this network" in text
    assert ":8765/" in text and "127.0.0.1" not in text
