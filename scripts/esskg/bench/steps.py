"""One benchmark step per process: `python -m esskg.bench.steps STEP CONFIG_JSON`.

Each step runs in a fresh interpreter so that its peak resident memory (ru_maxrss, which sees the
Rust side of pyoxigraph and pyshacl-turbo, unlike tracemalloc) is its own. It prints one JSON
object per line on stdout: timings in seconds, `peak_mb`, and counts. The baseline step prints a
line after each phase, so a run stopped by the timeout still says how far it got.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from esskg.infer import closure_input, inferred_quads
from esskg.namespaces import graph_iri
from esskg.resources import project

# Values for the canned queries' required parameters, chosen to match the generated graph.
QUERY_PARAMS = {
    "field": "https://w3id.org/esskg/concept/field/cooperation-territoriale",
    "goal": "2",
    "partnership": "https://w3id.org/esskg/id/bench/partnership-0",
}


def _scratch(cfg: dict) -> tempfile.TemporaryDirectory:
    """A scratch folder in the work dir; the store's files may still be open when it goes."""
    return tempfile.TemporaryDirectory(dir=cfg["workdir"], ignore_cleanup_errors=True)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _emit(**fields: object) -> None:
    print(json.dumps({**fields, "peak_mb": round(_peak_mb(), 1)}), flush=True)


def _sources(root: str | None, data: str) -> list[tuple[Path, ox.RdfFormat, str]]:
    """The files of a build: ontology, controlled lists, the generated data (graph:source)."""
    layout = project(root)
    files = [(layout.ontology, ox.RdfFormat.TURTLE, graph_iri("ontology"))]
    for path in sorted((layout.data_dir / "vocabulary").glob("*.ttl")):
        files.append((path, ox.RdfFormat.TURTLE, graph_iri("vocabulary")))
    files.append((Path(data), ox.RdfFormat.N_TRIPLES, graph_iri("source")))
    return files


def bulk_load(store_dir: Path, root: str | None, data: str) -> ox.Store:
    """An on-disk Store with the build's files bulk-loaded, one named graph each, and
    graph:inferred, as esskg.load gives it."""
    store = ox.Store(str(store_dir))
    for path, rdf_format, graph in _sources(root, data):
        store.bulk_load(path=path, format=rdf_format, to_graph=ox.NamedNode(graph))
    store.bulk_extend(inferred_quads(closure_input(store)))
    return store


def memory_load(root: str | None, data: str) -> ox.Store:
    """An in-memory Store with the build's files loaded (Store.load), one named graph each, and
    graph:inferred."""
    store = ox.Store()
    for path, rdf_format, graph in _sources(root, data):
        store.load(path=path, format=rdf_format, to_graph=ox.NamedNode(graph))
    store.extend(inferred_quads(closure_input(store)))
    return store


def open_store(cfg: dict, folder: Path) -> ox.Store:
    """The store a build at this size uses: in memory (cfg["store"] == "memory") or on disk."""
    if cfg.get("store") == "memory":
        return memory_load(cfg.get("root"), cfg["data"])
    return bulk_load(folder, cfg.get("root"), cfg["data"])


def open_dataset(cfg: dict, folder: Path) -> ox.Dataset | ox.Store:
    """What validate and build read: in memory an ox.Dataset, literals as written (as
    load.load_dataset does); on disk the bulk-loaded Store."""
    if cfg.get("store") != "memory":
        return bulk_load(folder, cfg.get("root"), cfg["data"])
    quads = []
    for path, rdf_format, graph in _sources(cfg.get("root"), cfg["data"]):
        name = ox.NamedNode(graph)
        quads.extend(
            ox.Quad(t.subject, t.predicate, t.object, name)
            for t in ox.parse(path=path, format=rdf_format)
        )
    dataset = ox.Dataset(quads)
    for quad in inferred_quads(closure_input(dataset)):
        dataset.add(quad)
    return dataset


def union_triples(store: ox.Store):
    """The triples of every graph, streamed (a triple in two graphs comes out twice)."""
    return (ox.Triple(q.subject, q.predicate, q.object) for q in store)


def stream_dumps(store: ox.Store, outdir: Path) -> dict[str, float]:
    """Turtle and N-Triples of the union, streamed from the store; seconds per format."""
    from esskg.namespaces import PREFIXES

    times = {}
    for name, rdf_format, prefixes in (
        ("esskg.ttl", ox.RdfFormat.TURTLE, dict(PREFIXES)),
        ("esskg.nt", ox.RdfFormat.N_TRIPLES, None),
    ):
        start = time.perf_counter()
        with (outdir / name).open("wb") as out:
            ox.serialize(union_triples(store), out, rdf_format, prefixes=prefixes)
        times[name] = time.perf_counter() - start
    return times


