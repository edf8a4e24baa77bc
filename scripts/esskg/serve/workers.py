"""SPARQL in worker processes that can be killed: the only way to stop a pyoxigraph query.

pyoxigraph has no timeout and no cancellation (oxigraph#1926), and a single `next()` that sorts
or groups the whole store cannot be interrupted from Python. So every query runs in a worker
process holding the store open read-only; the server waits for its answer until the time limit,
then kills it (SIGKILL frees the CPU at once) and starts a fresh one. Results are cut at the row
cap and serialised in the worker, so a huge answer never crosses the pipe.

This module imports nothing from esskg but itself: a worker starts with `spawn` (a clean
interpreter: forking a process with an event loop and threads is unsafe) and should start fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import multiprocessing
import os
import time
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

# What a worker sends back: ("ok", kind, body, truncated) or ("error", status, message); for the
# HTML table ("rows") the body is (names, rows, offset of the first row, whether a page follows).
Reply = tuple[Any, ...]
SPAWN = multiprocessing.get_context("spawn")
RESULT_MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
_SR = "http://www.w3.org/2005/sparql-results#"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class PoolBusy(Exception):
    """Every worker is taken and the queue is full: answer 503."""


class QueryTimeout(Exception):
    """The query ran past the time limit; its worker was killed."""


@dataclass
class Job:
    """One query for a worker; terms travel as tuples (pyoxigraph terms do not pickle)."""

    query: str
    results_format: str | None  # json, xml, csv, tsv, or "rows" for the HTML table
    graph_format: str | None  # an ox.RdfFormat name such as "TURTLE"
    max_rows: int
    substitutions: dict[str, tuple[str, ...]] | None = None
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    # The HTML table's page: rows offset.. offset+page_rows (within the first max_rows).
    offset: int = 0
    page_rows: int | None = None
    # The text with the page's LIMIT and OFFSET said in it (see Server.window): the engine skips
    # the rows before the page and stops after it, so the worker reads that answer from the start.
    # Should it not parse, the worker runs `query` (the person's own text, whose syntax error is
    # then said where they wrote it) and cuts the page as it reads.
    paged_query: str | None = None


def term_tuple(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> tuple[str, ...] | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value)
    return ("literal", term.value, term.datatype.value, term.language or "")


def tuple_term(value: tuple[str, ...]) -> ox.NamedNode | ox.Literal:
    if value[0] == "iri":
        return ox.NamedNode(value[1])
    _, text, datatype, language = value
    if language:
        return ox.Literal(text, language=language)
    return ox.Literal(text, datatype=ox.NamedNode(datatype))


def worker_main(store_path: str, conn: Connection) -> None:
    """A worker's life: open the store read-only, say ready, answer jobs until the pipe closes."""
    store = ox.Store.read_only(store_path)
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(answer(store, job))


