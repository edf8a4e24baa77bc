from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import FILES, PROJECT
from esskg.errors import EsskgError, LoadError
from esskg.i18n import set_language
from esskg.infer import closure_input, inferred_quads
from esskg.load import (
    add_file,
    load_dataset,
    load_file,
    load_ntriples,
    load_project,
    load_quads,
    with_inferred,
)
from esskg.namespaces import graph_iri
from esskg.resources import packaged_root

ID = "https://w3id.org/esskg/id/"


@pytest.fixture(autouse=True)
def english() -> None:
    """The messages these tests read are the English ones."""
    set_language("en")


ACTOR = ox.NamedNode("https://w3id.org/esskg/ontology#Actor")


def graphs(dataset: ox.Dataset) -> set[str]:
    return {q.graph_name.value for q in dataset}


def test_each_folder_lands_in_its_named_graph():
    dataset = load_dataset()
    assert graphs(dataset) == {
        graph_iri(name) for name in ("ontology", "vocabulary", "source", "mappings", "inferred")
    }


def test_a_data_folder_cannot_take_the_inferred_graphs_name(project_copy):
    (project_copy / "data" / "inferred").mkdir()
    with pytest.raises(EsskgError, match="reserved"):
        load_dataset()


def test_mapping_table_rows_become_triples_in_graph_mappings():
    store = load_project()
    found = store.query(
        "ASK { GRAPH <https://w3id.org/esskg/graph/mappings> { "
        "<https://w3id.org/esskg/sdg/2> <http://www.w3.org/2004/02/skos/core#exactMatch> "
        "<http://metadata.un.org/sdg/2> } }"
    )
    assert bool(found)


def test_user_files_leave_out_project_data_but_keep_ontology_and_vocabulary():
    dataset = load_dataset([FILES / "good-actor.ttl"], include_project_data=False)
    names = graphs(dataset)
    assert graph_iri("source") not in names
    assert graph_iri("mappings") not in names
    assert {
        graph_iri("ontology"),
        graph_iri("vocabulary"),
        (FILES / "good-actor.ttl").resolve().as_uri(),
    } <= names


def test_undeclared_prefix_names_file_line_column_and_hint():
    with pytest.raises(LoadError) as caught:
        load_file(FILES / "undeclared-prefix.ttl")
    error = caught.value
    assert error.path == FILES / "undeclared-prefix.ttl"
    assert (error.line, error.column) == (4, 1)
    assert "id:" in error.message
    assert "@prefix id: <" in error.hint
    assert "undeclared-prefix.ttl:4:1:" in str(error)


def test_turtle_syntax_error_names_line_and_column():
    with pytest.raises(LoadError) as caught:
        load_file(FILES / "missing-dot.ttl")
    assert (caught.value.line, caught.value.column) == (3, 1)
    assert "dot" in caught.value.message


def test_missing_file_says_to_check_it_exists(tmp_path: Path):
    with pytest.raises(LoadError) as caught:
        load_dataset([tmp_path / "nope.ttl"])
    assert "check the file exists" in str(caught.value)


def test_unknown_extension_lists_accepted_formats():
    with pytest.raises(LoadError) as caught:
        load_dataset([FILES / "data.json"])
    assert ".ttl" in caught.value.hint and ".trig" in caught.value.hint


def test_a_bad_file_adds_nothing(tmp_path: Path):
    # Its first triple is fine; only the second line is wrong. None of it may be kept.
    bad = tmp_path / "half.ttl"
    bad.write_text(
        "<https://w3id.org/esskg/id/half> a <https://w3id.org/esskg/ontology#Actor> .\n"
        "<https://w3id.org/esskg/id/x> a nope:Thing .\n",
        encoding="utf-8",
    )
    dataset = ox.Dataset()
    add_file(dataset, FILES / "good-actor.ttl", graph=graph_iri("source"))
    before = set(dataset)
    with pytest.raises(LoadError) as caught:
        add_file(dataset, bad, graph=graph_iri("source"))
    assert caught.value.line == 2
    assert set(dataset) == before


def test_a_bad_data_file_stops_the_whole_load(project_copy: Path):
    (project_copy / "data" / "source" / "zz.ttl").write_text(
        "<https://w3id.org/esskg/id/x> a nope:T .\n"
    )
    with pytest.raises(LoadError) as caught:
        load_dataset()
    assert caught.value.path.name == "zz.ttl"


def test_no_relative_iris():
    with pytest.raises(LoadError) as caught:
        load_dataset([FILES / "relative-iri.ttl"])
    assert "relative IRIs" in caught.value.hint


def test_fixture_project_is_used_not_the_real_one():
    assert any(
        q.subject == ox.NamedNode("https://w3id.org/esskg/id/1pacte") for q in load_dataset()
    )
    assert (PROJECT / "ontology" / "esskg.ttl").is_file()
    assert any(q.object == ACTOR for q in load_dataset())


