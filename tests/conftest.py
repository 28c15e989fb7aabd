"""Shared fixtures: a database per test (SQLite file, and PostgreSQL when available),
the CLI runner, and a real PostgreSQL server started for the session.
"""

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from timeline.cli import app

PG_BIN = Path(os.environ.get("TIMELINE_PG_BIN", "/usr/lib/postgresql/15/bin"))
REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres_user(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


class PostgresServer:
    """A throwaway PostgreSQL cluster in a temporary folder, on 127.0.0.1."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="timeline-pg-"))
        self.port = _free_port()
        self._names = itertools.count(1)

    def start(self) -> None:
        data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(_as_postgres_user([str(PG_BIN / "initdb"), "-D", str(data), "-U",
                                          "postgres", "--auth=trust", "-E", "UTF8",
                                          "--locale=C.UTF-8"]),
                       check=True, capture_output=True)
        subprocess.run(_as_postgres_user([
            str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-w", "-o",
            f"-h 127.0.0.1 -p {self.port} -k {self.dir} -F -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off", "start"]),
            check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run(_as_postgres_user([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"),
                                          "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, name: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def new_database(self) -> str:
        import psycopg
        name = f"t{next(self._names)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


def _postgres_missing() -> str | None:
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL binaries not found in {PG_BIN} (set TIMELINE_PG_BIN)"
    if os.geteuid() == 0 and subprocess.run(["id", "postgres"], capture_output=True).returncode:
        return "running as root and there is no 'postgres' user to run the server as"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def postgres():
    why = _postgres_missing()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required on CI: {why}")
        pytest.skip(f"PostgreSQL tests skipped: {why}")
    server = PostgresServer()
    try:
        server.start()
    except subprocess.CalledProcessError as e:
        server.stop()
        pytest.fail(f"could not start PostgreSQL: {e.stderr.decode(errors='replace')[-500:]}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "events.db")
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def sqlite_db(tmp_path) -> str:
    return str(tmp_path / "events.db")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _cli_for(runner: CliRunner, db: str):
    """Run `timeline --db DB ARGS...`; returns the Result."""
    def run(*args, input=None):
        return runner.invoke(app, ["--db", db, *map(str, args)], input=input)
    run.db = db
    return run


@pytest.fixture
def cli(runner, db_url):
    """The CLI on this test's database (SQLite, then PostgreSQL)."""
    return _cli_for(runner, db_url)


@pytest.fixture
def cli_sqlite(runner, sqlite_db):
    """The CLI on this test's SQLite file only."""
    return _cli_for(runner, sqlite_db)


def wait_until(predicate, timeout: float = 10.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False
