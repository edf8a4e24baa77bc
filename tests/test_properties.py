"""Property tests (hypothesis): what esskg writes reads back unchanged, and no bytes crash the loader.

- Any IRI pyoxigraph accepts and any literal (every code point but lone surrogates, odd language
  tags, typed values in non-canonical form) survives esskg's dumps (Turtle, N-Triples) and a strict
  re-parse, term for term: a changed byte in a lexical form would be a different term.
- Any bytes given to the loader end in a dataset or in esskg's LoadError, never another exception,
  and a failed add leaves the dataset as it was.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from esskg.dump import merged_triples, ntriples_bytes, turtle_bytes
from esskg.errors import LoadError
from esskg.load import USER_FORMATS, add_file, load_file

XSD = "http://www.w3.org/2001/XMLSchema#"
SUBJECT = ox.NamedNode("https://w3id.org/esskg/id/a")
PREDICATE = ox.NamedNode("https://w3id.org/esskg/ontology#p")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Every code point except the surrogates (category Cs), which no UTF-8 file can hold.
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
iri_chars = st.characters(
    min_codepoint=0x21, exclude_categories=("Cs",), exclude_characters='<>"{}|^`\\'
)
# Odd but well-formed: mixed case, long and numeric subtags, private use (fr-CA, Fr-x-Patois).
language_tags = st.from_regex(r"\A[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8}){0,3}\Z")
non_canonical = st.one_of(
    st.tuples(st.from_regex(r"\A[+-]?0{0,3}[0-9]{1,6}\Z"), st.just("integer")),
    st.tuples(st.from_regex(r"\A[+-]?[0-9]{1,4}\.[0-9]{0,4}0{0,3}\Z"), st.just("decimal")),
    st.tuples(st.sampled_from(["true", "false", "1", "0"]), st.just("boolean")),
    st.tuples(
        st.from_regex(r"\A[+-]?[0-9]{1,3}(\.[0-9]{1,3})?[eE][+-]?0?[0-9]{1,2}\Z"), st.just("double")
    ),
    st.tuples(st.sampled_from(["2020-01-01", "2020-01-01Z", "2020-01-01+02:00"]), st.just("date")),
)


@st.composite
def iris(draw: st.DrawFn) -> ox.NamedNode:
    path = draw(st.text(iri_chars, max_size=30))
    try:
        return ox.NamedNode("https://w3id.org/esskg/id/" + path)
    except ValueError:
        assume(False)  # not an IRI: the loader refuses those, tested elsewhere
        raise


@st.composite
def tagged(draw: st.DrawFn) -> ox.Literal:
    try:
        return ox.Literal(draw(any_text), language=draw(language_tags))
    except ValueError:
        assume(False)  # not BCP 47 ("a", "x-"): the parsers refuse it, tested elsewhere
        raise


literals = st.one_of(
    any_text.map(ox.Literal),
    tagged(),
    non_canonical.map(lambda t: ox.Literal(t[0], datatype=ox.NamedNode(XSD + t[1]))),
)


def _round_trip(triples: list[ox.Triple]) -> None:
    canonical = merged_triples(triples)
    for data, rdf_format, suffix in (
        (turtle_bytes(canonical), ox.RdfFormat.TURTLE, ".ttl"),
        (ntriples_bytes(canonical), ox.RdfFormat.N_TRIPLES, ".nt"),
    ):
        assert merged_triples(ox.parse(data, format=rdf_format, base_iri=None)) == canonical
        # and through esskg's own loader, from a file, as a user would hand it back
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"dump{suffix}"
            path.write_bytes(data)
            assert merged_triples(load_file(path, user=True)) == canonical


@SETTINGS
@given(st.lists(st.tuples(iris(), literals), min_size=1, max_size=5))
def test_iris_and_literals_survive_dump_and_strict_reparse(pairs):
    _round_trip([ox.Triple(iri, PREDICATE, literal) for iri, literal in pairs])


@SETTINGS
@given(literals)
def test_a_literal_keeps_every_byte(literal: ox.Literal):
    [triple] = merged_triples([ox.Triple(SUBJECT, PREDICATE, literal)])
    back = list(ox.parse(ntriples_bytes([triple]), format=ox.RdfFormat.N_TRIPLES))
    assert back[0].object.value.encode() == literal.value.encode()
    assert back[0].object == literal


@pytest.mark.parametrize("suffix", sorted(USER_FORMATS))
@SETTINGS
@given(
    data=st.one_of(
        st.binary(max_size=300),
        # bytes near valid RDF reach deeper into the parsers than noise does
        st.lists(
            st.sampled_from(
                [
                    b"<https://w3id.org/esskg/id/a>",
                    b" ",
                    b"\n",
                    b".",
                    b";",
                    b",",
                    b'"',
                    b"'",
                    b"@prefix",
                    b"ex:",
                    b"<",
                    b">",
                    b"(",
                    b")",
                    b"[",
                    b"]",
                    b"{",
                    b"}",
                    b"^^",
                    b"@fr",
                    b"_:b",
                    b"\\u00e9",
                    b"\xc3",
                    b"\x00",
                    b"#",
                    b'"""',
                    b"GRAPH",
                    b"a",
                ]
            ),
            max_size=40,
        ).map(b"".join),
    )
)
def test_any_bytes_load_or_give_a_load_error(suffix: str, data: bytes):
    dataset = ox.Dataset([ox.Quad(SUBJECT, PREDICATE, ox.Literal("before"))])
    before = set(dataset)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        try:
            add_file(dataset, path, user=True)
        except LoadError as e:
            assert str(e).startswith("input") or path.name in str(e)
            assert set(dataset) == before