# A partnership whose axis has a participant: the closures' memberships (esskg:within,
# org:organization, org:member) follow from it.
MEMBERSHIP_TTL = (
    "@prefix esskg: <https://w3id.org/esskg/ontology#> .\n"
    "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
    "<https://w3id.org/esskg/id/p> a esskg:Partnership ;\n"
    "    esskg:hasAxis <https://w3id.org/esskg/id/axis> .\n"
    "<https://w3id.org/esskg/id/axis> a esskg:CooperationAxis ;\n"
    "    prov:qualifiedAssociation <https://w3id.org/esskg/id/part> .\n"
    "<https://w3id.org/esskg/id/part> prov:agent <https://w3id.org/esskg/id/a> .\n"
)


def test_load_quads_holds_what_a_dataset_of_the_files_infers(tmp_path: Path):
    # load_quads finds the closures' input without a Dataset (load._PredicateIndex); they must
    # be those infer.closure_input finds in a Dataset of the same statements, memberships too.
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        MEMBERSHIP_TTL
        + "<https://w3id.org/esskg/id/t2> esskg:liesWithin <https://w3id.org/esskg/id/t1> .\n"
        "<https://w3id.org/esskg/id/t1> esskg:liesWithin <https://w3id.org/esskg/id/t0> .\n",
        encoding="utf-8",
    )
    quads = load_quads([extra])
    inferred = ox.NamedNode(graph_iri("inferred"))
    asserted = [q for q in quads if q.graph_name != inferred]
    expected = inferred_quads(closure_input(ox.Dataset(asserted)))
    assert [q for q in quads if q.graph_name == inferred] == expected
    said = {(q.subject.value, q.predicate.value, q.object.value) for q in expected}
    esskg, org, id_ = "https://w3id.org/esskg/ontology#", "http://www.w3.org/ns/org#", ID
    assert (id_ + "t2", esskg + "liesWithinTransitive", id_ + "t0") in said
    assert (id_ + "axis", esskg + "within", id_ + "p") in said
    assert (id_ + "part", org + "organization", id_ + "p") in said
    assert (id_ + "part", org + "member", id_ + "a") in said
    assert len(quads) == len(set(quads)) == len(load_dataset([extra]))


def test_two_files_writing_the_same_blank_node_label_describe_two_nodes(tmp_path: Path):
    # _:b0 is local to its file (RDF 1.1 Concepts 3.4): merging two files must not join them,
    # or validate and build would see one node where the store, and any RDF tool, sees two.
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    a.write_text('_:b0 <https://example.org/p> "1" .\n', encoding="utf-8")
    b.write_text('_:b0 <https://example.org/p> "2" .\n', encoding="utf-8")
    dataset = load_dataset([a, b], include_project_data=False)
    p = ox.NamedNode("https://example.org/p")
    subjects = {q.subject for q in dataset if q.predicate == p}
    assert len(subjects) == 2
    # within one file, one label is one node
    a.write_text('_:b0 <https://example.org/p> "1" .\n_:b0 <https://example.org/p> "3" .\n')
    assert len({q.subject for q in load_file(a)}) == 1


def _union_lines(quads: list[ox.Quad]) -> list[bytes]:
    text = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES)
    return sorted(set(text.splitlines(keepends=True)))


def test_load_ntriples_is_the_union_of_load_quads_and_counts_its_statements(tmp_path: Path):
    # build reads the graph as text (load_ntriples), validate as quads (load_quads): the gate
    # and the dumps must see the same statements, closures included, and say the same count.
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        MEMBERSHIP_TTL
        + '<https://w3id.org/esskg/id/t1> <http://example.org/n> "a \\" <https://w3id.org/esskg/'
        'ontology#liesWithin> b" ;\n'
        "    esskg:liesWithin <https://w3id.org/esskg/id/t0> .\n",
        encoding="utf-8",
    )
    # the same statements again in N-Quads, one of them in a graph of its own
    again = tmp_path / "again.nq"
    again.write_text(
        "<https://w3id.org/esskg/id/t2> <https://w3id.org/esskg/ontology#liesWithin> "
        "<https://w3id.org/esskg/id/t1> <https://example.org/g> .\n"
        "<https://w3id.org/esskg/id/part> <http://www.w3.org/ns/prov#agent> "
        "<https://w3id.org/esskg/id/a> .\n",
        encoding="utf-8",
    )
    quads = load_quads([extra, again])
    text, statements = load_ntriples([extra, again])
    assert statements == len(quads)
    assert text.splitlines(keepends=True) == _union_lines(quads)
    assert (
        b"<https://w3id.org/esskg/id/t2> <https://w3id.org/esskg/ontology#liesWithinTransitive> "
        b"<https://w3id.org/esskg/id/t0> .\n" in text
    )
    # the project alone too (no blank nodes in the fixture: the lines compare as they are)
    text, statements = load_ntriples()
    assert statements == len(load_quads())
    assert text.splitlines(keepends=True) == _union_lines(load_quads())


