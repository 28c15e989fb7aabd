"""Serve a built site on 127.0.0.1, and rebuild it when the database changes.

`make_server(site_dir, port, base_path)` serves the folder under the base URL's path
(so a site built for https://host/kling/ is browsed at http://127.0.0.1:P/kling/), with
404.html for missing pages. `serve(...)` runs it, and a watcher thread that calls
`rebuild()` whenever `fingerprint()` returns something new: the CLI passes, for a
SQLite file, its commits as the file reports them (chronology.SqliteChanges: the
watcher's one connection), or, for a server database, the clock rounded to a few seconds, so it simply
rebuilds periodically (an unchanged database rebuilds nothing, see timeline/output.py).
"""

from __future__ import annotations

import errno
import functools
import os
import posixpath
import signal
import sys
import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

__all__ = ["make_server", "serve", "database_fingerprint"]


class SiteHandler(SimpleHTTPRequestHandler):
    base_path = "/"

    def __init__(self, *args, base_path: str = "/", **kwargs):
        self.base_path = base_path
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        parts = urlsplit(path)
        clean = posixpath.normpath(unquote(parts.path))
        if parts.path.endswith("/") and not clean.endswith("/"):
            clean += "/"
        base = self.base_path
        if clean + "/" == base:
            clean = base
        if not clean.startswith(base):
            return os.path.join(self.directory, "\0missing")
        rel = clean[len(base):]
        if any(part.startswith(".") for part in rel.split("/")):
            # the build's own files (.timeline-manifest.json), which publishing leaves out too
            return os.path.join(self.directory, "\0missing")
        return super().translate_path("/" + rel)

    def send_head(self):
        if self.base_path != "/" and urlsplit(self.path).path in ("", "/"):
            self.send_response(HTTPStatus.FOUND)  # the server's root: the site is under its path
            self.send_header("Location", self.base_path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        path = self.translate_path(self.path)
        if os.path.isdir(path) and not os.path.exists(os.path.join(path, "index.html")) \
                or not os.path.exists(path):
            return self._not_found()
        return super().send_head()

    def _not_found(self):
        page = os.path.join(self.directory, "404.html")
        body = Path(page).read_bytes() if os.path.exists(page) else b"Not found\n"
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    def guess_type(self, path):
        if str(path).endswith(".ics"):
            return "text/calendar"
        if str(path).endswith("feed.json"):
            return "application/feed+json"
        return super().guess_type(path)

    def log_message(self, format, *args):  # quiet: one line per rebuild is enough
        pass


def make_server(site_dir: Path, port: int = 8000, base_path: str = "/",
                host: str = "127.0.0.1") -> ThreadingHTTPServer:
    base = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
    handler = functools.partial(SiteHandler, directory=os.path.abspath(site_dir), base_path=base)
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as e:  # the port is taken, or not ours to use: say so, not "could not write"
        from timeline.errors import TimelineError
        why = "another program is using it; give another --port" if e.errno == errno.EADDRINUSE \
            else (e.strerror or str(e))
        raise TimelineError(f"cannot serve on {host}:{port}: {why}") from None
    server.daemon_threads = True
    return server


def database_fingerprint(url: str) -> Callable[[], object]:
    """What to poll for changes: a SQLite file's commits (chronology.SqliteChanges), else a
    10-second tick (a server database cannot be watched from here, so it is rebuilt that
    often)."""
    from timeline.chronology import SqliteChanges
    from timeline.config import database_path
    path = database_path(url)
    if path is not None:
        return SqliteChanges(path)
    import time
    return lambda: int(time.time() // 10)


def watch(fingerprint: Callable[[], object], rebuild: Callable[[], object],
          stop: threading.Event, interval: float = 1.0, log=print) -> None:
    """Call rebuild() whenever fingerprint() changes, until stop is set; then close the
    fingerprint if it has a close()."""
    try:
        last = fingerprint()
        while not stop.wait(interval):
            now = fingerprint()
            if now == last:
                continue
            last = now
            try:
                report = rebuild()
                log(report.summary() if hasattr(report, "summary") else "Rebuilt")
            except Exception as e:  # keep serving the last good site
                log(f"Error: rebuild failed: {e}")
    finally:
        if callable(getattr(fingerprint, "close", None)):
            fingerprint.close()


def _interrupt(signum, frame) -> None:
    """SIGTERM stops the server as Ctrl-C does: the watcher closes its database connection
    (SQLite then writes its log back into the file, leaving no -wal beside it)."""
    raise KeyboardInterrupt


def serve(site_dir: Path, *, port: int = 8000, base_path: str = "/",
          rebuild: Callable[[], object] | None = None,
          fingerprint: Callable[[], object] | None = None, interval: float = 1.0,
          log=print, server: ThreadingHTTPServer | None = None) -> None:
    """Serve until interrupted (Ctrl-C, or SIGTERM as `kill` and service managers send);
    `server`: one make_server already made (the CLI takes the port before building)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    server = server or make_server(site_dir, port, base_path)
    host, real_port = server.server_address[:2]
    base = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
    log(f"Serving {site_dir} at http://{host}:{real_port}{base} (Ctrl-C to stop)")
    stop = threading.Event()
    watcher = None
    if rebuild is not None and fingerprint is not None:
        watcher = threading.Thread(target=watch, args=(fingerprint, rebuild, stop, interval, log),
                                   daemon=True)
        watcher.start()
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        log("Stopped.")
    finally:
        stop.set()
        server.server_close()
        if watcher is not None:  # let it close its connection (a rebuild under way may not end)
            watcher.join(timeout=5)
        sys.stdout.flush()
