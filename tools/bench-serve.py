#!/usr/bin/env python3
"""Load benchmark of `esskg serve` (not a test): prints a Markdown table for docs/benchmarks.md.

    python tools/bench-serve.py --nt FILE.nt [--workdir DIR] [--duration 10] [--repeat 3]
        [--pages-only | --queries-only] [--queries levers,publications]

On a checkout made of esskg's own data plus a synthetic graph (`esskg bench generate`, or --nt),
it starts `esskg serve` on 127.0.0.1 (start-up time; memory of the server and its query workers)
and drives it with wrk (Debian's `wrk`): resource pages (HTML), Turtle of a resource, 304
revalidations, each rotating over a few hundred partnerships and actors. Then it starts the
Oxigraph server (`oxigraph serve-read-only`, pip `oxigraph`) on the very store `esskg serve`
opened, and runs all the canned queries through both, side by side in the same run: parameters
without a default take a value found in the data (the first partnership, the first goal a
partnership contributes to...), written into the text both servers get. Each query runs once
untimed on each server, then on the two in turn (--repeat times; 25 times for a query under a
second); it reports each query's median time on each server and the ratio.

--workdir keeps the checkout and its on-disk store between runs: the store is built once
(minutes at 1M), and the next runs measure a start-up that opens it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pyoxigraph as ox

from esskg.query import (
    CannedQuery,
    QueryParam,
    convert_value,
    list_queries,
    param_values,
    with_prefixes,
)
from esskg.resources import packaged_root, project
from esskg.store import open_store_at

ESSKG = "https://w3id.org/esskg/ontology#"
# Long enough for the heaviest canned query at 1M on a shared machine, on both servers.
QUERY_TIMEOUT = 900


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", default="1M")
    parser.add_argument(
        "--nt", type=Path, help="an N-Triples file from `esskg bench generate` to reuse"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per canned query (25 under a second)"
    )
    parser.add_argument("--pages-only", action="store_true", help="skip the canned queries")
    parser.add_argument(
        "--queries", help="only these canned queries, comma-separated (e.g. levers,publications)"
    )
    parser.add_argument(
        "--queries-only", action="store_true", help="skip the pages: start-up, then the queries"
    )
    parser.add_argument(
        "--resources", type=int, default=300, help="how many resources wrk rotates over"
    )
    parser.add_argument(
        "--workdir", type=Path, help="keep the checkout (and its store) here for the next runs"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench-serve: install Debian's wrk (apt-get install wrk)")
    with workdir(args.workdir) as tmp:
        tree = checkout(tmp, args.triples, args.nt)
        port, oxi_port = free_port(), free_port()
        started = time.monotonic()
        server = subprocess.Popen(
            # A long time limit: the canned queries are compared, not stopped.
            [
                sys.executable,
                "-m",
                "esskg",
                "--lang",
                "en",  # read_statements() reads its English start line
                "-C",
                str(tree),
                "serve",
                "--port",
                str(port),
                "--timeout",
                str(QUERY_TIMEOUT),
                "--budget",
                "1e9",
                # every row, as the Oxigraph server gives them: the same answers compared
                "--max-rows",
                "100000000",
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait(base + "/sparql", 1800, server)
            startup = time.monotonic() - started
            statements = read_statements(server)
            rows = [("start-up (to the first answer)", f"{startup:.1f} s", "")]
            say(rows[-1])
            rows.append(("memory after start-up", rss(server.pid), ""))
            say(rows[-1])
            if args.queries_only:
                chart_drawn(base)
            else:
                rows += drive_pages(base, tree, tmp, args)
                rows.append(("memory after the pages", rss(server.pid), ""))
                say(rows[-1])
            if not args.pages_only:
                only = set(args.queries.split(",")) if args.queries else None
                rows += compare_queries(tree, base, oxi_port, args.repeat, only)
                rows.append(("memory after the queries", rss(server.pid), ""))
                say(rows[-1])
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
    print(
        f"\n`esskg serve` on {statements:,} statements, {os.cpu_count()} cores, "
        f"wrk -t2 -c{args.connections} -d{args.duration}s\n"
    )
    print("| request | throughput or time | latency / comparison |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


def drive_pages(
    base: str, tree: Path, tmp: Path, args: argparse.Namespace
) -> list[tuple[str, str, str]]:
    """Resource pages, Turtle and 304s under wrk, rotating over synthetic resources."""
    rows = []
    paths = resource_paths(tree / "data" / "bench" / "synthetic.nt", args.resources)
    etags = [etag(base + p, "text/turtle") for p in paths]
    lua = tmp / "rotate.lua"
    for label, accept, tags in (
        ("resource page, HTML", "text/html", None),
        ("resource, Turtle", "text/turtle", None),
        ("revalidation, 304 (Turtle)", "text/turtle", etags),
    ):
        write_lua(lua, paths, accept, tags)
        rate, p99, errors = run_wrk(base, lua, args.duration, args.connections)
        rows.append((label, f"{rate:,.0f} req/s", f"p99 {p99}" + errors))
        say(rows[-1])
    return rows


def chart_drawn(base: str, timeout: float = 600) -> None:
    """Wait until the server has drawn its home page's SDG chart: the query behind it runs in a
    worker after start-up, and would otherwise share the CPU with the first query compared."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(base + "/", timeout=30) as response:
            if b'class="chart"' in response.read():
                return
        time.sleep(1)
    sys.exit(f"bench-serve: no SDG chart on {base}/ after {timeout:.0f} s")