def answer(store: ox.Store, job: Job) -> Reply:
    options: dict[str, Any] = {}
    if job.default_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    else:
        options["use_default_graph_as_union"] = True
    if job.named_graphs:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    if job.substitutions:
        options["substitutions"] = {
            ox.Variable(k): tuple_term(v) for k, v in job.substitutions.items()
        }
    try:
        result = None
        if job.paged_query is not None:
            with contextlib.suppress(SyntaxError):  # then the text as written says its error
                result = store.query(job.paged_query, **options)
        paged = result is not None
        if result is None:
            result = store.query(job.query, **options)
        if isinstance(result, ox.QueryBoolean):
            return ("ok", "ask", _boolean(bool(result), job.results_format), False)
        if isinstance(result, ox.QuerySolutions):
            if job.results_format is None:
                return (
                    "error",
                    406,
                    "a SELECT query answers with SPARQL results (JSON, XML, CSV, TSV), not RDF",
                )
            names = [v.value for v in result.variables]
            start, end = job.offset, job.max_rows
            if job.page_rows is not None:
                end = min(start + job.page_rows, job.max_rows)
            # The rows before the page are skipped unconverted; one row past it says "more".
            first, size = (0 if paged else start), max(0, end - start)
            solutions = list(islice(result, first, first + size + 1))
            more = len(solutions) > size
            truncated = more and end >= job.max_rows
            if job.results_format == "rows":
                # terms as tuples: pyoxigraph's do not pickle
                rows = [tuple(map(term_tuple, s)) for s in solutions[:size]]
                return ("ok", "select", (names, rows, start, more and not truncated), truncated)
            body = _solutions(names, solutions[:size], job.results_format)
            return ("ok", "select", body, truncated)
        if job.graph_format is None:
            return (
                "error",
                406,
                "a CONSTRUCT or DESCRIBE query answers with RDF (Turtle, "
                "N-Triples, JSON-LD, RDF/XML), not a results table",
            )
        triples = list(islice(result, job.max_rows + 1))
        truncated = len(triples) > job.max_rows
        body = ox.serialize(triples[: job.max_rows], format=getattr(ox.RdfFormat, job.graph_format))
        return ("ok", "graph", body, truncated)
    except SyntaxError as e:
        return ("error", 400, f"SPARQL syntax error: {e}")
    except (ValueError, TypeError) as e:
        return ("error", 400, str(e))
    except (OSError, RuntimeError) as e:
        return ("error", 500, f"the query failed: {e}")


