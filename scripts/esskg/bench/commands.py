"""The commands users type, timed end to end: `esskg bench commands`.

Per size: a workspace (`esskg init`) holding the generated N-Triples in data/bench/, then each
command as a process of its own (start-up included), its peak resident memory from wait4():
`build`, `validate`, the first `query` after a change (which indexes the graph into .esskg/),
each canned `query` on the index, `publish`, and `push` to a local Oxigraph server. A query's
rows are read as they arrive, so an answer over 10,000 rows gives its time to the first 1,000
rows and its rows/s after. Figures accumulate in WORKDIR/commands.json and the table between
the `bench:commands` markers of docs/benchmarks.md is rewritten from it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from esskg.bench.generate import size_label, write_file
from esskg.bench.steps import QUERY_PARAMS
from esskg.resources import packaged_root

START, END = "<!-- bench:commands -->", "<!-- /bench:commands -->"
FIRST_ROWS = 1_000
TIMEOUT_S = {"query": 120, "build": 600, "validate": 600, "publish": 300, "push": 600}
TARGETS_1M = {
    "build": "< 30 s, < 1.5 GB",
    "validate": "< 20 s, < 1.5 GB",
    "query": "< 250 ms (*)",
    "publish": "< 60 s",
}


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def timed(argv: list[str], *, timeout: float, cwd: Path | None = None) -> dict:
    """Run `argv`; seconds, peak RSS (MB), exit code, rows on stdout and time to FIRST_ROWS."""
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, cwd=cwd, env=env)
        seen = {"lines": 0, "first": None}

        def read() -> None:  # in a thread, so that a silent command still meets its timeout
            assert proc.stdout is not None
            for _ in proc.stdout:
                seen["lines"] += 1
                if seen["lines"] == FIRST_ROWS + 1:  # the CSV header, then the rows
                    seen["first"] = time.perf_counter() - start

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                # os.kill, not proc.kill(): that polls first and may reap the child, whose
                # resource usage wait4 would then never see.
                os.kill(proc.pid, signal.SIGKILL)
            time.sleep(0.005)
        seconds = time.perf_counter() - start
        reader.join(timeout=10)
        proc.returncode = os.waitstatus_to_exitcode(status)
        lines, first = seen["lines"], seen["first"]
        err.seek(0)
        tail = err.read().decode("utf-8", "replace")[-600:]
    return {
        "s": seconds,
        # CPU time as well: on a shared machine the wall clock also counts the others' work.
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "code": proc.returncode,
        "lines": lines,
        "first_s": first,
        "timeout": seconds >= timeout,
        "stderr": tail if proc.returncode else "",
    }


def make_workspace(workdir: Path, triples: int, seed: int) -> Path:
    """A workspace whose data/bench/ holds the generated graph (made once per size and seed)."""
    label = size_label(triples)
    data = workdir / f"esskg-{label}-seed{seed}-v0.nt"
    if not data.exists():
        log(f"{label}: generating {data}")
        write_file(data, triples, seed=seed, violations=0.0, progress=True)
    ws = workdir / f"ws-{label}-seed{seed}"
    if not (ws / "CITATION.cff").exists():
        shutil.rmtree(ws, ignore_errors=True)
        subprocess.run(["esskg", "init", str(ws)], check=True, capture_output=True)
        # publish names a release's creators from the workspace's CITATION.cff
        shutil.copy(packaged_root() / "CITATION.cff", ws / "CITATION.cff")
        (ws / "data" / "bench").mkdir(parents=True)
        os.link(data, ws / "data" / "bench" / data.name)
    return ws


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_push(ws: Path, scratch: Path) -> dict:
    """`esskg push` into a fresh local Oxigraph server, stopped afterwards."""
    port = free_port()
    server = subprocess.Popen(
        [
            "oxigraph",
            "serve",
            "--location",
            str(scratch / "oxigraph"),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        return timed(
            [
                "esskg",
                "-C",
                str(ws),
                "push",
                "--endpoint",
                f"{base}/query",
                "--gsp",
                f"{base}/store",
                "--timeout",
                "600",
            ],
            timeout=TIMEOUT_S["push"],
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


COMMANDS = ("build", "validate", "queries", "publish", "push")


def bench_size(ws: Path, repeat: int, scratch: Path, only: tuple[str, ...] = COMMANDS) -> dict:
    from esskg.query import list_queries

    def run(name: str, argv: list[str], kind: str, n: int = 1) -> dict:
        runs = []
        for i in range(n):
            log(f"{ws.name}: {name} {i + 1}/{n}")
            runs.append(timed(["esskg", "-C", str(ws), *argv], timeout=TIMEOUT_S[kind]))
            if runs[-1]["code"] not in (0, 1) or runs[-1]["s"] > 20:
                break  # failed, or slow enough that one run says it
        out = dict(runs[0])
        out["s"] = statistics.median(r["s"] for r in runs)
        out["cpu_s"] = statistics.median(r["cpu_s"] for r in runs)
        firsts = [r["first_s"] for r in runs if r["first_s"] is not None]
        out["first_s"] = statistics.median(firsts) if firsts else None
        out["peak_mb"] = max(r["peak_mb"] for r in runs)
        out["runs"] = len(runs)
        return out

    out: dict = {"queries": {}}
    if "build" in only:
        out["build"] = run("build", ["build", "-o", str(scratch / "dist")], "build")
    if "validate" in only:
        out["validate"] = run("validate", ["validate"], "validate")
    if "queries" in only:
        shutil.rmtree(ws / ".esskg", ignore_errors=True)
        out["query-first"] = run("query levers (indexes)", ["query", "levers"], "build")
    queries = {}
    for query in list_queries(ws) if "queries" in only else []:
        graph = re.search(r"^\s*(CONSTRUCT|DESCRIBE)\b", query.text, re.M | re.I)
        argv = ["query", query.name, "--format", "ntriples" if graph else "csv"]
        for p in query.params:
            if p.required and p.name in QUERY_PARAMS:
                argv += ["--param", f"{p.name}={QUERY_PARAMS[p.name]}"]
        found = run(f"query {query.name}", argv, "query", repeat)
        found["rows"] = max(found["lines"] - (0 if graph else 1), 0)  # CSV has a header line
        queries[query.name] = found
    out["queries"] = queries
    if "publish" in only:
        out["publish"] = run(
            "publish", ["publish", "-o", str(scratch / "pub"), "--replace"], "publish"
        )
    if "push" in only:
        log(f"{ws.name}: push")
        out["push"] = time_push(ws, scratch)
    return out


def _cell(r: dict | None, *, rows: bool = False) -> str:
    if r is None:
        return "-"
    if r.get("timeout"):
        return f"> {r['s']:.0f} s"
    if r["code"] not in (0, 1):
        return f"failed ({r['code']})"
    cpu = f" ({_duration(r['cpu_s'])} CPU)" if r.get("cpu_s") is not None else ""
    text = f"{_duration(r['s'])}{cpu}, {r['peak_mb']:,.0f} MB"
    if rows:
        count = r["rows"]
        text += f", {count:,} rows"
        if count > 10 * FIRST_ROWS and r.get("first_s"):
            rate = (count - FIRST_ROWS) / max(r["s"] - r["first_s"], 1e-6)
            text += f"; first 1,000 in {r['first_s'] * 1000:,.0f} ms, then {rate:,.0f} rows/s"
    return text


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 1 else f"{seconds:,.1f} s"


def render(results: dict) -> str:
    sizes = list(results["sizes"])
    head = (
        "| command | "
        + " | ".join(f"{s} ({results['sizes'][s]['triples']:,} triples)" for s in sizes)
        + " | target at 1M |"
    )
    lines = [
        f"Measured with `esskg bench commands --sizes {','.join(sizes)}` on {results['machine']}.",
        "",
        head,
        "|---" * (len(sizes) + 2) + "|",
    ]

    def row(label: str, key: str, target: str = "", *, query: str | None = None) -> None:
        cells = []
        for s in sizes:
            found = results["sizes"][s]["commands"]
            cells.append(
                _cell(
                    found["queries"].get(query) if query else found.get(key), rows=query is not None
                )
            )
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")

    row("`esskg build`", "build", TARGETS_1M["build"])
    row("`esskg validate`", "validate", TARGETS_1M["validate"])
    row("`esskg query levers`, first after a change (indexes the graph)", "query-first")
    names = sorted({q for s in sizes for q in results["sizes"][s]["commands"]["queries"]})
    for name in names:
        row(f"`esskg query {name}`", "", TARGETS_1M["query"], query=name)
    row("`esskg publish`", "publish", TARGETS_1M["publish"])
    row("`esskg push` (local Oxigraph)", "push")
    lines += [
        "",
        "Each cell: wall-clock time (process start included), the CPU time the process used, "
        "its peak resident memory. (*) or, for an answer over 10,000 rows, its first 1,000 rows "
        "in < 250 ms and ≥ 200,000 rows/s after.",
    ]
    return "\n".join(lines) + "\n"


def write_doc(results: dict, doc: Path) -> None:
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    block = f"{START}\n{render(results)}{END}"
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


def run(
    sizes: list[int],
    *,
    workdir: Path,
    doc: Path | None,
    seed: int,
    repeat: int,
    command: str,
    only: tuple[str, ...] = COMMANDS,
) -> dict:
    """Benchmark the commands at each size; merge into WORKDIR/commands.json; rewrite `doc`."""
    from esskg.bench.run import machine

    workdir.mkdir(parents=True, exist_ok=True)
    results_path = workdir / "commands.json"
    merged = json.loads(results_path.read_text()) if results_path.exists() else {"sizes": {}}
    info = machine()
    merged["machine"] = (
        f"{info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB; Python "
        f"{info['python']}, pyoxigraph {info['pyoxigraph']}, pyshacl-turbo {info['pyshacl-turbo']}"
    )
    merged["command"] = command
    for triples in sizes:
        ws = make_workspace(workdir, triples, seed)
        with tempfile.TemporaryDirectory(dir=workdir) as scratch:
            found = bench_size(ws, repeat if triples < 1_000_000 else 1, Path(scratch), only)
        data = next((ws / "data" / "bench").glob("*.nt"))
        with data.open("rb") as f:
            count = sum(1 for _ in f)
        # Commands left out this time (--only) keep their figures from an earlier run.
        earlier = merged["sizes"].get(size_label(triples), {}).get("commands", {})
        found["queries"] = {**earlier.get("queries", {}), **found["queries"]}
        merged["sizes"][size_label(triples)] = {"triples": count, "commands": {**earlier, **found}}
        merged["sizes"] = dict(sorted(merged["sizes"].items(), key=lambda kv: kv[1]["triples"]))
        results_path.write_text(json.dumps(merged, indent=2) + "\n")
        if doc is not None:
            write_doc(merged, doc)
    return merged
