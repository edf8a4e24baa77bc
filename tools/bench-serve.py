#!/usr/bin/env python3
"""Load benchmark of `esskg serve` (not a test): prints a Markdown table for docs/benchmarks.md.

    python tools/bench-serve.py --triples 1M [--duration 10] [--connections 16]

On a throwaway checkout made of esskg's own data plus a synthetic graph (`esskg bench generate`),
it starts `esskg serve` on 127.0.0.1 and drives it with wrk (Debian's `wrk`): resource pages
(HTML), Turtle of a resource, 304 revalidations, each rotating over a few hundred partnerships and
actors. Then it runs every canned query (parameters at their defaults, as a trailing VALUES) through
/sparql and through the Oxigraph server (`oxigraph serve-read-only`, pip `oxigraph`) on a store of
the same quads, side by side in the same run, and reports the median of a few runs of each.
"""

from __future__ import annotations

import argparse
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
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox

from esskg.load import load_dataset
from esskg.query import convert_value, list_queries
from esskg.resources import packaged_root

ESSKG = "https://w3id.org/esskg/ontology#"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", default="1M")
    parser.add_argument(
        "--nt", type=Path, help="an N-Triples file from `esskg bench generate` to reuse"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3, help="runs per canned query")
    parser.add_argument("--pages-only", action="store_true", help="skip the canned queries")
    parser.add_argument(
        "--resources", type=int, default=300, help="how many resources wrk rotates over"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench-serve: install Debian's wrk (apt-get install wrk)")
    with tempfile.TemporaryDirectory(prefix="esskg-bench-serve-") as tmp:
        tree = checkout(Path(tmp), args.triples, args.nt)
        port, oxi_port = free_port(), free_port()
        started = time.monotonic()
        server = subprocess.Popen(
            # A long time limit: the canned queries are compared, not stopped.
            [
                sys.executable,
                "-m",
                "esskg",
                "-C",
                str(tree),
                "serve",
                "--port",
                str(port),
                "--timeout",
                "300",
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
            wait(base + "/sparql", 900, server)
            startup = time.monotonic() - started
            statements = read_statements(server)
            rows = [("start-up (load, index, on-disk copy)", f"{startup:.1f} s", "")]
            say(rows[-1])
            paths = resource_paths(tree / "data" / "bench" / "synthetic.nt", args.resources)
            etags = [etag(base + p, "text/turtle") for p in paths]
            lua = Path(tmp) / "rotate.lua"
            for label, accept, tags in (
                ("resource page, HTML", "text/html", None),
                ("resource, Turtle", "text/turtle", None),
                ("revalidation, 304 (Turtle)", "text/turtle", etags),
            ):
                write_lua(lua, paths, accept, tags)
                rate, p99, errors = run_wrk(base, lua, args.duration, args.connections)
                rows.append((label, f"{rate:,.0f} req/s", f"p99 {p99}" + errors))
                say(rows[-1])
            if not args.pages_only:
                rows += compare_queries(tree, Path(tmp), base, oxi_port, args.repeat)
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


def say(row: tuple[str, str, str]) -> None:
    """Each figure as soon as it is measured (stderr), in case a later step fails."""
    print("bench-serve: " + " | ".join(row), file=sys.stderr, flush=True)


def checkout(tmp: Path, triples: str, nt: Path | None) -> Path:
    """A checkout-shaped tree: esskg's ontology, shapes, queries and data, plus data/bench/."""
    source = packaged_root()
    tree = tmp / "tree"
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
    tree: Path, tmp: Path, base: str, oxi_port: int, repeat: int
) -> list[tuple[str, str, str]]:
    """Each canned query through esskg's /sparql and through the Oxigraph server, same quads."""
    location = tmp / "oxigraph"
    store = ox.Store(str(location))
    store.bulk_extend(load_dataset(root=tree))
    store.flush()
    del store
    oxigraph = subprocess.Popen(
        [
            shutil.which("oxigraph") or "oxigraph",
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
        for query in list_queries(tree):
            if any(p.default is None for p in query.params):
                continue
            values = "".join(
                f"\nVALUES ?{p.name} {{ {convert_value(p, p.default)} }}" for p in query.params
            )
            text = query.text + values
            ours = timed(f"{base}/sparql", text, repeat)
            theirs = timed(f"http://127.0.0.1:{oxi_port}/query", text, repeat)
            ratio = ours / theirs if theirs else float("nan")
            rows.append(
                (
                    f"canned `{query.name}` via /sparql",
                    f"{ours * 1000:.0f} ms",
                    f"Oxigraph server {theirs * 1000:.0f} ms, x{ratio:.2f}",
                )
            )
            say(rows[-1])
    finally:
        oxigraph.terminate()
        oxigraph.wait(30)
    return rows


def timed(endpoint: str, query: str, repeat: int) -> float:
    body = urllib.parse.urlencode({"query": query}).encode()
    times = []
    for _ in range(repeat):
        request = urllib.request.Request(
            endpoint,
            data=body,
            headers={
                "Accept": "application/sparql-results+json",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        started = time.monotonic()
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
        times.append(time.monotonic() - started)
    return statistics.median(times)


if __name__ == "__main__":
    sys.exit(main())