@contextlib.contextmanager
def workdir(kept: Path | None) -> Iterator[Path]:
    if kept is not None:
        kept.mkdir(parents=True, exist_ok=True)
        yield kept.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="esskg-bench-serve-") as tmp:
        yield Path(tmp)


def rss(pid: int) -> str:
    """Resident memory of the server and of its query workers (children), in MB."""
    main = psutil.Process(pid)
    children = [c.memory_info().rss for c in main.children(recursive=True)]
    own = main.memory_info().rss
    return (
        f"{(own + sum(children)) / 1e6:,.0f} MB RSS "
        f"(server {own / 1e6:,.0f} MB, {len(children)} helper processes "
        f"{sum(children) / 1e6:,.0f} MB)"
    )


def say(row: tuple[str, str, str]) -> None:
    """Each figure as soon as it is measured (stderr), in case a later step fails."""
    print("bench-serve: " + " | ".join(row), file=sys.stderr, flush=True)


def checkout(tmp: Path, triples: str, nt: Path | None) -> Path:
    """A checkout-shaped tree: esskg's ontology, shapes, queries and data, plus data/bench/."""
    source = packaged_root()
    tree = tmp / "tree"
    if (tree / "data" / "bench" / "synthetic.nt").exists():
        return tree  # a --workdir of an earlier run
    (tree / "data").mkdir(parents=True)
    for name in ("ontology", "shapes", "queries"):
        (tree / name).symlink_to(source / name)
    for folder in (source / "data").iterdir():
        if folder.is_dir():
            (tree / "data" / folder.name).symlink_to(folder)
    (tree / "data" / "bench").mkdir()
    if nt is not None:
        (tree / "data" / "bench" / "synthetic.nt").symlink_to(nt.resolve())
        return tree
    subprocess.run(
        [
            sys.executable,
            "-m",
            "esskg",
            "bench",
            "generate",
            "--triples",
            triples,
            "-o",
            str(tree / "data" / "bench" / "synthetic.nt"),
        ],
        check=True,
    )
    return tree


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            sys.exit(f"bench-serve: the server stopped: {process.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"bench-serve: {url} did not answer in {timeout:.0f} s")


def read_statements(server: subprocess.Popen) -> int:
    assert server.stderr is not None
    for line in server.stderr:
        found = re.search(r"serving (\d+) statements", line)
        if found:
            return int(found.group(1))
    return 0


def resource_paths(nt: Path, count: int) -> list[str]:
    """Local paths of partnerships and actors of the synthetic graph."""
    wanted = (f"<{ESSKG}Partnership>", f"<{ESSKG}Actor>")
    paths: list[str] = []
    with nt.open(encoding="utf-8") as stream:
        for line in stream:
            if line.rstrip(" .\n").endswith(wanted):
                iri = line.split(" ", 1)[0][1:-1]
                paths.append(iri.removeprefix("https://w3id.org/esskg"))
                if len(paths) == count:
                    break
    return paths


def etag(url: str, accept: str) -> str:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept})) as r:
        return r.headers["ETag"]


