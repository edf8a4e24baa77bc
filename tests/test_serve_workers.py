"""esskg serve's query workers under a real uvicorn on 127.0.0.1: the time limit really stops the
work (the worker is killed and its CPU freed), a small query still answers meanwhile, a killed
worker is replaced, and queries beyond the workers and the queue get 503."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import psutil
import pytest

from servers import esskg_serve as serve

# Five joins over every statement: trillions of rows on the fixture, never finishing on its own.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?o ?p }"
SMALL = "ASK { ?s ?p ?o }"
TIMEOUT = 2.0


def ask(base: str, query: str) -> tuple[int, float, Message]:
    url = f"{base}/sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status, time.monotonic() - started, response.headers
    except urllib.error.HTTPError as e:
        return e.code, time.monotonic() - started, e.headers


def workers(server: psutil.Process) -> list[psutil.Process]:
    found = []
    for child in server.children(recursive=True):
        try:
            if "spawn_main" in " ".join(child.cmdline()) and child.status() != psutil.STATUS_ZOMBIE:
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def wait_for_workers(
    server: psutil.Process, count: int, timeout: float = 30
) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = workers(server)
        if len(found) == count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"expected {count} query workers, found {len(workers(server))}")


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, psutil.Process]]:
    with serve(tmp_path, "--timeout", str(TIMEOUT), "--workers", "2") as running:
        yield running


def test_runaway_query_is_killed_and_small_queries_still_answer(
    server: tuple[str, psutil.Process],
) -> None:
    base, process = server
    before = {w.pid for w in wait_for_workers(process, 2)}
    runaway: list[tuple[int, float, Message]] = []
    thread = threading.Thread(target=lambda: runaway.append(ask(base, RUNAWAY)))
    thread.start()
    time.sleep(0.5)  # the runaway is now busy in one worker
    status, elapsed, _ = ask(base, SMALL)
    assert status == 200
    assert elapsed < 1.0, f"a small query took {elapsed:.2f} s while a runaway one ran"
    thread.join()
    status, elapsed, _ = runaway[0]
    assert status == 504
    assert TIMEOUT <= elapsed < TIMEOUT + 1.5
    # The worker that ran it is gone (killed, not left computing), and a fresh one took its place.
    after = {w.pid for w in wait_for_workers(process, 2)}
    gone = before - after
    assert len(gone) == 1
    assert not any(
        psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        for pid in gone
    )
    time.sleep(1.0)  # let the replacement finish starting up
    for worker in workers(process):
        worker.cpu_percent(interval=None)  # starts the measurement
    time.sleep(1.0)
    busy = sum(w.cpu_percent(interval=None) for w in workers(process))
    assert busy < 20, f"the query workers still use {busy:.0f}% CPU after the time limit"
    assert ask(base, SMALL)[0] == 200


def test_queries_beyond_workers_and_queue_get_503(tmp_path: Path) -> None:
    with serve(tmp_path, "--timeout", str(TIMEOUT), "--workers", "1", "--queue", "0") as running:
        base, process = running
        wait_for_workers(process, 1)
        runaway: list[tuple[int, float, Message]] = []
        thread = threading.Thread(target=lambda: runaway.append(ask(base, RUNAWAY)))
        thread.start()
        time.sleep(0.5)
        status, elapsed, headers = ask(base, SMALL)
        thread.join()
        assert status == 503
        assert elapsed < 1.0
        assert headers.get("Retry-After")
        assert runaway[0][0] == 504


def test_an_answer_larger_than_the_pipe_buffer_arrives_whole(tmp_path: Path) -> None:
    # Regression: under uvloop (which uvicorn takes when installed) the pipe from a worker was
    # left non-blocking, and any answer over 64 KiB failed half-read as "the worker stopped".
    with serve(tmp_path, "--workers", "1", "--max-rows", "5000") as (base, _):
        query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # > 40,000 rows
        url = f"{base}/sparql?" + urllib.parse.urlencode({"query": query})
        request = urllib.request.Request(url, headers={"Accept": "text/tab-separated-values"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
            assert response.headers["X-SPARQL-MaxRows"] == "5000"
    assert len(body) > 256 * 1024
    assert body.count(b"\n") == 5001  # the header line and every row up to the cap


def test_a_stop_does_not_wait_for_a_long_query(tmp_path: Path) -> None:
    with serve(tmp_path, "--timeout", "120", "--workers", "1") as (base, process):
        worker = wait_for_workers(process, 1)[0]
        thread = threading.Thread(target=lambda: ask(base, RUNAWAY), daemon=True)
        thread.start()
        time.sleep(1.0)  # the runaway is now busy in the worker
        started = time.monotonic()
        process.terminate()
        process.wait(timeout=15)
        # stopped after the grace period (3 s), not the query's 120 s; its worker killed too
        assert time.monotonic() - started < 8
        assert not _alive(worker.pid)


def test_queries_one_at_a_time_go_to_the_worker_that_answered_last(
    server: tuple[str, psutil.Process],
) -> None:
    # the worker that answered last has warm caches: queries that come one at a time all go to
    # it, as to a single server process, not in turn to a worker that sat idle (and went cold)
    base, process = server
    pool = wait_for_workers(process, 2)
    # 100 x 100 x 30 = 300,000 rows counted: tens of ms of CPU in the worker that runs it
    patterns = [
        f"VALUES ?{name} {{ {' '.join(str(n) for n in range(count))} }}"
        for name, count in (("a", 100), ("b", 100), ("c", 30))
    ]
    counting = f"SELECT (COUNT(*) AS ?n) WHERE {{ {' '.join(patterns)} }}"
    assert ask(base, counting)[0] == 200
    time.sleep(1)  # the home page's SDG chart, computed in a worker at start-up, is long done
    before = {w.pid: sum(w.cpu_times()[:2]) for w in pool}
    for _ in range(20):
        assert ask(base, counting)[0] == 200
    spent = sorted(sum(w.cpu_times()[:2]) - before[w.pid] for w in pool)
    assert sum(spent) > 0.1, spent  # enough clock ticks to tell
    assert spent[0] < 0.25 * spent[1], spent  # one worker did (nearly) all of it; in turn: half
