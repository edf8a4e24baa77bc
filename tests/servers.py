"""Real SPARQL servers for the tests: started on 127.0.0.1 on free ports, data in a temp folder.

Each helper is a context manager yielding the server's URLs and stopping the process on exit.
A server that cannot be found or started raises ServerUnavailable, and the tests fail with its
message: a missing server must never turn into a silently skipped test.
"""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psutil

VIRTUOSO_HOME = Path("/usr/share/virtuoso-opensource-7")
VIRTUOSO_VSP = Path("/var/lib/virtuoso-opensource-7/vsp")
VIRTUOSO_USER = "dba"
# The factory password of a fresh Virtuoso database; the server listens on loopback only.
VIRTUOSO_PASSWORD = "dba"


class ServerUnavailable(RuntimeError):
    """A server the tests need is not installed or did not come up."""


@dataclass(frozen=True)
class Server:
    name: str
    query: str
    update: str
    gsp: str
    user: str | None = None
    password: str | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url: str, process: subprocess.Popen, log: Path | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise ServerUnavailable(f"{url}: server exited with code {process.returncode}\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers: up
        except OSError:
            time.sleep(0.1)
    raise ServerUnavailable(f"{url}: no answer after {timeout:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def esskg_serve(folder: Path, *options: str) -> Iterator[tuple[str, psutil.Process]]:
    """`esskg serve` on a free port (the project from $ESSKG_ROOT): its URL and its process."""
    import psutil

    port = free_port()
    log = folder / "serve.log"
    with log.open("w") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "esskg", "serve", "--port", str(port), *options],
            stdout=stream,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_http(base + "/sparql", process, log, timeout=60)
        yield base, psutil.Process(process.pid)
    finally:
        _stop(process)
    text = log.read_text()
    assert "Traceback" not in text, text[-2000:]
    # Stopped by SIGTERM, it ends cleanly.
    assert process.returncode == 0, text[-2000:]


@contextmanager
def oxigraph_server(
    folder: Path, load: Path | None = None, *, union: bool = True
) -> Iterator[Server]:
    """`oxigraph serve` with the union default graph unless `union=False` (the PyPI package
    `oxigraph`, test extra), holding the RDF file `load` when given."""
    binary = shutil.which("oxigraph")
    if binary is None:
        raise ServerUnavailable(
            "the Oxigraph server is not installed: pip install oxigraph (the `test` extra has it)"
        )
    if load is not None:
        loaded = subprocess.run(
            [binary, "load", "--location", str(folder / "db"), "--file", str(load)],
            capture_output=True,
            text=True,
        )
        if loaded.returncode != 0:
            raise ServerUnavailable(f"oxigraph load {load} failed: {loaded.stderr[-2000:]}")
    port = free_port()
    log = folder / "oxigraph.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                binary,
                "serve",
                "--location",
                str(folder / "db"),
                "--bind",
                f"127.0.0.1:{port}",
                *(["--union-default-graph"] if union else []),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_http(base + "/query?query=ASK%7B%7D", process, log, timeout=20)
        yield Server("oxigraph", base + "/query", base + "/update", base + "/store")
    finally:
        _stop(process)


def virtuoso_ini(folder: Path, sql_port: int, http_port: int) -> str:
    db = folder / "db"
    db.mkdir(parents=True, exist_ok=True)
    return f"""\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 5
CheckpointInterval = 0
CaseMode = 2
DirsAllowed = ., {VIRTUOSO_HOME}/vad
VADInstallDir = {VIRTUOSO_HOME}/vad/
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {VIRTUOSO_VSP}
MaxClientConnections = 5
ServerThreads = 5
EnabledDavVSP = 0
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
DefaultQuery = select distinct ?Concept where {{[] a ?Concept}} LIMIT 100
"""


@contextmanager
def virtuoso_server(folder: Path) -> Iterator[Server]:
    """Virtuoso Open Source (Debian `virtuoso-opensource`), a fresh database in `folder`.

    Reads go to the anonymous /sparql; writes to /sparql-graph-crud-auth and /sparql-auth with
    digest authentication as dba, who holds the SPARQL_UPDATE role already.
    """
    binary = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
    if not Path(binary).exists():
        raise ServerUnavailable(
            "Virtuoso is not installed: apt-get install virtuoso-opensource (.ci/run does it)"
        )
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(virtuoso_ini(folder, sql_port, http_port))
    log = folder / "virtuoso-stdout.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "+foreground", "+configfile", str(ini)],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{http_port}"
    try:
        _wait_for_http(
            base + "/sparql?query=ASK%7B%7D", process, folder / "db" / "virtuoso.log", 60
        )
        yield Server(
            "virtuoso",
            base + "/sparql",
            base + "/sparql-auth",
            base + "/sparql-graph-crud-auth",
            VIRTUOSO_USER,
            VIRTUOSO_PASSWORD,
        )
    finally:
        _stop(process)


class _Hanging(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(30)

    do_POST = do_PUT = do_GET

    def log_message(self, *args: object) -> None:
        pass


class _Trickling(http.server.BaseHTTPRequestHandler):
    """Answers 200 at once, then one byte of the body every 0.2 s: each read is quick, the whole
    answer never comes."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        try:
            for _ in range(150):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass  # the client gave up, as it should

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


class _Answering(http.server.BaseHTTPRequestHandler):
    """Answers every request with `status`, `content_type` and `body`."""

    status = 500
    content_type = "text/plain"
    body = b"Internal failure: the database is on fire"

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(self.status)
        if self.status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="esskg-test"')
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_POST = do_PUT = do_GET

    def log_message(self, *args: object) -> None:
        pass


class _Refusing(_Answering):
    status = 401


class _Garbage(_Answering):
    status = 200
    content_type = "application/sparql-results+json"
    body = b"<html>not json</html>"


class _BadShape(_Garbage):
    body = b'{"results": {"bindings": 3}}'


@contextmanager
def fake_server(kind: str) -> Iterator[str]:
    """A Python http.server that hangs, trickles, answers 500, refuses credentials (401), or
    answers 200 with garbage or with JSON of the wrong shape; yields its URL."""
    handler = {
        "hang": _Hanging,
        "trickle": _Trickling,
        "500": _Answering,
        "401": _Refusing,
        "garbage": _Garbage,
        "bad-shape": _BadShape,
    }[kind]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()