def write_lua(path: Path, paths: list[str], accept: str, etags: list[str] | None) -> None:
    tags = "{" + ",".join(json.dumps(t) for t in etags) + "}" if etags else "nil"
    path.write_text(
        "paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n"
        f"etags = {tags}\n"
        "i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        "  local k = (i % #paths) + 1\n"
        f'  local h = {{}}\n  h["Accept"] = {json.dumps(accept)}\n'
        '  if etags then h["If-None-Match"] = etags[k] end\n'
        '  return wrk.format("GET", paths[k], h)\n'
        "end\n"
    )


def run_wrk(base: str, lua: Path, duration: int, connections: int) -> tuple[float, str, str]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(lua), base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, p99, f", {bad.group(1)} errors" if bad else ""


def compare_queries(
    tree: Path, base: str, oxi_port: int, repeat: int, only: set[str] | None = None
) -> list[tuple[str, str, str]]:
    """Every canned query through esskg's /sparql and through the Oxigraph server, on the
    same store (the one `esskg serve` opened, which both open read-only)."""
    store, location = open_store_at(project(tree))
    queries = [(q, bind(store, q)) for q in list_queries(tree) if not only or q.name in only]
    del store
    oxigraph = subprocess.Popen(
        [
            shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph")),
            "serve-read-only",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{oxi_port}",
            "--union-default-graph",
        ],
        stderr=subprocess.DEVNULL,
    )
    rows = []
    try:
        wait(f"http://127.0.0.1:{oxi_port}/query", 120)
        for query, bindings in queries:
            text = with_prefixes(inline(query.text, bindings))
            given = ", ".join(f"{v.value}={t}" for v, t in bindings.items())
            try:
                (ours, count), (theirs, their_count), runs = side_by_side(
                    (f"{base}/sparql", f"http://127.0.0.1:{oxi_port}/query"), text, repeat
                )
            except urllib.error.HTTPError as e:
                rows.append((f"`{query.name}`", f"HTTP {e.code}", e.read().decode()[:300]))
                say(rows[-1])
                continue
            ratio = ours / theirs if theirs else float("nan")
            same = "" if count == their_count else f", but {their_count} rows there"
            rows.append(
                (
                    f"`{query.name}`" + (f" ({given})" if given else "") + f", {count:,} rows",
                    milliseconds(ours),
                    f"Oxigraph server {milliseconds(theirs)}, x{ratio:.2f}{same} "
                    f"(median of {runs})",
                )
            )
            say(rows[-1])
    finally:
        oxigraph.terminate()
        oxigraph.wait(30)
    return rows


def milliseconds(seconds: float) -> str:
    """Tenths of a millisecond for the small queries, whose ratio they decide."""
    return f"{seconds * 1000:,.1f} ms" if seconds < 0.1 else f"{seconds * 1000:,.0f} ms"


def bind(store: ox.Store, query: CannedQuery) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
    """A value for each parameter: its default, else one found in the data."""
    return {
        ox.Variable(p.name): convert_value(p, p.default)
        if p.default is not None
        else found_value(store, p)
        for p in query.params
    }


_PROJECTION = re.compile(
    r"(?<=\bSELECT)(?:\s+(?:DISTINCT|REDUCED))?\s.*?(?=\bWHERE\b|\{)", re.I | re.S
)


def inline(text: str, bindings: dict[ox.Variable, ox.NamedNode | ox.Literal]) -> str:
    """The query with each bound variable replaced by its value, as a substitution does: in the
    query's SELECT `?v` becomes `(value AS ?v)`; a subquery no longer projects it (the value is
    the same everywhere); inside an expression, the value."""
    for variable, term in bindings.items():
        text = _inline_one(text, variable.value, str(term))
    return text


def _inline_one(text: str, variable: str, value: str) -> str:
    name = re.compile(rf"[?$]{re.escape(variable)}(?!\w)")
    out, at = [], 0
    for index, projection in enumerate(_PROJECTION.finditer(text)):
        out.append(name.sub(value, text[at : projection.start()]))
        depth, inner = 0, projection.start()
        for found in name.finditer(text, projection.start(), projection.end()):
            before = text[inner : found.start()]
            depth += before.count("(") - before.count(")")
            projected = f"({value} AS {found.group(0)})" if index == 0 else ""
            out += [before, value if depth else projected]
            inner = found.end()
        out.append(text[inner : projection.end()])
        at = projection.end()
    out.append(name.sub(value, text[at:]))
    return "".join(out)


def found_value(store: ox.Store, param: QueryParam) -> ox.NamedNode | ox.Literal:
    """The first goal a partnership contributes to; the first member of the class the parameter
    is named after (partnership: esskg:Partnership); else the first value `esskg queries
    --values` lists."""
    if param.type == "sdg":
        pattern = f"?x <{ESSKG}contributesToSDG> ?value"
    else:
        pattern = f"?value a <{ESSKG}{param.name[:1].upper()}{param.name[1:]}>"
    for row in store.query(
        f"SELECT ?value WHERE {{ {pattern} }} LIMIT 1", use_default_graph_as_union=True
    ):
        return row["value"]
    return param_values(store, param)[0][0]


# A query answered faster than this is timed SHORT_RUNS times: one run of a few milliseconds
# moves by as much as the query takes on a shared machine.
SHORT, SHORT_RUNS = 1.0, 25


def side_by_side(
    endpoints: tuple[str, str], query: str, repeat: int
) -> tuple[tuple[float, int], tuple[float, int], int]:
    """Each endpoint's median time and rows (or triples), and the number of timed runs.

    One untimed run on each first (the server's caches, and the page cache for whichever goes
    second, as a live server would have them), then the two endpoints in turn, so that neither
    always runs right after the other has warmed the machine for it."""
    warm = [once(endpoint, query)[0] for endpoint in endpoints]
    runs = repeat if max(warm) >= SHORT else max(repeat, SHORT_RUNS)
    times: tuple[list[float], list[float]] = ([], [])
    counts = [0, 0]
    for _ in range(runs):
        for i, endpoint in enumerate(endpoints):
            seconds, counts[i] = once(endpoint, query)
            times[i].append(seconds)
    ours, theirs = (statistics.median(t) for t in times)
    return (ours, counts[0]), (theirs, counts[1]), runs


def once(endpoint: str, query: str) -> tuple[float, int]:
    """The time of one run, and the rows (or triples) of the answer."""
    request = urllib.request.Request(
        endpoint,
        data=urllib.parse.urlencode({"query": query}).encode(),
        headers={
            # TSV for SELECT (one line per row, cheap to count), N-Triples for a graph
            "Accept": "text/tab-separated-values, application/n-triples;q=0.9",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=QUERY_TIMEOUT + 60) as response:
        answer = response.read()
        tsv = response.headers.get("content-type", "").startswith("text/tab-separated")
    return time.monotonic() - started, answer.count(b"\n") - (1 if tsv else 0)


if __name__ == "__main__":
    sys.exit(main())