def step_load(cfg: dict) -> None:
    with _scratch(cfg) as tmp:
        start = time.perf_counter()
        store = bulk_load(Path(tmp) / "store", cfg.get("root"), cfg["data"])
        seconds = time.perf_counter() - start
        _emit(load_s=seconds, triples=len(store))


def step_load_memory(cfg: dict) -> None:
    start = time.perf_counter()
    store = memory_load(cfg.get("root"), cfg["data"])
    seconds = time.perf_counter() - start
    _emit(load_s=seconds, triples=len(store))


def step_validate(cfg: dict) -> None:
    from esskg.validate import validate_store

    with _scratch(cfg) as tmp:
        store = open_dataset(cfg, Path(tmp) / "store")
        start = time.perf_counter()
        report = validate_store(store, Path(cfg["shapes"]), engine=cfg["engine"])
        seconds = time.perf_counter() - start
        _emit(validate_s=seconds, results=len(report.results), conforms=report.conforms)


def step_queries(cfg: dict) -> None:
    from esskg.query import execute, list_queries, solution_rows

    with _scratch(cfg) as tmp:
        store = open_store(cfg, Path(tmp) / "store")
        out = {}
        for query in list_queries(cfg.get("root")):
            if query.name != cfg["query"]:
                continue
            params = {p.name: QUERY_PARAMS[p.name] for p in query.params if p.name in QUERY_PARAMS}
            runs = []
            rows = 0
            for _ in range(cfg.get("query_runs", 3)):
                start = time.perf_counter()
                result = execute(store, query, params)
                rows = (
                    len(solution_rows(result))
                    if isinstance(result, ox.QuerySolutions)
                    else len(list(result))
                )
                runs.append(time.perf_counter() - start)
                if runs[-1] > 5:  # a slow query is slow: one run says enough
                    break
            out[query.name] = {
                "first_s": runs[0],
                "median_s": sorted(runs)[len(runs) // 2],
                "rows": rows,
            }
        _emit(queries=out)


def step_build(cfg: dict) -> None:
    """The proposed build at scale: load (memory or disk), validate (turbo), streamed dumps."""
    from esskg.validate import validate_store

    with _scratch(cfg) as tmp:
        start = time.perf_counter()
        store = open_dataset(cfg, Path(tmp) / "store")
        loaded = time.perf_counter()
        report = validate_store(store, Path(cfg["shapes"]), engine=cfg["engine"])
        validated = time.perf_counter()
        dumps = stream_dumps(store, Path(tmp))
        total = time.perf_counter() - start
        _emit(
            build_s=total,
            load_s=loaded - start,
            validate_s=validated - loaded,
            dump_ttl_s=dumps["esskg.ttl"],
            dump_nt_s=dumps["esskg.nt"],
            results=len(report.results),
        )


def step_dump_sorted(cfg: dict) -> None:
    """esskg.dump.write_dumps as it is: canonical blank nodes and sorted triples, held in memory."""
    from esskg.dump import write_dumps

    with _scratch(cfg) as tmp:
        store = open_store(cfg, Path(tmp) / "store")
        start = time.perf_counter()
        write_dumps(store, Path(tmp))
        _emit(dump_sorted_s=time.perf_counter() - start)


def step_baseline(cfg: dict) -> None:
    """What a user would otherwise write: an rdflib in-memory Graph, pyshacl, rdflib serializers."""
    import pyshacl
    import rdflib

    start = time.perf_counter()
    graph = rdflib.Graph()
    for path, rdf_format, _ in _sources(cfg.get("root"), cfg["data"]):
        graph.parse(path, format="nt" if rdf_format == ox.RdfFormat.N_TRIPLES else "turtle")
    parsed = time.perf_counter()
    _emit(phase="parse", parse_s=parsed - start, triples=len(graph))
    shapes = rdflib.Graph().parse(cfg["shapes"], format="turtle")
    _, report, _ = pyshacl.validate(
        graph, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    validated = time.perf_counter()
    results = len(set(report.subjects(rdflib.RDF.type, rdflib.SH.ValidationResult)))
    _emit(phase="validate", validate_s=validated - parsed, results=results)
    with _scratch(cfg) as tmp:
        graph.serialize(Path(tmp) / "esskg.ttl", format="turtle")
        serialized_ttl = time.perf_counter()
        graph.serialize(Path(tmp) / "esskg.nt", format="nt")
        done = time.perf_counter()
    _emit(
        phase="done",
        build_s=done - start,
        parse_s=parsed - start,
        validate_s=validated - parsed,
        dump_ttl_s=serialized_ttl - validated,
        dump_nt_s=done - serialized_ttl,
        results=results,
    )


STEPS = {
    "load": step_load,
    "load-memory": step_load_memory,
    "validate": step_validate,
    "queries": step_queries,
    "build": step_build,
    "dump-sorted": step_dump_sorted,
    "baseline": step_baseline,
}

if __name__ == "__main__":
    STEPS[sys.argv[1]](json.loads(sys.argv[2]))
