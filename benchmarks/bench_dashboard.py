"""A workshop room on one laptop: step latency of the dashboard with 1 and with N sessions.

Starts ``quartier dashboard`` on a free loopback port, opens ``--sessions`` pages in headless
Chromium (one browser context each, as separate participants' devices would be) and lets every
session click "Schritt" ``--steps`` times at once. A step's latency is measured inside the page,
from the click to the moment the counters *and* the town view's title show the new day (so the
figure has been redrawn, not just the text). Prints median, 95th percentile and maximum per
session count, how many sessions got stuck (a step that did not arrive within ``--timeout``),
the server's CPU time per step (the rest of the machine's time goes to the browsers), and the
server's resident memory before, with all sessions, and after they closed. First, one
page plays for ``--play`` seconds: the simulated days per second it shows, and whether the
town view kept up with the counters (issue 13: at least 5 days/s with every view updating).

Participants arrive 2 s apart; a page that has not loaded after 180 s counts as stuck. Bounded:
at most 30 sessions and 50 steps each, every wait has a timeout, and the whole run is cut off
after ``--budget`` seconds. Runs on loopback only. Note that the browser runs on the
same cores as the server here, which a real room (participants' own devices) does not: the
figures are an upper bound for the server's share.

Run: ``python benchmarks/bench_dashboard.py`` (1 and 15 sessions, about 3 minutes) or e.g.
``--sessions 1 --steps 20`` for the single-page click latency.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_SESSIONS, MAX_STEPS, MAX_PLAY_S = 30, 50, 60.0
ARRIVAL_GAP_S = 2.0
LOAD_TIMEOUT_S = 180.0

# Clicks the step button and resolves once the counters and the town view show `day`.
CLICK_AND_WAIT = """
async ([day, timeoutMs]) => {
  const wanted = 'Tag ' + day + ' ';
  const done = () => {
    const c = document.querySelector('.q-counters');
    const t = document.querySelector('.q-town .gtitle, .q-town img');
    const title = t ? (t.textContent || t.getAttribute('alt') || '') : '';
    return c && (c.innerText + ' ').includes(wanted) && (title === '' || (title + ' ').includes(wanted));
  };
  const t0 = performance.now();
  document.querySelector('.q-step').click();
  while (!done()) {
    if (performance.now() - t0 > timeoutMs) return -1;
    await new Promise(r => requestAnimationFrame(r));
  }
  return performance.now() - t0;
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of the server process and its children (solara runs as a child)."""
    total = 0
    pids = [pid]
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
        pids += [int(p) for p in out.split()]
        for p in pids:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
    except OSError:
        pass
    return total / 1024


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the server process and its children have used so far."""
    total = 0.0
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
        for p in [pid, *(int(p) for p in out.split())]:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        pass
    return total


async def one_session(browser, url: str, steps: int, timeout_s: float, start: asyncio.Event, latencies: list,
                      stuck: list, ready: list, index: int):
    # Participants arrive one after another, not in the same second.
    await asyncio.sleep(index * ARRIVAL_GAP_S)
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    page = await context.new_page()
    load_ms = LOAD_TIMEOUT_S * 1000
    try:
        await page.goto(url, timeout=load_ms)
        await page.wait_for_selector(".q-counters", timeout=load_ms)
        await page.wait_for_function("document.querySelector('.q-counters').innerText.includes('Tag 0')",
                                     timeout=load_ms)
        await page.wait_for_selector(".q-step", timeout=timeout_s * 1000)
    except Exception as exc:  # a page that never loaded counts as stuck
        stuck.append((index, f"load: {type(exc).__name__}"))
        await context.close()
        return None
    ready.append(index)
    await start.wait()
    for day in range(1, steps + 1):
        ms = await page.evaluate(CLICK_AND_WAIT, [day, timeout_s * 1000])
        if ms < 0:
            stuck.append((index, f"day {day}"))
            break
        latencies.append(ms)
    return context


async def run(url: str, sessions: int, steps: int, timeout_s: float, server_pid: int) -> dict:
    from playwright.async_api import async_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        memory_before = rss_mb(server_pid)
        start = asyncio.Event()
        latencies: list[float] = []
        stuck: list = []
        ready: list = []
        tasks = [asyncio.create_task(one_session(browser, url, steps, timeout_s, start, latencies, stuck, ready, i))
                 for i in range(sessions)]
        # Every page loads before anyone clicks: the measurement is of stepping, not loading.
        loaded_deadline = time.monotonic() + LOAD_TIMEOUT_S + ARRIVAL_GAP_S * sessions
        while time.monotonic() < loaded_deadline and len(ready) + len(stuck) < sessions:
            await asyncio.sleep(0.5)
        memory_loaded = rss_mb(server_pid)
        t0, cpu0 = time.monotonic(), cpu_s(server_pid)
        start.set()
        contexts = await asyncio.gather(*tasks)
        wall, server_cpu = time.monotonic() - t0, cpu_s(server_pid) - cpu0
        memory_busy = rss_mb(server_pid)
        for context in contexts:
            if context is not None:
                await context.close()
        await browser.close()
    await asyncio.sleep(5)  # let the server notice the closed pages
    return {"latencies": latencies, "stuck": stuck, "wall": wall, "server_cpu": server_cpu, "memory_before": memory_before, "memory_loaded": memory_loaded,
            "memory_busy": memory_busy, "memory_after": rss_mb(server_pid)}


# The day shown by the counters and by the town view's title (-1 where there is none).
DAYS_SHOWN = """
() => {
  const day = (text) => { const m = (text || '').match(/Tag (\\d+)/); return m ? Number(m[1]) : -1; };
  const t = document.querySelector('.q-town .gtitle');
  return [day(document.querySelector('.q-counters').innerText), day(t ? t.textContent : '')];
}
"""


async def play_rate(url: str, seconds: float) -> dict:
    """One page plays for ``seconds``: simulated days per second as the page shows them, and
    how far the town view's title lagged behind the counters at the end (every view updates)."""
    from playwright.async_api import async_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = await (await browser.new_context(viewport={"width": 1280, "height": 720})).new_page()
        await page.goto(url, timeout=LOAD_TIMEOUT_S * 1000)
        await page.wait_for_function("document.querySelector('.q-counters')?.innerText.includes('Tag 0')",
                                     timeout=LOAD_TIMEOUT_S * 1000)
        await page.wait_for_selector(".q-town .gtitle", timeout=LOAD_TIMEOUT_S * 1000)
        await page.click(".q-play")
        await page.wait_for_function("document.querySelector('.q-counters').innerText.includes('Tag 2 ')", timeout=60_000)
        start_day, t0 = (await page.evaluate(DAYS_SHOWN))[0], time.monotonic()
        await asyncio.sleep(seconds)
        counter_day, title_day = await page.evaluate(DAYS_SHOWN)
        elapsed = time.monotonic() - t0
        await page.click(".q-play")
        await browser.close()
    return {"days_per_s": (counter_day - start_day) / elapsed, "days": counter_day - start_day, "seconds": elapsed,
            "title_lag": counter_day - title_day}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 15], help="session counts to measure (default 1 15)")
    parser.add_argument("--steps", type=int, default=10, help="steps per session (default 10; 20 for one session)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a step counts as stuck")
    parser.add_argument("--budget", type=float, default=600.0, help="seconds for the whole benchmark")
    parser.add_argument("--play", type=float, default=15.0, help="seconds of play mode on one page (default 15; 0: skip)")
    parser.add_argument("--url", help="measure a dashboard that is already running instead of starting one")
    args = parser.parse_args()
    if (any(not 1 <= n <= MAX_SESSIONS for n in args.sessions) or not 1 <= args.steps <= MAX_STEPS
            or not 0 <= args.play <= MAX_PLAY_S):
        print(f"bench_dashboard: --sessions must lie in 1..{MAX_SESSIONS}, --steps in 1..{MAX_STEPS} "
              f"and --play in 0..{MAX_PLAY_S:.0f}", file=sys.stderr)
        return 2
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        print("bench_dashboard: no chromium found (apt-get install chromium)", file=sys.stderr)
        return 2
    server = None
    if args.url:
        url, pid = args.url, os.getpid()
    else:
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "simulation", "dashboard", "--port", str(port), "--lang", "de"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        url, pid = f"http://127.0.0.1:{port}/", server.pid
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
    try:
        print(f"dashboard {url}  (server memory at start {rss_mb(pid):.0f} MB; load average {os.getloadavg()[0]:.1f})")
        if args.play > 0:
            try:
                play = asyncio.run(asyncio.wait_for(play_rate(url, args.play), timeout=args.play + LOAD_TIMEOUT_S))
                print(f" 1 session playing: {play['days_per_s']:.1f} days/s ({play['days']} days in {play['seconds']:.1f} s); "
                      f"town view {play['title_lag']} day(s) behind the counters at the end")
            except (asyncio.TimeoutError, Exception) as exc:  # a failed play measurement must not hide the steps'
                print(f" 1 session playing: failed ({type(exc).__name__}: {str(exc)[:120]})")
        for n in args.sessions:
            steps = args.steps if n > 1 or args.steps != 10 else 20
            try:
                result = asyncio.run(asyncio.wait_for(run(url, n, steps, args.timeout, pid), timeout=args.budget))
            except asyncio.TimeoutError:
                print(f"{n:2d} sessions: cut off after the budget of {args.budget:.0f} s")
                continue
            lat = result["latencies"]
            if lat:
                print(f"{n:2d} sessions x {steps} steps: median {statistics.median(lat):.0f} ms, "
                      f"p95 {percentile(lat, 0.95):.0f} ms, max {max(lat):.0f} ms over {len(lat)} steps "
                      f"in {result['wall']:.1f} s (server CPU {1000 * result['server_cpu'] / len(lat):.0f} ms a step); "
                      f"stuck: {len(result['stuck'])}"
                      + (f" {result['stuck'][:5]}" if result["stuck"] else ""))
            else:
                print(f"{n:2d} sessions: no step completed; stuck: {result['stuck'][:5]}")
            print(f"    server memory: {result['memory_loaded']:.0f} MB with pages loaded, "
                  f"{result['memory_busy']:.0f} MB after stepping, {result['memory_after']:.0f} MB 5 s after they closed; "
                  f"{(result['memory_busy'] - result['memory_before']) / n:.1f} MB per session; "
                  f"load average {os.getloadavg()[0]:.1f}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
