"""A wheel install, not a checkout: the shipped templates come with the wheel and `timeline build` works.

The wheel is built from a copy of the project's sources (so the build leaves no build/ in the
checkout), installed with --no-deps into a fresh venv, and that venv reads the runtime
dependencies from the project's .venv through a .pth file, so nothing but the build's own
setuptools is fetched from PyPI (pip builds the wheel in an isolated environment: the .venv's
setuptools may be older than the one pyproject.toml asks for).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run(*cmd: object, cwd: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def test_wheel_install_builds_the_site(tmp_path: Path) -> None:
    # 1. a wheel, from a copy of what the build reads
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    for name in ("timeline", "templates"):
        shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp_path / "dist", src)
    [wheel] = (tmp_path / "dist").glob("timeline-*.whl")

    # 2. a fresh venv holding only the wheel, then the .venv's packages for the dependencies
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
        "--no-index", wheel)
    site_packages = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").strip())
    # a path line only: the .venv's own .pth files (the editable install's finder) stay unread
    (site_packages / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")

    # timeline is the wheel's copy, and so are its templates: every file of templates/
    # (run from tmp_path: `python -c` puts the working folder first on sys.path)
    where = run(python, "-c", "import timeline, timeline.templating as t; "
                "print(timeline.__file__); print(t.BUILTIN_TEMPLATES)", cwd=tmp_path).split()
    assert Path(where[0]).is_relative_to(venv), where
    installed = Path(where[1])
    assert installed == venv / "share" / "timeline" / "templates"
    assert files_under(installed) == files_under(REPO / "templates")

    # 3. the shipped events.db, built into a site from a folder outside the repository
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy2(REPO / "events.db", work / "events.db")
    timeline = venv / "bin" / "timeline"
    run(timeline, "--db", "events.db", "init", cwd=work)
    run(timeline, "--db", "events.db", "build", "-o", "site", cwd=work)
    site = work / "site"
    assert (site / "index.html").is_file()
    assert (site / "static" / "style.css").read_bytes() == (REPO / "templates/static/style.css").read_bytes()
    assert list(site.glob("events/*/index.html")), "no event page"
