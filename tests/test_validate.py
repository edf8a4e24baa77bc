from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.namespace import SH

from conftest import FILES, PROJECT
from esskg.errors import LoadError
from esskg.load import load_dataset
from esskg.validate import render_json, render_table, render_turtle, validate_store

SHAPES = PROJECT / "shapes" / "esskg-shapes.ttl"


def report_for(*names: str):
    return validate_store(
        load_dataset([FILES / n for n in names], include_project_data=False), SHAPES
    )


def test_project_fixture_conforms():
    report = validate_store(load_dataset(), SHAPES)
    assert report.conforms, render_table(report)
    assert report.results == []


def test_missing_label_is_a_violation_on_its_focus_node():
    report = report_for("actor-without-label.ttl")
    assert not report.conforms
    [result] = report.results
    assert str(result.focus) == "https://w3id.org/esskg/id/nameless"
    assert result.component == SH.MinCountConstraintComponent
    assert result.messages == {
        "fr": "Un acteur doit avoir un libellé.",
        "en": "An actor must have a label.",
    }


def test_subclass_instances_are_targeted_through_the_ontology(tmp_path: Path):
    coop = tmp_path / "coop.ttl"
    coop.write_text(
        "<https://w3id.org/esskg/id/c> a <https://w3id.org/esskg/ontology#Cooperative> .\n",
        encoding="utf-8",
    )
    report = validate_store(load_dataset([coop], include_project_data=False), SHAPES)
    assert [str(r.focus) for r in report.results] == ["https://w3id.org/esskg/id/c"]


def test_warnings_are_shown_but_do_not_fail(tmp_path: Path):
    path = tmp_path / "w.ttl"
    path.write_text(
        "@prefix esskg: <https://w3id.org/esskg/ontology#> .\n"
        '<https://w3id.org/esskg/id/w> a esskg:Actor ; <http://www.w3.org/2000/01/rdf-schema#label> "w" ;\n'
        "  esskg:worksOn <https://w3id.org/esskg/id/not-a-concept> .\n",
        encoding="utf-8",
    )
    report = validate_store(load_dataset([path], include_project_data=False), SHAPES)
    assert report.conforms
    assert [r.severity for r in report.results] == [SH.Warning]


def test_sparql_constraints_run(tmp_path: Path):
    path = tmp_path / "self.ttl"
    path.write_text(
        "@prefix esskg: <https://w3id.org/esskg/ontology#> .\n"
        '<https://w3id.org/esskg/id/s> a esskg:Actor ; <http://www.w3.org/2000/01/rdf-schema#label> "s" ;\n'
        "  esskg:partner <https://w3id.org/esskg/id/s> .\n",
        encoding="utf-8",
    )
    report = validate_store(load_dataset([path], include_project_data=False), SHAPES)
    assert not report.conforms
    assert report.results[0].component == SH.SPARQLConstraintComponent


def test_renderings():
    report = report_for("actor-without-label.ttl")
    table = render_table(report)
    assert (
        "id:nameless" in table
        and "rdfs:label" in table
        and "Un acteur doit avoir un libellé." in table
    )
    assert "An actor must have a label." in render_table(report, "en")
    [item] = json.loads(render_json(report))
    assert item["messages"] == {
        "en": "An actor must have a label.",
        "fr": "Un acteur doit avoir un libellé.",
    }
    assert item["focus"] == "https://w3id.org/esskg/id/nameless"
    assert render_turtle(report) == render_turtle(report_for("actor-without-label.ttl"))
    assert "sh:ValidationResult" in render_turtle(report)


