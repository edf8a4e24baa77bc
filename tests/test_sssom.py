from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import PROJECT
from esskg.errors import LoadError
from esskg.sssom import (
    JUSTIFICATIONS,
    PREDICATES,
    mapping_set_rdf,
    mapping_triples,
    read_mapping_set,
    read_mapping_table,
)

# The messages read below are the English ones.
pytestmark = pytest.mark.usefixtures("english")

XSD = "http://www.w3.org/2001/XMLSchema#"
TABLE = PROJECT / "data" / "mappings" / "links.sssom.tsv"
HEADER = (
    "# curie_map:\n"
    '#   wd: "http://www.wikidata.org/entity/"\n'
    "# mapping_set_id: https://w3id.org/esskg/mappings/test\n"
    "subject_id\tpredicate_id\tobject_id\tmapping_justification\n"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.sssom.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_yaml_header_gives_the_curie_map_and_the_set_metadata(tmp_path: Path):
    path = write(
        tmp_path,
        "# curie_map:\n"
        '#   a: "http://a/"\n'
        "#   b: 'http://b/'\n"
        "#   c: http://c/\n"
        "# mapping_set_id: https://w3id.org/esskg/mappings/t\n"
        "# mapping_date: 2026-11-26\n"
        "subject_id\tpredicate_id\tobject_id\tmapping_justification\n",
    )
    mapping_set = read_mapping_set(path)
    assert mapping_set.curie_map == {"a": "http://a/", "b": "http://b/", "c": "http://c/"}
    assert mapping_set.metadata["mapping_set_id"] == "https://w3id.org/esskg/mappings/t"
    assert mapping_set.rows == []


def test_a_header_that_is_not_yaml_names_its_line(tmp_path: Path):
    path = write(tmp_path, '# curie_map:\n#   a: "http://a/\n# license: x\n' + HEADER)
    with pytest.raises(LoadError) as caught:
        read_mapping_table(path)
    assert caught.value.line is not None and "YAML" in caught.value.message


@pytest.mark.parametrize(
    ("cell", "column", "nearest"),
    [
        ("semapv:ManualMapingCuration", "mapping_justification", "semapv:ManualMappingCuration"),
        ("semapv:LexicalMatch", "mapping_justification", "semapv:LexicalMatching"),
        ("skos:exactMach", "predicate_id", "skos:exactMatch"),
        ("esskg:contributesToSdg", "predicate_id", "esskg:contributesToSDG"),
    ],
)
def test_a_justification_or_predicate_typo_is_refused_with_the_nearest_valid_value(
    tmp_path: Path, cell: str, column: str, nearest: str
):
    cells = {
        "subject_id": "sdg:2",
        "predicate_id": "skos:exactMatch",
        "object_id": "wd:Q1",
        "mapping_justification": "semapv:ManualMappingCuration",
    }
    cells[column] = cell
    path = write(tmp_path, HEADER + "\t".join(cells.values()) + "\n")
    with pytest.raises(LoadError) as caught:
        read_mapping_table(path)
    error = caught.value
    line = (HEADER + "\t".join(cells.values())).splitlines()[4]
    assert (error.line, error.field) == (5, column)
    assert error.column == line.index(cell) + 1
    assert f"did you mean {nearest}?" in str(error)
    assert f"t.sssom.tsv:5:{error.column}:" in str(error)


def test_every_shipped_table_uses_known_justifications_and_predicates():
    # The real tables load (the check passes on them) and use the usual terms.
    root = Path(__file__).resolve().parents[1] / "data"
    tables = sorted(root.glob("*/*.sssom.tsv"))
    assert tables, "the project ships its mapping tables"
    for table in tables:
        for row in read_mapping_table(table):
            assert row.justification in JUSTIFICATIONS and row.predicate in PREDICATES


def test_sssom_rdf_is_the_set_and_one_reified_axiom_per_row():
    mapping_set = read_mapping_set(TABLE)
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in mapping_set_rdf(mapping_set))
    rows = list(
        store.query(
            """PREFIX owl: <http://www.w3.org/2002/07/owl#>
            PREFIX sssom: <https://w3id.org/sssom/>
            PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
            SELECT ?s ?p ?o ?j ?c ?comment WHERE {
              <https://w3id.org/esskg/mappings/test> a sssom:MappingSet ;
                <http://purl.org/dc/terms/license> <https://creativecommons.org/licenses/by/4.0/> ;
                sssom:mappings ?a .
              ?a a owl:Axiom ; owl:annotatedSource ?s ; owl:annotatedProperty ?p ;
                 owl:annotatedTarget ?o ; sssom:mapping_justification ?j ; sssom:confidence ?c .
              OPTIONAL { ?a rdfs:comment ?comment }
            } ORDER BY ?s"""
        )
    )
    assert len(rows) == 2
    first = rows[0]
    assert first["s"].value == "https://w3id.org/esskg/id/1pacte"
    assert first["o"].value == "http://www.wikidata.org/entity/Q42"
    assert first["j"].value == "https://w3id.org/semapv/vocab/ManualMappingCuration"
    assert float(first["c"].value) == 0.9
    assert first["c"].datatype == ox.NamedNode(XSD + "double")
    assert first["comment"] is None
    assert rows[1]["comment"] == ox.Literal("the UN goal")


