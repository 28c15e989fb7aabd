"""timeline serve: a real server process, a real database edited beside it."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = Path(__file__).parent / "fixtures" / "sample.yaml"


def timeline(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "timeline", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def _ctrl_c_on() -> None:
    """In the server: SIGINT as a terminal gives it (a suite started in the background
    inherits it ignored, and Python then leaves it ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_serve_rebuilds_when_the_database_changes(tmp_path: Path) -> None:
    assert timeline("--db", "events.db", "import", str(SAMPLE), cwd=tmp_path).returncode == 0
    server = subprocess.Popen(
        [sys.executable, "-m", "timeline", "--db", "events.db", "serve", "--port", "0",
         "--base-url", "/kling/"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, preexec_fn=_ctrl_c_on)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            lines.append(server.stdout.readline())
            found = re.search(r"at (http://127\.0\.0\.1:\d+/kling/)", lines[-1])
            if found:
                break
        else:
            raise AssertionError("no 'Serving' line: " + "".join(lines))
        base = found.group(1)
        assert lines[0].startswith("Built ")  # it built before serving
        status, page = fetch(base + "events/kling-2-0-release/")
        assert status == 200 and "Renamed by the test" not in page
        assert fetch(base + "no/such/page/")[0] == 404

        edit = timeline("--db", "events.db", "edit", "kling-2-0-release", "--title",
                        "Renamed by the test", cwd=tmp_path)
        assert edit.returncode == 0, edit.stderr
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "Renamed by the test" in fetch(base + "events/kling-2-0-release/")[1]:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the served page never showed the new title")
        assert "Renamed by the test" in fetch(base)[1]  # the index shows it too
    finally:
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=30)
    assert server.returncode == 0
    rebuilt = [line for line in out.splitlines() if line.startswith("Built ")]
    assert rebuilt and " 0 written" not in rebuilt[0] and "written" in rebuilt[0]
    # one commit, one rebuild: the editor opening the file or writing its log back into
    # it on closing is no reason to rebuild
    assert len(rebuilt) == 1, rebuilt
    assert out.rstrip().endswith("Stopped.")


def test_sigterm_stops_serve_as_ctrl_c_does(tmp_path: Path) -> None:
    """`kill` (SIGTERM) stops the server cleanly: its line, exit 0, and its database
    connection closed, so no -wal file is left beside events.db."""
    assert timeline("--db", "events.db", "import", str(SAMPLE), cwd=tmp_path).returncode == 0
    server = subprocess.Popen([sys.executable, "-m", "timeline", "--db", "events.db", "serve", "--port", "0"],
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # a server that stops writing is killed after 60 s: a read then ends and the test fails
    watchdog = threading.Timer(60, server.kill)
    watchdog.start()
    try:
        while not (line := server.stdout.readline()).startswith("Serving") and line:
            pass
        assert line.startswith("Serving")
        edit = timeline("--db", "events.db", "edit", "kling-2-0-release", "--title", "Renamed", cwd=tmp_path)
        assert edit.returncode == 0, edit.stderr
        assert server.stdout.readline().startswith("Built ")  # the watcher saw the commit
        assert (tmp_path / "events.db-wal").exists()  # and its connection keeps the log open
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=30)
    finally:
        watchdog.cancel()
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0 and out.rstrip().endswith("Stopped."), out
    assert not (tmp_path / "events.db-wal").exists()


def test_serve_refuses_a_missing_database(tmp_path: Path) -> None:
    """A mistyped --db is an error, not an empty site served (and built over ./site)."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("the previous build")
    result = timeline("--db", "evnets.db", "serve", "--port", "0", cwd=tmp_path)  # times out if it serves
    assert result.returncode == 1
    assert result.stderr == ("Error: no database at evnets.db: check the path given to --db or "
                             "$TIMELINE_DB, or create it with 'timeline init'\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert (tmp_path / "site" / "index.html").read_text() == "the previous build"


def test_serve_refuses_a_port_that_does_not_exist(tmp_path: Path) -> None:
    assert timeline("--db", str(tmp_path / "e.db"), "import", str(SAMPLE), cwd=tmp_path).returncode == 0
    for port in ("80000", "-1"):
        result = timeline("--db", str(tmp_path / "e.db"), "serve", "--port", port, "-o",
                          str(tmp_path / "site"), cwd=tmp_path)
        assert result.returncode == 2 and "--port" in result.stderr
        assert "Traceback" not in result.stderr and not (tmp_path / "site").exists()


def test_serve_says_a_taken_port_is_taken_before_building(tmp_path: Path) -> None:
    import socket
    assert timeline("--db", str(tmp_path / "e.db"), "import", str(SAMPLE), cwd=tmp_path).returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = timeline("--db", str(tmp_path / "e.db"), "serve", "--port", str(port), "-o",
                          str(tmp_path / "site"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == f"Error: cannot serve on 127.0.0.1:{port}: another program is using it; give another --port\n"
    assert not (tmp_path / "site").exists()  # nothing built for a server that cannot start

