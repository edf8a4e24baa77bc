from __future__ import annotations

from pathlib import Path

import pytest

from conftest import PROJECT
from esskg.errors import LoadError
from esskg.sssom import mapping_triples, read_curie_map, read_mapping_table

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


def test_curie_map_block_is_read_without_yaml():
    lines = [
        " curie_map:",
        '   a: "http://a/"',
        "   b: 'http://b/'",
        "   c: http://c/",
        " license: x",
        "   d: no",
    ]
    assert read_curie_map(lines) == {"a": "http://a/", "b": "http://b/", "c": "http://c/"}


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