def test_load_ntriples_keeps_each_files_blank_nodes_apart(tmp_path: Path):
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    a.write_text('_:b0 <https://example.org/p> "1" .\n_:b0 <https://example.org/q> "1" .\n')
    b.write_text('_:b0 <https://example.org/p> "2" .\n', encoding="utf-8")
    text, _ = load_ntriples([a, b], include_project_data=False)
    p = ox.NamedNode("https://example.org/p")
    q = ox.NamedNode("https://example.org/q")
    triples = list(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))
    assert len({t.subject for t in triples if t.predicate == p}) == 2
    assert len({t.subject for t in triples if t.predicate in (p, q)}) == 2


XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(
    ("literal", "error"),
    [
        (f'"douze"^^<{XSD}integer>', "'douze' is not a valid xsd:integer"),
        (f'"2021-02-29"^^<{XSD}date>', "'2021-02-29' is not a valid xsd:date"),
        (f'"d\\u00F6uze"^^<{XSD}integer>', "'döuze' is not a valid xsd:integer"),
        (f'"12"^^<{XSD}integer>', None),
        (f'"2020-02-29"^^<{XSD}date>', None),
        # the pattern of a bad value inside a plain string is not a value
        (f'"x \\"douze\\"^^<{XSD}integer> y"', None),
    ],
)
def test_the_text_path_judges_typed_values_as_the_quads_path(tmp_path: Path, literal, error):
    path = tmp_path / "v.nt"
    path.write_text(
        f"<https://w3id.org/esskg/id/a> <http://example.org/p> {literal} .\n", encoding="utf-8"
    )
    if error is None:
        assert load_ntriples([path], include_project_data=False)[1] == len(
            load_quads([path], include_project_data=False)
        )
        return
    for load in (load_ntriples, load_quads):
        with pytest.raises(LoadError) as caught:
            load([path], include_project_data=False)
        assert error in str(caught.value)
        # an escaped value is not found as written in the file: its position is not given
        assert (":1:" in str(caught.value)) == ("\\u" not in literal)


def test_the_text_path_names_the_line_and_column_of_a_syntax_error(tmp_path: Path):
    path = tmp_path / "bad.ttl"
    path.write_text("<https://w3id.org/esskg/id/a> <http://example.org/p> .\n", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_ntriples([path], include_project_data=False)
    assert caught.value.line == 1 and caught.value.column


def test_load_ntriples_keeps_every_character_of_a_literal_and_reads_empty_files(tmp_path: Path):
    # The text path reads lines as a one-column table separated by U+0001: a literal holding
    # control characters, quotes, commas, a tab or a line break must come out as written.
    odd = tmp_path / "odd.ttl"
    odd.write_text(
        '<https://w3id.org/esskg/id/a> <http://example.org/p> "x\\u0001y, \\"z\\"\\t\\nw é" ,\n'
        '    "#not a comment"@fr , "\\r" , "" .\n',
        encoding="utf-8",
    )
    empty = tmp_path / "empty.ttl"
    empty.write_text("@prefix ex: <http://example.org/> .\n", encoding="utf-8")
    text, statements = load_ntriples([odd, empty], include_project_data=False)
    quads = load_quads([odd, empty], include_project_data=False)
    assert statements == len(quads)
    assert text.splitlines(keepends=True) == _union_lines(quads)
    assert b'"x\\u0001y, \\"z\\"\\t\\nw \xc3\xa9"' in text


def test_load_ntriples_does_not_read_back_a_files_inferred_graph(tmp_path: Path):
    # graph:inferred is made from the other graphs on every load, by either path; a file that
    # puts statements there is counted, not followed.
    stale = tmp_path / "stale.nq"
    stale.write_text(
        f"<{ID}t2> <https://w3id.org/esskg/ontology#liesWithin> <{ID}t1> <{graph_iri('inferred')}> .\n",
        encoding="utf-8",
    )
    text, statements = load_ntriples([stale], include_project_data=False)
    assert statements == len(load_quads([stale], include_project_data=False))
    assert b"liesWithinTransitive" not in text


@pytest.mark.parametrize("packaged", [False, True], ids=["fixture", "packaged"])
def test_the_text_without_graph_inferred_and_with_it_added_back(packaged: bool) -> None:
    # What build validates, then dumps: graph:inferred left out, then added back, gives the
    # same bytes as loading with it.
    root = packaged_root() if packaged else None
    full, statements = load_ntriples(root=root)
    asserted, counted = load_ntriples(root=root, inferred=False)
    quads = load_quads(root=root)
    inferred = [q for q in quads if q.graph_name == ox.NamedNode(graph_iri("inferred"))]
    assert inferred and counted == statements - len(inferred) == len(quads) - len(inferred)
    assert len(asserted) < len(full) and with_inferred(asserted) == full