def test_rows_are_expanded_with_their_line_numbers():
    rows = read_mapping_table(TABLE)
    assert [r.line for r in rows] == [9, 10]
    first = rows[0]
    assert (first.subject, first.predicate, first.object) == (
        "https://w3id.org/esskg/sdg/2",
        "http://www.w3.org/2004/02/skos/core#exactMatch",
        "http://metadata.un.org/sdg/2",
    )
    assert first.justification == "https://w3id.org/semapv/vocab/ManualMappingCuration"
    assert first.confidence == 1.0 and first.comment == "the UN goal"
    assert rows[1].object == "http://www.wikidata.org/entity/Q42"
    assert rows[1].comment is None
    assert [str(t.object) for t in mapping_triples(rows)] == [
        "<http://metadata.un.org/sdg/2>",
        "<http://www.wikidata.org/entity/Q42>",
    ]


def test_unknown_prefix_names_physical_line_and_column(tmp_path: Path):
    path = write(
        tmp_path,
        HEADER + "sdg:2\tskos:exactMatch\twd:Q1\tsemapv:ManualMappingCuration\n\n"
        "sdg:3\tskos:exactMatch\tnope:Q1\tsemapv:ManualMappingCuration\n",
    )
    with pytest.raises(LoadError) as caught:
        read_mapping_table(path)
    assert caught.value.line == 7
    assert caught.value.field == "object_id"
    assert "nope:" in caught.value.message


def test_a_value_that_is_not_a_curie_is_refused(tmp_path: Path):
    path = write(tmp_path, HEADER + "sdg 2\tskos:exactMatch\twd:Q1\tsemapv:ManualMappingCuration\n")
    with pytest.raises(LoadError) as caught:
        read_mapping_table(path)
    assert (caught.value.line, caught.value.field) == (5, "subject_id")


def test_missing_column_is_named(tmp_path: Path):
    path = write(
        tmp_path,
        '# curie_map:\n#   wd: "http://www.wikidata.org/entity/"\n'
        "subject_id\tpredicate_id\tobject_id\nsdg:2\tskos:exactMatch\twd:Q1\n",
    )
    with pytest.raises(LoadError) as caught:
        read_mapping_table(path)
    assert "mapping_justification" in caught.value.message
    assert caught.value.line == 3


def test_a_row_with_too_few_cells_is_refused(tmp_path: Path):
    path = write(tmp_path, HEADER + "sdg:2\tskos:exactMatch\twd:Q1\n")
    with pytest.raises(LoadError) as caught:
        read_mapping_table(path)
    assert caught.value.line == 5


def test_curie_map_may_not_redefine_a_project_prefix(tmp_path: Path):
    path = write(
        tmp_path,
        '# curie_map:\n#   sdg: "http://metadata.un.org/sdg/"\n' + HEADER.split("\n", 3)[3],
    )
    with pytest.raises(LoadError, match="sdg"):
        read_mapping_table(path)


def test_confidence_must_be_between_0_and_1(tmp_path: Path):
    text = HEADER.replace("mapping_justification\n", "mapping_justification\tconfidence\n")
    path = write(
        tmp_path, text + "sdg:2\tskos:exactMatch\twd:Q1\tsemapv:ManualMappingCuration\t1.5\n"
    )
    with pytest.raises(LoadError) as caught:
        read_mapping_table(path)
    assert caught.value.field == "confidence"


def test_build_fails_on_a_misspelt_justification_naming_file_line_and_column(
    project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    from esskg.cli import main

    table = project_copy / "data" / "mappings" / "links.sssom.tsv"
    text = table.read_text(encoding="utf-8")
    table.write_text(
        text.replace("ManualMappingCuration\t0.9", "ManualMapingCuration\t0.9"), encoding="utf-8"
    )
    assert main(["build", "-o", str(tmp_path / "dist")]) == 2
    err = capsys.readouterr().err
    assert "links.sssom.tsv:10:34: 'semapv:ManualMapingCuration'" in err
    assert "did you mean semapv:ManualMappingCuration?" in err
    assert "Traceback" not in err and not (tmp_path / "dist").exists()
