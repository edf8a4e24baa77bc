"""The commands users type, timed end to end: `esskg bench commands`.

Per size: a workspace (`esskg init`) holding the generated N-Triples in data/bench/, then each
command as a process of its own (start-up included), its peak resident memory from wait4():
`build`, `validate`, the first `query` after a change (which indexes the graph into .esskg/),
each canned `query` on the index, `publish`, `push` to a local Oxigraph server, `export` of the
graph to the spreadsheet templates and `import` of those sheets into a fresh workspace, and
`serve`: its start-up until the home page answers, then a resource page under load (Debian's
wrk). A query's rows are read as they arrive, so an answer over 10,000 rows gives its time to
the first 1,000 rows and its rows/s after. Figures accumulate in WORKDIR/commands.json and the
table between the `bench:commands` markers of docs/benchmarks.md is rewritten from it.
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
from esskg.i18n import say
from esskg.resources import packaged_root

START, END = "<!-- bench:commands -->", "<!-- /bench:commands -->"
FIRST_ROWS = 1_000
TIMEOUT_S = {
    "query": 600,
    "build": 600,
    "validate": 600,
    "publish": 900,
    "push": 600,
    "export": 600,
    "import": 1200,
    "serve": 600,
}
TARGETS_1M = {
    "build": "< 30 s, < 1.5 GB",
    "validate": "< 20 s, < 1.5 GB",
    "query": "< 250 ms (*)",
    "publish": "< 60 s",
}


def beside_python(name: str) -> str:
    """The command `name` installed with this Python (its venv's bin/), else the one on PATH.

    The benchmark times what a user of this installation types, even when its venv is not
    activated (`.venv/bin/esskg bench commands`).
    """
    here = Path(sys.executable).with_name(name)
    return str(here) if here.exists() else shutil.which(name) or name


ESSKG = beside_python("esskg")


def log(message: str) -> None:
    print(say(f"bench : {message}", f"bench: {message}"), file=sys.stderr, flush=True)


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
        if first is not None:
            # The reader may see the last rows only after the process has exited: they were
            # written before, so the exit time bounds them.
            first = min(first, seconds)
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
        log(say(f"{label} : génération de {data}", f"{label}: generating {data}"))
        write_file(data, triples, seed=seed, violations=0.0, progress=True)
    ws = workdir / f"ws-{label}-seed{seed}"
    if not (ws / "CITATION.cff").exists():
        shutil.rmtree(ws, ignore_errors=True)
        subprocess.run([ESSKG, "init", str(ws)], check=True, capture_output=True)
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
            beside_python("oxigraph"),
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
                ESSKG,
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


def time_import(ws: Path, scratch: Path) -> tuple[dict, dict]:
    """`esskg export` of the workspace to CSV sheets, then `esskg import` of them elsewhere.

    The sheets are those a user fills in, holding the generated graph: the rows match the data.
    They go into a fresh workspace (made by `esskg init`), as a CRESS would bring its register.
    """
    sheets = scratch / "sheets"
    log(say(f"{ws.name} : export", f"{ws.name}: export"))
    exported = timed(
        [ESSKG, "-C", str(ws), "export", "-o", str(sheets)], timeout=TIMEOUT_S["export"]
    )
    target = scratch / "ws-import"
    subprocess.run([ESSKG, "init", str(target)], check=True, capture_output=True)
    files = sorted(str(p) for p in sheets.glob("*.csv"))
    rows = 0
    for name in files:
        with open(name, "rb") as f:
            rows += max(sum(1 for _ in f) - 1, 0)  # less the header; a quoted newline counts
    log(say(f"{ws.name} : import de {rows:,} lignes", f"{ws.name}: import of {rows:,} rows"))
    imported = timed([ESSKG, "-C", str(target), "import", *files], timeout=TIMEOUT_S["import"])
    imported["rows"] = rows
    return exported, imported


def time_serve(ws: Path, duration: int = 5, connections: int = 16) -> dict:
    """`esskg serve`: seconds until its home page answers, then a resource page under wrk."""
    import urllib.request

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    server = subprocess.Popen(
        [ESSKG, "-C", str(ws), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out: dict = {"code": 0, "timeout": False, "lines": 0, "first_s": None}
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=5) as reply:
                    reply.read()
                break
            except OSError:
                if server.poll() is not None or time.perf_counter() - start > TIMEOUT_S["serve"]:
                    out.update(s=time.perf_counter() - start, code=server.poll() or 2)
                    out["timeout"] = server.poll() is None
                    return out
                time.sleep(0.05)
        out["s"] = time.perf_counter() - start
        if shutil.which("wrk"):
            # A partnership of the generated data: its page reads labels, links and SDG badges.
            page = base + _first_partnership(ws)
            with urllib.request.urlopen(page, timeout=30) as reply:  # a 404 would bench nothing
                reply.read()
            wrk = subprocess.run(
                ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", page],
                capture_output=True,
                text=True,
                timeout=duration + 60,
            )
            rate = re.search(r"Requests/sec:\s+([\d.]+)", wrk.stdout)
            p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", wrk.stdout)
            if rate and "Non-2xx" not in wrk.stdout:
                out["rps"] = float(rate.group(1))
            if p99:
                unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
                out["p99_ms"] = float(p99.group(1)) * unit
    finally:
        server.send_signal(signal.SIGINT)
        try:
            usage = os.wait4(server.pid, 0)[2]
            out["peak_mb"] = usage.ru_maxrss / 1024
        except ChildProcessError:
            out["peak_mb"] = 0.0
    return out


def _first_partnership(ws: Path) -> str:
    """The local path of a partnership in the generated data (the first one in the file)."""
    data = next((ws / "data" / "bench").glob("*.nt"))
    kind = b"<https://w3id.org/esskg/ontology#Partnership>"
    with data.open("rb") as f:
        for line in f:
            if kind in line and b"#type>" in line:
                iri = line.split(b">", 1)[0].lstrip(b"<").decode()
                return "/" + iri.removeprefix("https://w3id.org/esskg/")
    raise RuntimeError(f"no partnership in {data}")


COMMANDS = ("build", "validate", "queries", "publish", "push", "import", "serve")
# From this size on, the commands issue 11 sets a target for there (build, the queries) and
# serve: validate, publish, push and import of 5M triples take 10-20 GB and half an hour more,
# and no target says anything of them. `--only` times any of them at any size.
LARGE = 5_000_000
LARGE_COMMANDS = ("build", "queries", "serve")


def commands_for(triples: int, only: tuple[str, ...] | None) -> tuple[str, ...]:
    """The commands timed at a size: `only` when given, else all of them below LARGE."""
    if only:
        return only
    return COMMANDS if triples < LARGE else LARGE_COMMANDS


def bench_size(ws: Path, repeat: int, scratch: Path, only: tuple[str, ...] = COMMANDS) -> dict:
    from esskg.query import list_queries

    def run(name: str, argv: list[str], kind: str, n: int = 1) -> dict:
        runs = []
        for i in range(n):
            log(say(f"{ws.name} : {name} {i + 1}/{n}", f"{ws.name}: {name} {i + 1}/{n}"))
            runs.append(timed([ESSKG, "-C", str(ws), *argv], timeout=TIMEOUT_S[kind]))
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
        # The index goes, so that this query makes it as after a change of the data; build's
        # recorded gate stays, which publish reuses as it does after a build.
        for index in (ws / ".esskg").glob("store-*"):
            shutil.rmtree(index, ignore_errors=True)
        out["query-first"] = run("query levers (indexes)", ["query", "levers"], "build")
    queries = {}
    for query in list_queries(ws) if "queries" in only else []:
        graph = re.search(r"^\s*(CONSTRUCT|DESCRIBE)\b", query.text, re.M | re.I)
        # esskg query's own limit (60 s) would stop a query a benchmark wants the figure of.
        argv = ["query", query.name, "--format", "ntriples" if graph else "csv"]
        argv += ["--timeout", str(TIMEOUT_S["query"] - 10)]
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
        log(say(f"{ws.name} : push", f"{ws.name}: push"))
        out["push"] = time_push(ws, scratch)
    if "import" in only:
        out["export"], out["import"] = time_import(ws, scratch)
    if "serve" in only:
        log(say(f"{ws.name} : serve", f"{ws.name}: serve"))
        out["serve"] = time_serve(ws)
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
    if "rows" in r and not rows:  # import: rows read
        text += f", {r['rows']:,} rows"
    if rows:
        count = r["rows"]
        text += f", {count:,} rows"
        if count > 10 * FIRST_ROWS and r.get("first_s"):
            rate = (count - FIRST_ROWS) / max(r["s"] - r["first_s"], 1e-6)
            text += f"; first 1,000 in {r['first_s'] * 1000:,.0f} ms, then {rate:,.0f} rows/s"
    return text


def _serve_cell(r: dict | None) -> str:
    if not r or "rps" not in r:
        return "-"
    return f"{r['rps']:,.0f} req/s, p99 {r.get('p99_ms', 0):,.0f} ms"


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
    row("`esskg export` (the graph into the CSV sheets)", "export")
    row("`esskg import` of those sheets into a new workspace", "import")
    row("`esskg serve`, start-up until the home page answers", "serve")
    serve_cells = [_serve_cell(results["sizes"][s]["commands"].get("serve")) for s in sizes]
    lines.append(
        "| `esskg serve`, a partnership's page, 16 clients (wrk) | "
        + " | ".join(serve_cells)
        + " | ≥ 300 req/s, p99 < 100 ms |"
    )
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
    only: tuple[str, ...] | None = None,
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
            found = bench_size(
                ws, repeat if triples < 1_000_000 else 1, Path(scratch), commands_for(triples, only)
            )
        data = next((ws / "data" / "bench").glob("*.nt"))
        with data.open("rb") as f:
            count = sum(1 for _ in f)
        # Commands left out this time keep their figures from an earlier run.
        earlier = merged["sizes"].get(size_label(triples), {}).get("commands", {})
        found["queries"] = {**earlier.get("queries", {}), **found["queries"]}
        merged["sizes"][size_label(triples)] = {"triples": count, "commands": {**earlier, **found}}
        merged["sizes"] = dict(sorted(merged["sizes"].items(), key=lambda kv: kv[1]["triples"]))
        results_path.write_text(json.dumps(merged, indent=2) + "\n")
        if doc is not None:
            write_doc(merged, doc)
    return merged
