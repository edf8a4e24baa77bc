from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

import esskg.atomic
from esskg.convert import to_rdflib
from esskg.dump import (
    merged_triples,
    ntriples_bytes,
    turtle_bytes,
    union_ntriples,
    write_dumps,
    write_dumps_from_ntriples,
)
from esskg.load import load_dataset

MEMBER_COUNT = rdflib.URIRef("https://w3id.org/esskg/ontology#memberCount")


def test_integer_lexical_form_survives_to_rdflib():
    graph = to_rdflib(load_dataset())
    values = list(graph.objects(None, MEMBER_COUNT))
    assert values == [
        rdflib.Literal("01", datatype=rdflib.URIRef("http://www.w3.org/2001/XMLSchema#integer"))
    ]
    assert str(values[0]) == "01"


def test_lexical_form_survives_a_validation_run():
    # Regression: pyshacl.validate() sets rdflib.NORMALIZE_LITERALS back to True when it returns.
    from conftest import PROJECT
    from esskg.validate import validate_store

    validate_store(load_dataset(), PROJECT / "shapes" / "esskg-shapes.ttl")
    assert rdflib.NORMALIZE_LITERALS is False
    assert [str(v) for v in to_rdflib(load_dataset()).objects(None, MEMBER_COUNT)] == ["01"]


def test_plain_strings_stay_untyped_and_languages_are_kept():
    e = ox.NamedNode("http://example.org/e")
    graph = to_rdflib(
        [ox.Triple(e, e, ox.Literal("a")), ox.Triple(e, e, ox.Literal("b", language="fr"))]
    )
    assert set(graph.objects()) == {rdflib.Literal("a"), rdflib.Literal("b", lang="fr")}


def test_integer_lexical_form_survives_to_the_dumps(tmp_path: Path):
    write_dumps(load_dataset(), tmp_path)
    assert '"01"^^<http://www.w3.org/2001/XMLSchema#integer>' in (tmp_path / "esskg.nt").read_text()
    assert "esskg:memberCount 01" in (tmp_path / "esskg.ttl").read_text()


def test_two_builds_give_the_same_bytes(tmp_path: Path):
    first = write_dumps(load_dataset(), tmp_path / "a")
    second = write_dumps(load_dataset(), tmp_path / "b")
    assert [n for _, n in first] == [n for _, n in second]
    for name in ("esskg.ttl", "esskg.nt"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_build_writes_what_the_in_memory_canonical_path_writes(tmp_path: Path):
    # build validates and dumps from one N-Triples text (load.load_ntriples), not a Dataset:
    # its files are byte for byte those of merged_triples' sorted, canonical triples.
    from esskg.build import build

    passed, written = build(tmp_path / "built")
    triples = merged_triples(load_dataset())
    assert passed and [n for _, n in written] == [len(triples)] * 2
    assert (tmp_path / "built" / "esskg.nt").read_bytes() == ntriples_bytes(triples)
    assert (tmp_path / "built" / "esskg.ttl").read_bytes() == turtle_bytes(triples)


def test_dumps_with_blank_nodes_come_from_the_canonical_path(tmp_path: Path):
    e = ox.NamedNode("http://example.org/e")
    quads = [ox.Quad(e, e, ox.BlankNode("b1")), ox.Quad(ox.BlankNode("b1"), e, ox.Literal("x"))]
    # even when told its lines are in order (load_ntriples' text with blank nodes)
    text = b"".join(sorted(set(union_ntriples(quads).splitlines(keepends=True))))
    write_dumps_from_ntriples(text, tmp_path, in_order=True)
    assert (tmp_path / "esskg.nt").read_bytes() == ntriples_bytes(merged_triples(quads))


def test_blank_nodes_get_stable_labels():
    def triples(label: str) -> list[ox.Triple]:
        e, b = ox.NamedNode("http://example.org/e"), ox.BlankNode(label)
        return [ox.Triple(e, e, b), ox.Triple(b, e, ox.Literal("x"))]

    assert merged_triples(triples("first")) == merged_triples(triples("other"))


def test_dumps_merge_graphs_and_drop_duplicates(tmp_path: Path):
    e = ox.NamedNode("http://example.org/e")
    quads = [
        ox.Quad(e, e, e, ox.NamedNode("http://example.org/g1")),
        ox.Quad(e, e, e, ox.NamedNode("http://example.org/g2")),
    ]
    assert write_dumps(quads, tmp_path) == [(tmp_path / "esskg.ttl", 1), (tmp_path / "esskg.nt", 1)]


def test_nt_lines_are_sorted(tmp_path: Path):
    write_dumps(load_dataset(), tmp_path)
    lines = (tmp_path / "esskg.nt").read_bytes().splitlines()
    assert lines == sorted(lines) and len(lines) == len(set(lines))


def test_failed_reparse_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    write_dumps(load_dataset(), tmp_path)
    before = (tmp_path / "esskg.ttl").read_bytes()
    monkeypatch.setattr(esskg.atomic, "count_triples", lambda path, fmt: -1)
    with pytest.raises(OSError, match="se relit en"):
        write_dumps([ox.Triple(*(ox.NamedNode("http://example.org/e"),) * 3)], tmp_path)
    assert (tmp_path / "esskg.ttl").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["esskg.nt", "esskg.ttl"]


def test_unparsable_output_is_never_put_in_place(tmp_path: Path):
    target = tmp_path / "x.ttl"
    target.write_bytes(b"old")
    with pytest.raises(SyntaxError):
        esskg.atomic.write_rdf_atomically(target, b"<broken", ox.RdfFormat.TURTLE, 1)
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]


def test_dumps_are_readable_by_others_not_private_temp_files(tmp_path: Path):
    # mkstemp creates 0600 files; a published dump must get an ordinary file's mode.
    target = tmp_path / "out.nt"
    esskg.atomic.write_atomically(target, b"")
    assert target.stat().st_mode & 0o044 == 0o044
    target.chmod(0o640)
    esskg.atomic.write_atomically(target, b"")
    assert target.stat().st_mode & 0o777 == 0o640
