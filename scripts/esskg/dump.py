"""Writes the merged graph as deterministic Turtle and N-Triples: same input, same bytes."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from esskg.atomic import write_rdf_atomically
from esskg.namespaces import PREFIXES


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
    text = ox.serialize(
        (ox.Triple(s.subject, s.predicate, s.object) for s in source),
        format=ox.RdfFormat.N_TRIPLES,
    )
    # "_:" inside a literal sends the graph down the general path: as right, only slower.
    if b"_:" not in text:
        lines = sorted(set(text.splitlines(keepends=True)))
        return [q.triple for q in ox.parse(b"".join(lines), format=ox.RdfFormat.N_TRIPLES)]
    dataset = ox.Dataset(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in dataset}
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def turtle_bytes(triples: list[ox.Triple], prefixes: dict[str, str] | None = None) -> bytes:
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

    Pass the Dataset from load_dataset() to keep literals as written; a Store gives their values.
    """
    triples = merged_triples(source)
    written = []
    for name, data, rdf_format in (
        ("esskg.ttl", turtle_bytes(triples), ox.RdfFormat.TURTLE),
        ("esskg.nt", ntriples_bytes(triples), ox.RdfFormat.N_TRIPLES),
    ):
        target = Path(outdir) / name
        write_rdf_atomically(target, data, rdf_format, len(triples))
        written.append((target, len(triples)))
    return written
