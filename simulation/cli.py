"""The ``quartier`` command (also ``python -m simulation``).

Bad input ends with exit code 2 and a short message naming the problem, never a
traceback; an interrupted run (Ctrl-C: exit 130, SIGTERM: exit 143) leaves no output
folder behind, and an interrupted sweep leaves a folder that ``--resume`` completes.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

from .reports.i18n import DEFAULT_LANGUAGE, LANGUAGES, localized
from .inputs import InputError
from .library import is_shipped, resolve_experiment, resolve_scenario, scenario_files, scenario_folders
from .outputs import OutputError, atomic_output_dir
from .resources import ResourceError, check_scenario, format_bytes
from .scenario import ScenarioError, apply_overrides, load_scenario, scenario_warnings

__all__ = ["main"]

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, what a shell reports for a terminated process
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as `ls | head` reports
EXIT_INTERNAL = 1


class _UserError(Exception):
    pass


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is so that it cleans up exactly like Ctrl-C."""


_signalled: list[int] = []  # set by the handler: a worker dying of the same signal can surface first


def _from_runs(name: str):
    """``simulation.runs.<name>`` if a command has imported that module, else None. It
    brings the model, Mesa and pandas, so this module imports it only in the commands that
    need it; a signal may even arrive while it is half imported."""
    return getattr(sys.modules.get(f"{__package__}.runs"), name, None)


def _on_sigterm(signum, frame):
    _signalled.append(signum)
    if (stop := _from_runs("stop_requested")) is not None:  # nothing runs before it exists
        stop.set()  # in case the exception below is swallowed by a C callback
    raise _Terminated


def _unraisable(default, unraisable) -> None:
    """``sys.unraisablehook`` while a command runs: a SIGTERM that arrived inside a C
    callback (numba's, while it loads a kernel) cannot unwind the program from there, and
    Python would print the swallowed exception with a traceback. Its stop flag is set
    already, so the run stops at its next day and says "terminated" like any other
    SIGTERM; nothing is printed here. Everything else goes to ``default``."""
    if isinstance(unraisable.exc_value, _Terminated):
        return
    default(unraisable)


def scenario_folder() -> Path:
    """The folder the dashboard lists: the user's first folder ($QUARTIER_SCENARIOS) if set,
    else the shipped library (see :mod:`simulation.library`). A bad $QUARTIER_SCENARIOS is
    reported and the library used, so a workshop does not stop over it."""
    try:
        return scenario_folders()[0]
    except ScenarioError as exc:
        from .library import library_folder

        print(f"quartier: warning: {exc}; using the shipped scenarios", file=sys.stderr)
        return library_folder("scenarios")


def _load(name_or_path: str, args: argparse.Namespace):
    """Resolve a scenario (file or library name), load it, check its memory, print warnings."""
    path = resolve_scenario(name_or_path, getattr(args, "scenarios", None))
    scenario = load_scenario(path)
    if getattr(args, "days", None) is not None:
        scenario = apply_overrides(scenario, {"days": args.days})
    check_scenario(scenario, getattr(args, "max_memory", None), str(path))
    for text in scenario_warnings(scenario):
        print(f"quartier: warning: {path}: {text}", file=sys.stderr)
    return path, scenario


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; allowed: 1 or more")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; allowed: 1 to 65535")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; allowed: 0 to 2^63-1")
    return value


