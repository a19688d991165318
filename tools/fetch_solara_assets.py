"""Fill Solara's asset cache so the dashboard works with no internet.

Solara's server fetches its front-end files from a CDN at run time and keeps them in its
proxy cache folder (``SOLARA_ASSETS_PROXY_CACHE_DIR``), laid out as
``<package>@<version>/<path inside the package>``. This script finds every package and
version the installed Solara asks for, by reading Solara's own files (its page template, its
settings and its Vue widgets), downloads each package from the npm registry with the ordinary
client (``npm pack``) and unpacks it into that layout.

It also copies plotly's widget bundle (plotly.js and its widget code, shipped inside the
``plotly`` package) into the cache, where the dashboard's figures load it from; the dashboard
does the same at start, so this step needs no network.

Usage: python tools/fetch_solara_assets.py [CACHE_DIR]   (default: Solara's own default)
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# "{{cdn}}/@scope/name@1.2.3/...", "${this.getCdn()}/name@1.2.3/...", '"/font-awesome@4.5.0/...'
# (the page template, Solara's settings, and Vue widgets such as Markdown's mermaid and katex)
PATTERN = re.compile(r"""(?:\{\{\s*cdn\s*\}\}|getCdn\(\)\}|fontawesome_path:\s*str\s*=\s*")/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+[\w.+-]*)/""")


def wanted_packages() -> set[tuple[str, str]]:
    import solara

    root = Path(solara.__file__).parent
    files = [p for pattern in ("*.py", "*.vue", "*.j2") for p in root.rglob(pattern)]
    found = set()
    for path in files:
        found.update(PATTERN.findall(path.read_text(encoding="utf-8", errors="replace")))
    return found


def default_cache_dir() -> Path:
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def fetch(name: str, version: str, cache: Path) -> Path:
    target = cache / f"{name}@{version}"
    if (target / "package.json").exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("fetch_solara_assets: npm is not installed (apt-get install npm)")
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([npm, "pack", f"{name}@{version}", "--silent", "--pack-destination", tmp],
                             capture_output=True, text=True, cwd=tmp)
        if out.returncode != 0:
            sys.exit(f"fetch_solara_assets: npm pack {name}@{version} failed:\n{out.stderr}")
        tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
        staging = Path(tmp) / "unpacked"
        with tarfile.open(tarball) as tar:
            tar.extractall(staging, filter="data")
        inner = next(staging.iterdir())  # npm tarballs hold one folder, usually "package"
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(inner), target)
    return target


def main() -> None:
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    packages = sorted(wanted_packages())
    if not packages:
        sys.exit("fetch_solara_assets: found no package references in Solara's files; has Solara changed?")
    for name, version in packages:
        path = fetch(name, version, cache)
        print(f"{name}@{version} -> {path}")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from simulation.dashboard.figures import install_plotly_bundle

    print(f"plotly widget bundle -> {install_plotly_bundle(cache)}")


if __name__ == "__main__":
    main()
