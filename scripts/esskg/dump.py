"""Writes the merged graph as deterministic Turtle and N-Triples: same input, same bytes."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox

from esskg.atomic import commit, discard, stage_rdf
from esskg.namespaces import PREFIXES


class StagedDump(NamedTuple):
    """A dump written and checked in `temp`, to become `target` (stage_dumps)."""

    temp: Path
    target: Path
    triples: int


def merged_triples(
    source: ox.Dataset | ox.Store | Iterable[ox.Quad | ox.Triple],
) -> list[ox.Triple]:
    """The union of all graphs, duplicates removed, blank nodes canonically named, sorted.

    Blank node labels from parsing are arbitrary, so they are renamed by RDFC-1.0: the same graph
    then always gets the same labels, and sorting gives the same order. Without blank nodes
    there is nothing to rename: the N-Triples lines are sorted as bytes (the order of the
    (subject, predicate, object) texts) and parsed back, a third of the time at a million
    triples, and the same triples in the same order.
    """
    return _merged(union_ntriples(source))


def _merged(text: bytes) -> list[ox.Triple]:
    """merged_triples() of the N-Triples `text`."""
    lines = _sorted_lines(text)
    if lines is not None:
        return [q.triple for q in ox.parse(lines, format=ox.RdfFormat.N_TRIPLES)]
    dataset = ox.Dataset(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in dataset}
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def union_ntriples(source: ox.Dataset | ox.Store | Iterable[ox.Quad | ox.Triple]) -> bytes:
    """The union of the graphs of `source` as N-Triples, as serialised (neither sorted nor
    made unique): what the SHACL engine is handed, since the shapes validate the union."""
    return ox.serialize(
        (ox.Triple(s.subject, s.predicate, s.object) for s in source),
        format=ox.RdfFormat.N_TRIPLES,
    )


def _sorted_lines(text: bytes) -> bytes | None:
    """N-Triples `text` with its lines unique and in byte order, or None if it has blank nodes.

    Those lines are the triples of merged_triples() as ntriples_bytes() writes them.
    """
    # "_:" inside a literal sends the graph down the general path: as right, only slower.
    if b"_:" in text:
        return None
    return b"".join(sorted(set(text.splitlines(keepends=True))))


def turtle_bytes(
    triples: Iterable[ox.Triple | ox.Quad], prefixes: dict[str, str] | None = None
) -> bytes:
    """Turtle with the project prefixes (or `prefixes`); sorted input keeps a subject together.

    The @prefix lines are sorted here: the serializer's own order is a hash order, not a promise.
    """
    prefixes = dict(PREFIXES) if prefixes is None else prefixes
    text = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    lines = text.splitlines(keepends=True)
    count = next(
        (i for i, line in enumerate(lines) if not line.startswith(b"@prefix ")), len(lines)
    )
    return b"".join(sorted(lines[:count])) + b"".join(lines[count:])


def ntriples_bytes(triples: list[ox.Triple]) -> bytes:
    """N-Triples with its lines in byte order, so `sort` and diff agree with esskg."""
    lines = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).splitlines(keepends=True)
    return b"".join(sorted(lines))


def write_dumps(
    source: ox.Dataset | ox.Store | Iterable[ox.Quad | ox.Triple], outdir: Path
) -> list[tuple[Path, int]]:
    """Write esskg.ttl and esskg.nt into `outdir`; returns each path with its triple count.

    Pass the Dataset from load_dataset() (or load_quads' list) to keep literals as written; a
    Store gives their values.
    """
    return write_dumps_from_ntriples(union_ntriples(source), outdir)


def write_dumps_from_ntriples(
    text: bytes, outdir: Path, *, in_order: bool = False
) -> list[tuple[Path, int]]:
    """write_dumps() of the N-Triples `text`; `in_order`: its lines are already unique and in
    byte order (load.load_ntriples() gives them so), not sorted again."""
    return commit_dumps(stage_dumps(text, outdir, in_order=in_order))


def stage_dumps(text: bytes, outdir: Path, *, in_order: bool = False) -> list[StagedDump]:
    """esskg.ttl and esskg.nt of the N-Triples `text` written and checked (each parses back to
    as many triples) in temp files of `outdir`, for commit_dumps() or discard_dumps().

    Without blank nodes the sorted lines are esskg.nt as they are, and the Turtle is written from
    them as they parse: no list of the triples is held.
    """
    lines = text if in_order and b"_:" not in text else _sorted_lines(text)
    if lines is None:
        triples = _merged(text)
        count = len(triples)
        dumps = {"esskg.ttl": turtle_bytes(triples), "esskg.nt": ntriples_bytes(triples)}
    else:
        count = lines.count(b"\n")
        dumps = {
            "esskg.ttl": turtle_bytes(ox.parse(lines, format=ox.RdfFormat.N_TRIPLES)),
            "esskg.nt": lines,
        }
    del text  # a graph-sized copy: gone before the files are written and checked
    staged: list[StagedDump] = []
    try:
        for name, rdf_format in (
            ("esskg.ttl", ox.RdfFormat.TURTLE),
            ("esskg.nt", ox.RdfFormat.N_TRIPLES),
        ):
            target = Path(outdir) / name
            temp = stage_rdf(target, dumps.pop(name), rdf_format, count)
            staged.append(StagedDump(temp, target, count))
    except BaseException:
        discard_dumps(staged)
        raise
    return staged


def commit_dumps(staged: list[StagedDump]) -> list[tuple[Path, int]]:
    """The staged dumps put in place; what was written, with its count of triples."""
    done = 0
    try:
        for dump in staged:
            commit(dump.temp, dump.target)
            done += 1
    except BaseException:
        discard_dumps(staged[done + 1 :])  # commit() removed the one it failed on
        raise
    return [(dump.target, dump.triples) for dump in staged]


def discard_dumps(staged: list[StagedDump]) -> None:
    """The staged dumps removed: nothing is written."""
    for dump in staged:
        discard(dump.temp)
