"""The benchmark: per size, generate the graph, then time each step in a process of its own.

Steps (see steps.py): load (bulk, on-disk store), validate (fast engine), the canned queries,
build (load + validate + streamed Turtle and N-Triples dumps), the current sorted dump, and the
baseline (rdflib Graph + pyshacl + rdflib serializers) under a timeout. Medians over --repeat
runs; the baseline runs once. Results accumulate in a JSON file, one entry per size, and
docs/benchmarks.md is written from all the sizes it holds.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from esskg.bench.generate import parse_size, size_label, write_file
from esskg.fastvalidate import resolve_engine
from esskg.i18n import say
from esskg.resources import project

BASELINE_TIMEOUT_S = 600
QUERY_TIMEOUT_S = 20  # per canned query; a query slower than this at one size is not rerun larger
TARGETS = {
    1_000_000: {"build_s": 35, "speedup": 15, "query_ms": 250, "peak_mb": 1536},
    5_000_000: {"build_s": 240, "peak_mb": 3072},
}
LOAD_TARGET = 300_000  # triples per second
STEPS = ("load", "validate", "queries", "build", "dump-sorted", "baseline")
# From this size on the build keeps its store on disk (bulk load): memory then stays bounded.
DISK_FROM = 2_000_000


def log(message: str) -> None:
    print(say(f"bench : {message}", f"bench: {message}"), file=sys.stderr, flush=True)


def run_step(step: str, cfg: dict, timeout: float | None = None) -> list[dict]:
    """Run one step in a fresh interpreter at low priority; its JSON lines ([] lines on timeout)."""
    cmd = ["nice", "-n", str(cfg.get("nice", 10)), sys.executable, "-m", "esskg.bench.steps", step]
    cmd.append(json.dumps(cfg))
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env=os.environ.copy()
        )
        stdout, code = done.stdout, done.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout or b""
        stdout, code = out.decode() if isinstance(out, bytes) else out, None
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    if code not in (0, None):
        raise RuntimeError(f"step {step} failed ({code}):\n{done.stderr[-2000:]}")
    if code is None:
        lines.append({"timeout": True})
    return lines


def median_of(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if key in r]
    return statistics.median(values) if values else None


def bench_size(triples: int, cfg: dict, repeat: int, baseline: bool) -> dict:
    """All the steps for one size; a dict of medians and peaks."""
    label = size_label(triples)
    data = Path(cfg["workdir"]) / f"esskg-{label}-seed{cfg['seed']}-v{cfg['violations']}.nt"
    if not data.exists():
        log(say(f"{label} : génération de {data}", f"{label}: generating {data}"))
        write_file(data, triples, seed=cfg["seed"], violations=cfg["violations"], progress=True)
    step_cfg = {**cfg, "data": str(data), "store": "memory" if triples < DISK_FROM else "disk"}
    out: dict = {"triples_requested": triples, "file_mb": round(data.stat().st_size / 2**20, 1)}

    def timed(step: str, n: int, timeout: float | None = None) -> list[dict]:
        runs = []
        for i in range(n):
            log(say(f"{label} : {step} {i + 1}/{n}", f"{label}: {step} {i + 1}/{n}"))
            start = time.perf_counter()
            runs.append(run_step(step, step_cfg, timeout)[-1])
            took = time.perf_counter() - start
            log(
                say(
                    f"{label} : {step} {i + 1}/{n} fait en {took:.1f} s",
                    f"{label}: {step} {i + 1}/{n} done in {took:.1f} s",
                )
            )
        return runs

    wanted = set(cfg.get("steps") or STEPS)
    out["store"] = step_cfg["store"]
    if "load" in wanted:
        loads = timed("load", repeat)
        out["triples"] = loads[0]["triples"]
        out["load_s"] = median_of(loads, "load_s")
        out["load_peak_mb"] = max(r["peak_mb"] for r in loads)
        memory_loads = timed("load-memory", repeat)
        out["load_memory_s"] = median_of(memory_loads, "load_s")
        out["load_memory_peak_mb"] = max(r["peak_mb"] for r in memory_loads)
    if "validate" in wanted:
        validations = timed("validate", repeat)
        out["validate_s"] = median_of(validations, "validate_s")
        out["validate_peak_mb"] = max(r["peak_mb"] for r in validations)
        out["results"] = validations[0]["results"]
    if "queries" in wanted:
        out["queries"] = time_queries(cfg, step_cfg, label)
    if "build" in wanted:
        builds = timed("build", repeat)
        for key in ("build_s", "dump_ttl_s", "dump_nt_s"):
            out[key] = median_of(builds, key)
        out["build_peak_mb"] = max(r["peak_mb"] for r in builds)
    if "dump-sorted" in wanted:
        sorted_dump = timed("dump-sorted", 1)[0]
        out["dump_sorted_s"] = sorted_dump["dump_sorted_s"]
        out["dump_sorted_peak_mb"] = sorted_dump["peak_mb"]
    if baseline and "baseline" in wanted:
        out["baseline"] = time_baseline(cfg, step_cfg, label)
    return out


def time_queries(cfg: dict, step_cfg: dict, label: str) -> dict:
    """Each canned query in a process of its own, stopped after QUERY_TIMEOUT_S."""
    from esskg.query import list_queries

    out: dict = {}
    for query in list_queries(cfg.get("root")):
        if query.name in cfg.get("slow_queries", {}):
            out[query.name] = {"timeout_s": QUERY_TIMEOUT_S, "skipped": True}
            continue
        log(
            say(
                f"{label} : requête {query.name} (arrêtée après {QUERY_TIMEOUT_S} s)",
                f"{label}: query {query.name} (stopped after {QUERY_TIMEOUT_S} s)",
            )
        )
        lines = run_step("queries", {**step_cfg, "query": query.name}, timeout=QUERY_TIMEOUT_S + 60)
        found = lines[-1].get("queries", {}).get(query.name) if lines else None
        if found is None or lines[-1].get("timeout") or found["median_s"] > QUERY_TIMEOUT_S:
            out[query.name] = {"timeout_s": QUERY_TIMEOUT_S}
            cfg.setdefault("slow_queries", {})[query.name] = label
        else:
            out[query.name] = found
    return out


def time_baseline(cfg: dict, step_cfg: dict, label: str) -> dict:
    """rdflib + pyshacl once, stopped after BASELINE_TIMEOUT_S (and not rerun larger then)."""
    if cfg.get("baseline_timed_out"):
        return {"timeout": True, "elapsed_s": BASELINE_TIMEOUT_S, "skipped": True}
    log(
        say(
            f"{label} : référence rdflib + pyshacl (arrêtée après {BASELINE_TIMEOUT_S} s)",
            f"{label}: baseline rdflib + pyshacl (stopped after {BASELINE_TIMEOUT_S} s)",
        )
    )
    start = time.perf_counter()
    lines = run_step("baseline", step_cfg, timeout=BASELINE_TIMEOUT_S)
    elapsed = time.perf_counter() - start
    last = lines[-1]
    phases = [line for line in lines if "phase" in line]
    stopped = last.get("timeout")
    log(
        say(
            f"{label} : référence {'arrêtée' if stopped else 'faite'} après {elapsed:.0f} s",
            f"{label}: baseline {'stopped' if stopped else 'done'} after {elapsed:.0f} s",
        )
    )
    if last.get("timeout"):
        cfg["baseline_timed_out"] = label
    return {
        "timeout": bool(last.get("timeout")),
        "elapsed_s": elapsed,
        "reached": phases[-1]["phase"] if phases else "start",
        **{k: v for line in phases for k, v in line.items() if k != "phase"},
    }


def machine() -> dict:
    """What the figures were measured on."""
    import pyoxigraph
    import pyshacl
    import rdflib

    try:
        import pyshacl_turbo

        turbo = pyshacl_turbo.__version__
    except ImportError:
        turbo = "not installed"
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem, 1),
        "python": platform.python_version(),
        "pyoxigraph": pyoxigraph.__version__,
        "rdflib": rdflib.__version__,
        "pyshacl": pyshacl.__version__,
        "pyshacl-turbo": turbo,
    }


def run(
    sizes: list[int],
    *,
    workdir: Path,
    results_path: Path,
    doc_path: Path | None,
    seed: int = 1,
    violations: float = 0.01,
    repeat: int = 3,
    baseline_max: int = 1_000_000,
    engine: str = "auto",
    root: Path | str | None = None,
    command: str = "",
    steps: tuple[str, ...] = STEPS,
) -> dict:
    """Benchmark each size, merge into results_path, rewrite doc_path; the merged results."""
    workdir.mkdir(parents=True, exist_ok=True)
    shapes = project(root).shapes
    cfg = {
        "workdir": str(workdir.resolve()),
        "root": str(project(root).root),
        "shapes": str(shapes),
        "seed": seed,
        "violations": violations,
        "engine": resolve_engine(engine),
        "steps": list(steps),
    }
    merged = json.loads(results_path.read_text()) if results_path.exists() else {}
    merged.setdefault("sizes", {})
    for triples in sizes:
        # At 1M and up a step takes minutes on 2 shared cores: one run each.
        reps = repeat if triples < 1_000_000 else 1
        # Steps left out this time (--steps) keep their figures from an earlier run.
        earlier = merged["sizes"].get(size_label(triples), {})
        fresh = bench_size(triples, cfg, reps, triples <= baseline_max)
        merged["sizes"][size_label(triples)] = {**earlier, **fresh}
        merged["sizes"][size_label(triples)]["repeat"] = reps
        merged.update(machine=machine(), engine=cfg["engine"], shapes=_rel(shapes), seed=seed)
        if set(steps) == set(STEPS):
            merged["command"] = command
        merged.update(violations=violations, command=merged.get("command") or command)
        results_path.parent.mkdir(parents=True, exist_ok=True)
        results_path.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
        if doc_path is not None:
            from esskg.bench.report import write_doc

            write_doc(merged, doc_path)
    return merged


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def sizes_arg(text: str) -> list[int]:
    return [parse_size(item) for item in text.split(",") if item.strip()]