def _cmd_run(args: argparse.Namespace) -> int:
    from .runs import run_scenario, write_run

    path, scenario = _load(args.scenario, args)
    out = Path(args.out) if args.out else Path("runs") / path.stem
    with atomic_output_dir(out, overwrite=args.overwrite, kind="run") as work:
        model, seconds = run_scenario(scenario, seed=args.seed, progress=sys.stderr.isatty())
        write_run(model, work, seconds, source=str(path))
        from .plots import write_summary_figure

        write_summary_figure(model.model_frame(), model.config, work / "summary.png", args.lang)
    frame = model.model_frame()
    last = frame.iloc[-1]
    title = localized(scenario.meta, "title", args.lang)
    print(f"{title}: {model.state.n} residents, {model.steps} days, seed {model.seed_value}")
    print(
        f"  incidents {int(frame['incidents'].sum())} ({frame['incidents'].sum() / max(model.steps / 7, 1):.1f} a week), "
        f"reported {int(frame['reported'].sum())}, cases handled {int(frame['cases_handled'].sum())}, "
        f"backlog at the end {int(last['backlog'])}"
    )
    print(
        f"  feuds per 1,000 residents: mean {frame['feuds_per_1000'].mean():.1f}, peak {frame['feuds_per_1000'].max():.1f} "
        f"on day {int(frame['day'][frame['feuds_per_1000'].idxmax()])}; "
        f"polarization at the end {last['esteban_ray']:.3f}, mean trust {last['trust_mean']:.3f}"
    )
    print(f"  {seconds:.2f} s; results in {out}/ (model.parquet, agents.parquet, run.json, summary.png)")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from .scenario import setting

    path, scenario = _load(args.scenario, args)
    if args.structures is None:  # a file with [[variants]] compares its paths
        args.structures = ",".join(v.name for v in scenario.variants) or "none,reactive,koko"
    structures = [s.strip() for s in args.structures.split(",") if s.strip()]
    if not structures or len(set(structures)) != len(structures):
        raise _UserError(f"--structures {args.structures!r}: give distinct settings, e.g. none,reactive,koko")
    for name in structures:
        setting(scenario, name)  # validates every setting and path before anything runs
    from .experiments.pool import default_workers, start_fork_server
    from .resources import check_sweep

    runs = len(structures) * args.replications
    workers = min(args.workers or default_workers(), runs)
    check_sweep(runs, check_scenario(scenario, args.max_memory, str(path)), workers,
                args.max_memory, max_runs=runs, source=str(path))  # compare has no run-count limit of its own
    out = Path(args.out) if args.out else Path("reports") / path.stem
    with atomic_output_dir(out, overwrite=args.overwrite, kind="compare") as work:
        if workers > 1:
            # The input and --out are good: the pool's fork server imports the model and loads
            # the kernels on the other core while this process imports what the report needs
            # (never the model: the runs happen in the pool).
            start_fork_server()
        import matplotlib.pyplot  # noqa: F401 - needed by the report; imported while the fork server starts
        from .reports.compare import run_comparison, summary_table, write_report

        comparison = run_comparison(scenario, structures, args.replications, workers=args.workers)
        if args.lang == "both":  # one report per language, from the same runs
            for lang in LANGUAGES:
                (work / lang).mkdir()
                write_report(comparison, work / lang, lang, source=str(path))
        else:
            write_report(comparison, work, args.lang, source=str(path))
    table = summary_table(comparison)
    burden = table[table["figure"] == "excess_burden"].set_index("structure")
    lang = DEFAULT_LANGUAGE if args.lang == "both" else args.lang
    print(f"{localized(scenario.meta, 'title', lang)}: {len(structures)} settings x {args.replications} runs")
    for name in structures:
        row = burden.loc[name]
        if math.isnan(row["mean"]):
            print(f"  {name:24s} excess feud-days n/a (no shock inside the {scenario.days} simulated days)")
        else:
            print(f"  {name:24s} excess feud-days per 1,000 residents {row['mean']:,.0f} [{row['ci_low']:,.0f}; {row['ci_high']:,.0f}]")
    for report in ([out / lang / "report.html" for lang in LANGUAGES] if args.lang == "both" else [out / "report.html"]):
        print(f"  report: {report}")
    return 0


