"""The workshop dashboard: session logic, the page rendered in-process, and a real browser.

Browser tests drive Debian's chromium through pytest-playwright against `quartier dashboard`
on a free port. They skip with a reason where no chromium is installed, except under CI,
where .ci/run installs it and a missing browser is a failure.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

from simulation.dashboard.session import WORKSHOP_PARAMETERS, Session, slider_spec
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


def test_page_controls_exist_and_step_changes_the_model():
    import ipyvuetify as v

    from simulation.dashboard import app

    app.LANG.set("de")
    box, rc = render_page()
    for label in ("Abspielen", "Schritt", "+1 Woche", "Neu beginnen"):
        rc.find(v.Btn, children=[label]).assert_single()
    switches = rc.find(v.Switch).widgets
    assert len(switches) == 7  # six structures + side by side
    rc.find(v.Btn, children=["Schritt"]).widget.click()
    rc.find(v.Html, children=["1"]).assert_not_empty()  # the page's change counter moved on
    app.LANG.set("en")
    rc.find(v.Btn, children=["Step"]).assert_single()
    app.LANG.set("de")


# ----------------------------------------------------------------------------------------------
# A real browser
# ----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard_url():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but no chromium is installed (.ci/run installs Debian's chromium)")
        pytest.skip("no chromium found: install Debian's chromium to run the browser tests")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "simulation", "dashboard", "--port", str(port), "--lang", "de"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the dashboard did not start within 90 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


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


@pytest.mark.slow
def test_browser_page_loads_offline_and_stays_on_this_computer(dashboard_url, page):
    requests, failures = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failures.append((r.url, r.failure)))
    page.on("response", lambda r: failures.append((r.url, r.status)) if r.status >= 400 else None)
    page.goto(dashboard_url)
    page.wait_for_selector(".q-curves img", timeout=60_000)
    outside = [u for u in requests if not u.startswith(dashboard_url.rstrip("/")) and not u.startswith(("data:", "blob:"))]
    assert not outside, outside
    assert not failures, failures
    assert "Tag 0" in counters(page)


@pytest.mark.slow
def test_browser_step_shock_side_by_side_and_language(dashboard_url, page):
    page.goto(dashboard_url)
    page.wait_for_selector(".q-curves img", timeout=60_000)
    page.click(".q-step")
    wait_for_text(page, "Tag 1")
    page.click(".q-week")
    wait_for_text(page, "Tag 8")
    curves_before = page.locator(".q-curves img").get_attribute("src")
    page.click(".q-shock-violent_incident")
    page.click(".q-step")
    wait_for_text(page, "Tag 9")
    page.wait_for_function("(before) => document.querySelector('.q-curves img').getAttribute('src') !== before",
                           arg=curves_before, timeout=30_000)
    incidents = int(counters(page).split("Vorfälle bisher")[1].split("·")[0])
    assert incidents >= 8  # the shock's own incidents
    page.click(".q-side-by-side")
    # Two towns, and tension by district for each (the widgets reach the page one by one).
    page.wait_for_function("document.querySelectorAll('.q-town img').length == 2"
                           " && document.querySelectorAll('.q-districts img').length == 2", timeout=30_000)
    page.click(".q-language")
    page.wait_for_selector("text=Step", timeout=30_000)
    wait_for_text(page, "Day")
    assert "Tag" not in counters(page)