def _boolean(value: bool, fmt: str | None) -> Any:
    if fmt == "xml":
        return (
            f'<?xml version="1.0"?>\n<sparql xmlns="{_SR}"><head/>'
            f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    if fmt in ("csv", "tsv"):
        return b"_askResult\r\n" + (b"true" if value else b"false") + b"\r\n"
    if fmt == "rows":
        return (["answer"], [(("literal", "true" if value else "false", "", ""),)], 0, False)
    return json.dumps({"head": {}, "boolean": value}).encode()


Term = ox.NamedNode | ox.BlankNode | ox.Literal


def _solutions(names: list[str], rows: list[ox.QuerySolution], fmt: str) -> bytes:
    """SELECT results in the W3C formats, written here from pyoxigraph's terms because only the
    rows up to the cap are sent (pyoxigraph's writers take the whole answer)."""
    if fmt == "json":
        bindings = [
            {n: _json_term(t) for n, t in zip(names, row, strict=True) if t is not None}
            for row in rows
        ]
        return json.dumps(
            {"head": {"vars": names}, "results": {"bindings": bindings}}, ensure_ascii=False
        ).encode()
    if fmt == "xml":
        out = [f'<?xml version="1.0"?>\n<sparql xmlns="{_SR}"><head>']
        out += [f"<variable name={quoteattr(n)}/>" for n in names]
        out.append("</head><results>")
        for row in rows:
            out.append("<result>")
            for n, t in zip(names, row, strict=True):
                if t is not None:
                    out.append(f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>")
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode()
    if fmt == "tsv":
        # N-Triples syntax, as the TSV results format asks: pyoxigraph's str() of a term
        lines = ["\t".join("?" + n for n in names)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow(["" if t is None else _plain(t) for t in row])
    return buffer.getvalue().encode()


def _plain(t: Term) -> str:
    return f"_:{t.value}" if isinstance(t, ox.BlankNode) else t.value


def _json_term(t: Term) -> dict[str, str]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    term = {"type": "literal", "value": t.value}
    if t.language:
        term["xml:lang"] = t.language
    elif (datatype := t.datatype.value) != _XSD_STRING:
        term["datatype"] = datatype
    return term


def _xml_term(t: Term) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if t.language:
        return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
    if (datatype := t.datatype.value) != _XSD_STRING:
        return f"<literal datatype={quoteattr(datatype)}>{escape(t.value)}</literal>"
    return f"<literal>{escape(t.value)}</literal>"


class Worker:
    def __init__(self, store_path: str) -> None:
        self.conn, child = SPAWN.Pipe()
        self.process = SPAWN.Process(
            target=worker_main, args=(store_path, child), daemon=True, name="esskg-query"
        )
        self.process.start()
        child.close()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """`size` workers; a query waits at most `queue_wait` s for one; `queued` may wait at once."""

    def __init__(self, store_path: str, size: int, timeout: float, queued: int) -> None:
        self.store_path = store_path
        self.size = size
        self.timeout = timeout
        self.queued = queued
        # Last in, first out: the worker that answered last takes the next query. Its RocksDB
        # block cache and pages are warm, as a single server process's would be; a worker left
        # idle for a while (first in, first out) answered a 1 ms query in 10-40 ms.
        self._idle: asyncio.LifoQueue[Worker] = asyncio.LifoQueue()
        self._all: set[Worker] = set()
        self._pending = 0
        self._waiting = 0
        self._spawning: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        await asyncio.gather(*(self._spawn() for _ in range(self.size)))

    async def _spawn(self) -> None:
        worker = Worker(self.store_path)
        self._all.add(worker)
        try:
            reply = await _receive(worker.conn, 120.0)
        except (TimeoutError, EOFError, OSError):
            reply = None
        if reply != ("ready",):
            self._all.discard(worker)
            worker.kill()
            raise RuntimeError("a query worker could not open the store")
        self._idle.put_nowait(worker)

    def _replace(self, worker: Worker) -> None:
        self._all.discard(worker)
        worker.kill()
        task = asyncio.get_running_loop().create_task(self._spawn())
        self._spawning.add(task)
        task.add_done_callback(self._spawning.discard)

    def pids(self) -> list[int]:
        return [w.pid for w in self._all if w.pid is not None]

    async def run(
        self, job: Job, timeout: float | None = None, wait: float | None = None
    ) -> tuple[Reply, float]:
        """The worker's reply and the seconds it took; PoolBusy or QueryTimeout otherwise.

        `timeout` (default: the pool's) bounds the query; `wait` the wait for a free worker.
        """
        timeout = timeout or self.timeout
        if self._pending >= self.size + self.queued:
            raise PoolBusy
        self._pending += 1
        try:
            if not self._waiting and not self._idle.empty():
                # an idle worker at once, without wait_for's task and its turn of the loop (when
                # nobody waits: a query that came later must not take a waiting one's worker)
                worker = self._idle.get_nowait()
            else:
                self._waiting += 1
                try:
                    worker = await asyncio.wait_for(self._idle.get(), wait or self.timeout)
                except TimeoutError:
                    raise PoolBusy from None
                finally:
                    self._waiting -= 1
            started = time.monotonic()
            try:
                worker.conn.send(job)
                reply = await _receive(worker.conn, timeout)
            except TimeoutError:
                self._replace(worker)
                raise QueryTimeout from None
            except (EOFError, OSError):
                # The worker died (out of memory, killed from outside): a fresh one takes over.
                self._replace(worker)
                return ("error", 500, "the query worker stopped; try again"), 0.0
            except BaseException:
                self._replace(worker)  # the client went away mid-query: stop the work too
                raise
            self._idle.put_nowait(worker)
            return reply, time.monotonic() - started
        finally:
            self._pending -= 1

    async def close(self) -> None:
        for task in list(self._spawning):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        for worker in list(self._all):
            worker.kill()
        self._all.clear()


async def _receive(conn: Connection, timeout: float) -> Any:
    """conn.recv() without blocking the event loop, or TimeoutError after `timeout` s."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    fd = conn.fileno()
    loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
    try:
        await asyncio.wait_for(ready, timeout)
    finally:
        loop.remove_reader(fd)
        # uvloop's add_reader leaves the pipe non-blocking: a reply larger than the pipe's buffer
        # would then fail half-read (EAGAIN) instead of waiting for the worker's next bytes.
        os.set_blocking(fd, True)
    return conn.recv()