@contextmanager
def _executor(args: argparse.Namespace):
    """None (local process pool), or a Dask executor for --scheduler / --dask-local."""
    if not (args.scheduler or args.dask_local):
        yield None
        return
    from distributed import Client, LocalCluster

    if args.scheduler:
        try:
            client = Client(args.scheduler, timeout=20)
        except (OSError, TimeoutError) as exc:
            raise _UserError(f"--scheduler {args.scheduler}: cannot reach the Dask scheduler ({exc})") from None
        cluster = None
    else:
        cluster = LocalCluster(n_workers=args.dask_local, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .experiments.design import experiment_warnings, load_experiment
    from .experiments.sweep import run_sweep

    path = resolve_experiment(args.experiment)
    # A shipped experiment's output goes below the current folder, never into the installation.
    output_dir = Path(args.out) if args.out else Path("results") / path.stem if is_shipped(path) else None
    exp, scenario, *_ = load_experiment(path, output_dir)
    for text in [*experiment_warnings(exp), *scenario_warnings(scenario)]:
        print(f"quartier: warning: {path}: {text}", file=sys.stderr)
    with _executor(args) as executor:
        report = run_sweep(path, workers=args.workers, resume=args.resume, executor=executor,
                           max_memory=args.max_memory, yes=args.yes, max_runs=args.max_runs,
                           output_dir=output_dir)
    if report["redone"]:
        listed = "; ".join(f"run {k}: {why}" for k, why in list(report["redone"].items())[:5])
        more = f"; and {len(report['redone']) - 5} more" if len(report["redone"]) > 5 else ""
        print(f"sweep: ran again {len(report['redone'])} finished runs whose files were missing or corrupt ({listed}{more})")
    share = 1.0 - report["run_seconds"] / max(report["wall_seconds"] * (args.workers or 1), 1e-9)
    print(
        f"sweep: {report['done']} of {report['runs']} runs done, {report['failed']} failed "
        f"({report['ran_now']} run now in {report['wall_seconds']:.1f} s)"
    )
    if report["failed"]:
        print(f"  failed runs and their errors: {report['out'] / 'manifest.sqlite'} (status = 'failed')")
    print(f"  results: {report['out']}  (daily/, summary.parquet; quartier analyze {report['out']})")
    return 0 if not report["failed"] else 1


def _cmd_analyze(args: argparse.Namespace) -> int:
    from .experiments.analysis import AnalysisError, analyze
    from .experiments.sweep import check_folder

    results = Path(args.results)
    missing = [name for name in ("experiment.toml", "design.parquet", "summary.parquet") if not (results / name).exists()]
    if missing:
        raise _UserError(
            f"{results}: not a finished sweep's output folder (missing {', '.join(missing)}); "
            "run `quartier sweep EXPERIMENT` first, or `--resume` an interrupted one"
        )
    state = check_folder(results)
    if state["running"]:
        raise _UserError(f"{results}: a sweep is running in this folder; analyze it when it has finished")
    if state["bad"] or not state["summary_ok"]:
        raise _UserError(f"{results}: {_check_problems(state)}; run `quartier sweep EXPERIMENT --resume` to repair it")
    out = Path(args.out) if args.out else results / "analysis"
    with atomic_output_dir(out, overwrite=True, kind="analyze") as work:
        try:
            text = analyze(Path(args.results), work, lang=args.lang)
        except AnalysisError as exc:
            raise _UserError(str(exc)) from None
    print(text)
    print(f"  report: {out / 'analysis.html'}")
    return 0


def dashboard_environment(lang: str) -> dict[str, str]:
    """Environment for the Solara server: language, the local asset cache (filled by
    ``make setup`` through tools/fetch_solara_assets.py), no telemetry, no CDN."""
    import os

    env = dict(os.environ)
    env["QUARTIER_LANG"] = lang
    env.setdefault("SOLARA_ASSETS_PROXY_CACHE_DIR", str(Path(sys.prefix) / "share" / "solara" / "cdn"))
    env["SOLARA_ASSETS_PROXY"] = "True"
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    return env


def _cmd_dashboard(args: argparse.Namespace) -> int:
    import subprocess

    env = dashboard_environment(args.lang)
    cache = Path(env["SOLARA_ASSETS_PROXY_CACHE_DIR"])
    if not any(cache.glob("@widgetti/solara-vuetify-app@*")):
        print(
            f"quartier: warning: no offline assets in {cache}; the page needs internet unless you run "
            "`python tools/fetch_solara_assets.py` (make setup does)",
            file=sys.stderr,
        )
    # The host is passed explicitly: Solara would otherwise read it from the environment.
    command = [sys.executable, "-m", "solara", "run", "simulation.dashboard.app", "--host", args.host,
               "--port", str(args.port), "--production", "--no-open", "--log-level", "warning"]
    print(f"Quartier dashboard on http://{args.host}:{args.port} (Ctrl-C to stop)")
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0


def _check_problems(state: dict) -> str:
    problems = []
    if state["bad"]:
        first = "; ".join(f"run {k}: {why}" for k, why in list(state["bad"].items())[:3])
        problems.append(f"{len(state['bad'])} finished runs have missing or corrupt files ({first})")
    if not state["summary_ok"]:
        problems.append("summary.parquet does not match the manifest")
    return "; ".join(problems)


def _cmd_check(args: argparse.Namespace) -> int:
    from .experiments.sweep import check_folder

    state = check_folder(Path(args.folder))
    running = " (a sweep is running there now)" if state["running"] else ""
    print(f"{state['out']}: {state['done']} of {state['runs']} runs done, {state['failed']} failed, "
          f"{state['pending']} pending{running}")
    if state["stray"]:
        print(f"  files in daily/ that belong to no finished run: {', '.join(state['stray'][:5])}"
              f"{' ...' if len(state['stray']) > 5 else ''} (--resume replaces or removes run files)")
    if state["bad"] or not state["summary_ok"]:
        print(f"  {_check_problems(state)}; `quartier sweep EXPERIMENT --resume` runs them again")
        return 1
    print("  every finished run's file matches its checksum")
    return 0


def _cmd_scenarios(args: argparse.Namespace) -> int:
    if args.folder:
        folder = Path(args.folder)
        if not folder.is_dir():
            raise _UserError(f"{folder}: not a folder; allowed: a folder of scenario files (*.toml)")
        files = sorted(folder.glob("*.toml"))
    else:
        files = scenario_files(args.scenarios)
    if not files:
        raise _UserError(f"no scenario files (*.toml) in {args.folder or ', '.join(map(str, scenario_folders(args.scenarios)))}")
    lang = args.lang
    for path in files:
        try:
            sc = load_scenario(path)
        except ScenarioError as exc:
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            problem = lines[1] if len(lines) > 1 else lines[0].removeprefix(f"{path}: ").removeprefix(f"{path.resolve()}: ")
            more = f" (and {len(lines) - 2} more)" if len(lines) > 2 else ""
            print(f"{path.name:28s} INVALID: {problem[:200]}{more}")
            continue
        title = localized(sc.meta, "title", lang)
        text = localized(sc.meta, "description", lang)
        print(f"{path.name:28s} {title}" + (" (research, not for workshops)" if sc.meta.audience == "research" else ""))
        if text and args.long:
            print(f"{'':28s} {text}")
    return 0


def _is_experiment(name: str) -> bool:
    """True for a readable TOML file with a 'design' key (an experiment, not a scenario)."""
    import tomllib

    from .inputs import read_text

    try:
        return "design" in tomllib.loads(read_text(name))
    except (InputError, tomllib.TOMLDecodeError, RecursionError):
        return False  # validating it as a scenario reports the problem


def _validate_experiment(name: str, args: argparse.Namespace) -> str:
    from .experiments.design import experiment_warnings, load_experiment, run_count
    from .experiments.pool import default_workers
    from .resources import check_sweep

    exp, scenario, *_ = load_experiment(name)
    for text in [*experiment_warnings(exp), *scenario_warnings(scenario)]:
        print(f"quartier: warning: {name}: {text}", file=sys.stderr)
    runs = run_count(exp)
    needed = check_sweep(runs, check_scenario(scenario, args.max_memory, name), default_workers(), args.max_memory,
                         max_runs=runs, source=name)
    return f"{name}: valid experiment ({runs:,} runs; about {format_bytes(needed)} of memory on {default_workers()} workers)"


def _cmd_validate(args: argparse.Namespace) -> int:
    """Every file is checked (schema, memory, warnings); exit 2 if any is not valid.
    Experiment files (with a 'design') are recognised and checked as experiments."""
    status = 0
    for name in args.files:
        try:
            if _is_experiment(name):
                print(_validate_experiment(name, args))
                continue
            path, scenario = _load(name, args)
            estimate = check_scenario(scenario, args.max_memory, str(path))
        except (ScenarioError, ResourceError, InputError) as exc:
            print(f"quartier: error: {exc}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        print(f"{path}: valid (needs about {format_bytes(estimate.bytes)} of memory)")
    return status


def _cmd_town(args: argparse.Namespace) -> int:
    """A town described in a CSV file becomes a scenario file (``simulation.townfile``)."""
    from .townfile import scenario_from_town_file, write_town_scenario

    _, base = _load(args.base, args)
    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise _UserError(f"--out {out}: the file exists; allowed: a new file, or add --overwrite")
    scenario = scenario_from_town_file(args.file, base)
    check_scenario(scenario, args.max_memory, str(args.file))
    write_town_scenario(scenario, out, str(args.file))
    print(f"{out}: {scenario.town.residents:,} residents in {len(scenario.town.districts)} districts, "
          f"{len(scenario.administration.units)} units, structures: "
          f"{', '.join(n for n in type(scenario.structures).model_fields if getattr(scenario.structures, n).enabled) or 'none'}")
    return 0


def _library_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenarios", action="append", metavar="DIR",
                        help="folder of your own scenarios, searched by name before the library "
                        "(repeatable; or set $QUARTIER_SCENARIOS)")
    parser.add_argument("--max-memory", metavar="SIZE", help="refuse a scenario needing more memory, e.g. 8G "
                        "(default: $QUARTIER_MAX_MEMORY or 80%% of this machine's memory)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quartier",
        description="Quartier: neighbourhood conflict dynamics and municipal conflict-management structures.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario and write its results")
    run.add_argument("scenario", help="scenario file (TOML) or a library name, e.g. new_shelter")
    run.add_argument("--seed", type=_seed, help="seed (default: the scenario's)")
    run.add_argument("--days", type=_positive_int, help="days to simulate (default: the scenario's)")
    run.add_argument("--out", help="output folder (default: runs/<scenario name>)")
    run.add_argument("--overwrite", action="store_true", help="replace a previous output of quartier in --out")
    _library_options(run)
    run.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE, help="language of summary.png")
    run.set_defaults(func=_cmd_run)

    cmp = sub.add_parser("compare", help="compare structure settings under a scenario; writes a report")
    cmp.add_argument("scenario", help="scenario file (TOML) or a library name, e.g. new_shelter")
    cmp.add_argument(
        "--structures",
        default=None,
        help="comma-separated settings: none, reactive, koko, custom (as in the file), e.g. none+mediator_pool, "
        "or the names of the file's [[variants]] (default: the file's variants if it has any, else none,reactive,koko)",
    )
    cmp.add_argument("--replications", type=_positive_int, default=20, help="runs per setting (default 20)")
    cmp.add_argument("--workers", type=_positive_int, help="parallel processes (default: all cores)")
    cmp.add_argument("--lang", choices=[*LANGUAGES, "both"], default=DEFAULT_LANGUAGE,
                     help="language of the report; 'both' writes en/ and de/ subfolders")
    cmp.add_argument("--out", help="output folder (default: reports/<scenario name>)")
    cmp.add_argument("--overwrite", action="store_true", help="replace a previous output of quartier in --out")
    _library_options(cmp)
    cmp.set_defaults(func=_cmd_compare)

    swp = sub.add_parser("sweep", help="run an experiment: many runs, resumable, local or on Dask")
    swp.add_argument("experiment", help="experiment file (TOML) or a shipped experiment's name, see experiments/")
    swp.add_argument("--workers", type=_positive_int, help="local worker processes (default: all cores)")
    swp.add_argument("--out", help="output folder (default: the experiment's 'output'; results/<name> for a shipped one)")
    swp.add_argument("--resume", action="store_true",
                     help="finish an interrupted sweep in its output folder (re-runs missing or corrupt run files)")
    swp.add_argument("--max-memory", metavar="SIZE", help="refuse if the sweep needs more, e.g. 8G "
                     "(default: $QUARTIER_MAX_MEMORY or 80%% of this machine's memory)")
    swp.add_argument("--max-runs", type=_positive_int, default=100_000, metavar="N",
                     help="more runs than this start only with --yes (default 100000)")
    swp.add_argument("--yes", action="store_true", help="start a sweep of more than --max-runs runs")
    where = swp.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask distributed cluster, e.g. tcp://host:8786")
    where.add_argument("--dask-local", type=_positive_int, metavar="N", help="run on a local Dask cluster of N processes")
    swp.set_defaults(func=_cmd_sweep)

    ana = sub.add_parser("analyze", help="sensitivity, effects and cost-effectiveness of a sweep; writes HTML")
    ana.add_argument("results", help="a sweep's output folder")
    ana.add_argument("--out", help="report folder (default: RESULTS/analysis)")
    ana.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE, help="language of the report")
    ana.set_defaults(func=_cmd_analyze)

    twn = sub.add_parser("town", help="make a scenario for your own town from a small CSV table")
    twn.add_argument("file", help="the town's CSV file (see docs/researchers_guide.md, 'Your own town')")
    twn.add_argument("--out", required=True, help="the scenario file to write, e.g. scenarios/my_town.toml")
    twn.add_argument("--base", default="baseline", help="scenario whose other settings it keeps (default: baseline)")
    twn.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    _library_options(twn)
    twn.set_defaults(func=_cmd_town)

    dash = sub.add_parser("dashboard", help="the workshop dashboard in the browser (works offline)")
    dash.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1: this computer only)")
    dash.add_argument("--port", type=_port, default=8765, help="port (default 8765)")
    dash.add_argument("--lang", choices=["de", "en"], default="de", help="language at start (switchable in the app)")
    dash.set_defaults(func=_cmd_dashboard)

    scen = sub.add_parser("scenarios", help="list the scenario library with titles")
    scen.add_argument("folder", nargs="?", help="folder of scenario files (default: the library and --scenarios)")
    scen.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE, help="language of titles")
    scen.add_argument("--long", action="store_true", help="also print descriptions")
    scen.add_argument("--scenarios", action="append", metavar="DIR",
                      help="also list this folder of your own scenarios (or set $QUARTIER_SCENARIOS)")
    scen.set_defaults(func=_cmd_scenarios)

    val = sub.add_parser("validate", help="check scenario or experiment files without running them (schema and memory)")
    val.add_argument("files", nargs="+", metavar="file", help="scenario files, library names or experiment files")
    _library_options(val)
    val.set_defaults(func=_cmd_validate)

    chk = sub.add_parser("check", help="verify a sweep's folder: every finished run's file against its checksum")
    chk.add_argument("folder", help="a sweep's output folder")
    chk.set_defaults(func=_cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    previous_hook, sys.unraisablehook = sys.unraisablehook, functools.partial(_unraisable, sys.unraisablehook)
    try:
        return args.func(args)
    except (ScenarioError, OutputError, InputError, ResourceError, _UserError) as exc:
        print(f"quartier: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        print("quartier: error: ran out of memory; use a smaller town (town.residents, town.network.mean_degree) or "
              "fewer --workers, or lower --max-memory so the estimate refuses it up front", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader stopped (e.g. `quartier scenarios | head`): end quietly as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        # The last net for what the checks above did not foresee in the user's file system.
        from .inputs import describe_os_error, shorten

        where = f"{shorten(exc.filename, 80, quote=False)}: " if exc.filename else ""
        print(f"quartier: error: {where}{describe_os_error(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a bug, not the user's input: one line here, the traceback in a file
        if _signalled:  # e.g. BrokenProcessPool: the workers got the SIGTERM before we did
            return _interrupted(args, terminated=True)
        if os.environ.get("QUARTIER_DEBUG"):
            raise
        import tempfile
        import traceback

        log = Path(tempfile.gettempdir()) / f"quartier-error-{os.getpid()}.log"
        log.write_text(traceback.format_exc(), encoding="utf-8")
        print(f"quartier: internal error: {type(exc).__name__}: {str(exc)[:200]} (a bug in Quartier, not in your "
              f"input: please report it with the traceback in {log}; QUARTIER_DEBUG=1 shows it here)", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt as exc:
        return _interrupted(args, terminated=isinstance(exc, _Terminated) or bool(_signalled))
    finally:
        signal.signal(signal.SIGTERM, previous)
        sys.unraisablehook = previous_hook
        _signalled.clear()
        if (stop := _from_runs("stop_requested")) is not None:
            stop.clear()


def _interrupted(args: argparse.Namespace, terminated: bool) -> int:
    what = "terminated" if terminated else "interrupted"
    if args.command == "sweep":
        print(f"quartier: {what}; finished runs are kept: continue with --resume", file=sys.stderr)
    else:
        print(f"quartier: {what}; no output written", file=sys.stderr)
    return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