def test_bad_shapes_file_is_a_load_error(tmp_path: Path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("sh:NodeShape a sh:Thing .\n", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        validate_store(load_dataset(), shapes)
    assert caught.value.line == 1


def test_sparql_constraint_messages_keep_their_language(tmp_path):
    # Regression: pyshacl drops the language tags of a SPARQL constraint's sh:message, so
    # `--lang en` printed whichever message came first.
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetNode ex:a ;
    sh:sparql [ sh:select "SELECT $this WHERE { }" ;
        sh:message "en français"@fr , "in English"@en ] .
""",
        encoding="utf-8",
    )
    a = ox.NamedNode("http://example.org/a")
    data = ox.Dataset([ox.Quad(a, a, a)])
    report = validate_store(data, shapes)
    (result,) = report.results
    assert result.messages == {"fr": "en français", "en": "in English"}
    assert result.message("en") == "in English"


def test_problem_table_cuts_a_long_text_never_an_iri():
    """The offending value is what a person looks for: an IRI is shown whole, a long text cut."""
    from esskg.errors import Problem
    from esskg.render import render_problems

    iri = "<https://w3id.org/esskg/concept/actor-kind/" + "a" * 40 + ">"
    text = "un texte assez long " * 5

    def problem(value: str) -> Problem:
        return Problem(
            file="f.ttl",
            line=3,
            code="shacl:ClassConstraintComponent",
            message_fr="m",
            message_en="m",
            node="id:x",
            path="esskg:actorKind",
            value=value,
            severity="Violation",
        )

    table = render_problems([problem(iri), problem(text)], "en")
    assert table.splitlines()[0].split() == [
        "severity",
        "file",
        "focus",
        "path",
        "value",
        "message",
    ]
    assert iri in table and "f.ttl:3" in table
    assert text not in table and text[:40] + "..." in table


def test_validating_the_project_names_the_file_and_line_of_each_focus(project_copy, capsys):
    # `esskg validate` reads the project as text (load.load_ntriples); the file column still
    # comes from the data files, only for the nodes some result is about.
    from esskg.cli import main

    (project_copy / "data" / "source" / "more.ttl").write_text(
        "@prefix esskg: <https://w3id.org/esskg/ontology#> .\n\n"
        "<https://w3id.org/esskg/id/described> a esskg:Actor ;\n"
        '    <http://www.w3.org/2000/01/rdf-schema#label> "d"@fr .\n'
        "<https://w3id.org/esskg/id/nameless> a esskg:Actor .\n",
        encoding="utf-8",
    )
    assert main(["--lang", "en", "validate", "--format", "json"]) == 1
    out, err = capsys.readouterr()
    [result] = json.loads(out)
    assert result["focus"] == "https://w3id.org/esskg/id/nameless"
    assert result["file"].endswith("data/source/more.ttl:5"), result
    # the count is that of the statements validated: load_quads' without graph:inferred
    from esskg.infer import INFERRED_GRAPH
    from esskg.load import load_quads

    quads = load_quads()
    asserted = [q for q in quads if q.graph_name.value != INFERRED_GRAPH]
    assert len(asserted) < len(quads)
    assert f"{len(asserted)} statements" in err


def test_each_focus_gets_the_first_line_that_names_it_when_many_share_files(project_copy, capsys):
    # All the focus nodes of a file are looked for in one reading of it (issue 11/9): a CURIE
    # that begins another (id:a, id:a.b), a name followed by more of a name (id:e-x), a node
    # named as an object before its own statements, a second file of the same folder.
    from esskg.cli import main

    folder = project_copy / "data" / "source"
    (folder / "more.ttl").write_text(
        "@prefix esskg: <https://w3id.org/esskg/ontology#> .\n"
        "@prefix id: <https://w3id.org/esskg/id/> .\n"
        "\n"
        "id:a a esskg:Actor .\n"
        "id:a.b a esskg:Actor .\n"
        "id:c esskg:partner id:d .\n"
        "<https://w3id.org/esskg/id/d> a esskg:Actor .\n"
        "# id:e_x and id:e-x are other actors\n"
        "id:e a esskg:Actor .\n",
        encoding="utf-8",
    )
    (folder / "zz.ttl").write_text(
        "<https://w3id.org/esskg/id/z> a <https://w3id.org/esskg/ontology#Actor> .\n",
        encoding="utf-8",
    )
    assert main(["--lang", "en", "validate", "--format", "json"]) == 1
    located = {
        r["focus"].rsplit("/", 1)[1]: r["file"].rsplit("/", 1)[1]
        for r in json.loads(capsys.readouterr().out)
    }
    assert located == {
        "a": "more.ttl:4",
        "a.b": "more.ttl:5",
        "d": "more.ttl:6",
        "e": "more.ttl:9",
        "z": "zz.ttl:1",
    }
