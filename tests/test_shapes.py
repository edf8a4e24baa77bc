"""The SHACL shapes (shapes/esskg-shapes.ttl) against fixtures and against the project's data.

Every node shape has a conforming fixture and failing ones in fixtures/shapes/, named
<shape>-valid.ttl and <shape>-invalid-<what>.ttl (<shape> is the shape's name in kebab case, without
"Shape"). Fixtures are validated as `esskg validate FILE` does it: with the ontology and the
controlled lists (data/vocabulary/), without the rest of the data. A failing fixture must produce
exactly the listed results, each given as (severity, focus node, node shape, constraint component,
property path or, for SHACL-SPARQL, the constraint's English sh:name).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, SH

import esskg
from esskg.load import load_dataset
from esskg.namespaces import to_curie
from esskg.resources import project
from esskg.validate import path_text, validate_store

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
SHAPES = "https://w3id.org/esskg/shapes#"
SHAPES_ONTOLOGY = rdflib.URIRef("https://w3id.org/esskg/shapes")

V, W = "Violation", "Warning"

# fixture -> the results it must produce, no more, no fewer
INVALID: dict[str, set[tuple[str, str, str, str, str]]] = {
    # Actor
    "actor-invalid-no-fr-label.ttl": {
        (V, "id:fx-actor", "ActorShape", "QualifiedMinCountConstraintComponent", "rdfs:label")
    },
    "actor-invalid-no-en-label.ttl": {
        (W, "id:fx-actor", "ActorShape", "QualifiedMinCountConstraintComponent", "rdfs:label")
    },
    "actor-invalid-two-fr-labels.ttl": {
        (V, "id:fx-actor", "ActorShape", "UniqueLangConstraintComponent", "rdfs:label")
    },
    "actor-invalid-no-kind.ttl": {
        (V, "id:fx-actor", "ActorShape", "MinCountConstraintComponent", "esskg:actorKind")
    },
    "actor-invalid-kind-out-of-scheme.ttl": {
        (V, "id:fx-actor", "ActorShape", "InConstraintComponent", "esskg:actorKind/skos:inScheme")
    },
    "actor-invalid-based-in-text.ttl": {
        (V, "id:fx-actor", "ActorShape", "ClassConstraintComponent", "esskg:basedIn")
    },
    # Territory
    "territory-invalid-insee-pattern.ttl": {
        (
            V,
            "id:fx-french-region",
            "TerritoryShape",
            "PatternConstraintComponent",
            "esskg:inseeCode",
        )
    },
    "territory-invalid-nuts-pattern.ttl": {
        (V, "id:fx-french-region", "TerritoryShape", "PatternConstraintComponent", "esskg:nutsCode")
    },
    "territory-invalid-iso-pattern.ttl": {
        (V, "id:fx-country", "TerritoryShape", "PatternConstraintComponent", "esskg:iso3166Code"),
        # the governorate's TN-82 no longer starts with its country's (now bad) code
        (
            V,
            "id:fx-region",
            "TerritoryShape",
            "SPARQLConstraintComponent",
            "ISO 3166-2 code of the containing country",
        ),
    },
    "territory-invalid-two-kinds.ttl": {
        (V, "id:fx-region", "TerritoryShape", "MaxCountConstraintComponent", "esskg:territoryKind")
    },
    "territory-invalid-kind-out-of-scheme.ttl": {
        (
            V,
            "id:fx-region",
            "TerritoryShape",
            "InConstraintComponent",
            "esskg:territoryKind/skos:inScheme",
        )
    },
    "territory-invalid-iso-country-prefix.ttl": {
        (
            V,
            "id:fx-region",
            "TerritoryShape",
            "SPARQLConstraintComponent",
            "ISO 3166-2 code of the containing country",
        )
    },
    "territory-invalid-cycle.ttl": {
        (
            V,
            "id:fx-north",
            "TerritoryShape",
            "SPARQLConstraintComponent",
            "no esskg:liesWithin cycle",
        ),
        (
            V,
            "id:fx-south",
            "TerritoryShape",
            "SPARQLConstraintComponent",
            "no esskg:liesWithin cycle",
        ),
        # going round in circles, neither reaches a country
        (
            W,
            "id:fx-north",
            "TerritoryShape",
            "HasValueConstraintComponent",
            "esskg:liesWithin*/esskg:territoryKind",
        ),
        (
            W,
            "id:fx-south",
            "TerritoryShape",
            "HasValueConstraintComponent",
            "esskg:liesWithin*/esskg:territoryKind",
        ),
    },
    # Partnership
    "partnership-invalid-decentralised-no-foreign.ttl": {
        (
            V,
            "id:fx-partnership",
            "PartnershipShape",
            "SPARQLConstraintComponent",
            "decentralised cooperation: a foreign territory",
        )
    },
    "partnership-invalid-decentralised-no-french.ttl": {
        (
            V,
            "id:fx-partnership",
            "PartnershipShape",
            "SPARQLConstraintComponent",
            "decentralised cooperation: a French territory",
        )
    },
    "partnership-invalid-one-territory.ttl": {
        (
            V,
            "id:fx-partnership",
            "PartnershipShape",
            "MinCountConstraintComponent",
            "esskg:involvesTerritory",
        )
    },
    "partnership-invalid-no-cooperation-type.ttl": {
        (
            V,
            "id:fx-partnership",
            "PartnershipShape",
            "MinCountConstraintComponent",
            "esskg:cooperationType",
        )
    },
    "partnership-invalid-no-participation.ttl": {
        (
            V,
            "id:fx-partnership",
            "PartnershipShape",
            "MinCountConstraintComponent",
            "prov:qualifiedAssociation",
        )
    },
    # Cooperation axis
    "cooperation-axis-invalid-no-partnership.ttl": {
        (V, "id:fx-axis", "CooperationAxisShape", "MinCountConstraintComponent", "^esskg:hasAxis")
    },
    "cooperation-axis-invalid-two-partnerships.ttl": {
        (V, "id:fx-axis", "CooperationAxisShape", "MaxCountConstraintComponent", "^esskg:hasAxis")
    },
    "cooperation-axis-invalid-start-date-text.ttl": {
        (V, "id:fx-axis", "CooperationAxisShape", "OrConstraintComponent", "schema:startDate")
    },
    "cooperation-axis-invalid-field-out-of-scheme.ttl": {
        (
            V,
            "id:fx-axis",
            "CooperationAxisShape",
            "InConstraintComponent",
            "esskg:activityField/skos:inScheme",
        )
    },
    # Activity
    "activity-invalid-no-type.ttl": {
        (V, "id:fx-activity", "ActivityShape", "MinCountConstraintComponent", "esskg:activityType")
    },
    "activity-invalid-type-out-of-scheme.ttl": {
        (
            V,
            "id:fx-activity",
            "ActivityShape",
            "InConstraintComponent",
            "esskg:activityType/skos:inScheme",
        )
    },
    "activity-invalid-orphan.ttl": {
        (V, "id:fx-activity", "ActivityShape", "MinCountConstraintComponent", "^esskg:hasActivity")
    },
    # Participation
    "participation-invalid-two-agents.ttl": {
        (
            V,
            "id:fx-activity-participation",
            "ParticipationShape",
            "MaxCountConstraintComponent",
            "prov:agent",
        )
    },
    "participation-invalid-agent-not-actor.ttl": {
        (
            V,
            "id:fx-activity-participation",
            "ParticipationShape",
            "ClassConstraintComponent",
            "prov:agent",
        )
    },
    "participation-invalid-no-role.ttl": {
        (
            V,
            "id:fx-activity-participation",
            "ParticipationShape",
            "MinCountConstraintComponent",
            "prov:hadRole",
        )
    },
    "participation-invalid-role-out-of-scheme.ttl": {
        (
            V,
            "id:fx-activity-participation",
            "ParticipationShape",
            "InConstraintComponent",
            "prov:hadRole/skos:inScheme",
        )
    },
    "participation-invalid-shared.ttl": {
        # one participation qualifies two things, and the activity's own is left unused
        (
            V,
            "id:fx-participation",
            "ParticipationShape",
            "MaxCountConstraintComponent",
            "^prov:qualifiedAssociation",
        ),
        (
            V,
            "id:fx-activity-participation",
            "ParticipationShape",
            "MinCountConstraintComponent",
            "^prov:qualifiedAssociation",
        ),
    },
    "participation-invalid-orphan.ttl": {
        (
            V,
            "id:fx-stray-participation",
            "ParticipationShape",
            "MinCountConstraintComponent",
            "^prov:qualifiedAssociation",
        )
    },
    "participation-invalid-headcount-negative.ttl": {
        (
            V,
            "id:fx-activity-participation",
            "ParticipationShape",
            "MinInclusiveConstraintComponent",
            "esskg:headcount",
        ),
        # a sign is not the canonical form a store gives back
        (
            V,
            "id:fx-activity-participation",
            "ParticipationShape",
            "PatternConstraintComponent",
            "esskg:headcount",
        ),
    },
    "participation-invalid-headcount-leading-zero.ttl": {
        (
            V,
            "id:fx-activity-participation",
            "ParticipationShape",
            "PatternConstraintComponent",
            "esskg:headcount",
        )
    },
    "participation-invalid-headcount-decimal.ttl": {
        (
            V,
            "id:fx-activity-participation",
            "ParticipationShape",
            "DatatypeConstraintComponent",
            "esskg:headcount",
        ),
        (
            V,
            "id:fx-activity-participation",
            "ParticipationShape",
            "PatternConstraintComponent",
            "esskg:headcount",
        ),
    },
    # Beneficiary group
    "beneficiary-group-invalid-orphan.ttl": {
        (
            V,
            "id:fx-group",
            "BeneficiaryGroupShape",
            "MinCountConstraintComponent",
            "^esskg:beneficiary",
        )
    },
    "beneficiary-group-invalid-headcount-decimal.ttl": {
        (
            V,
            "id:fx-group",
            "BeneficiaryGroupShape",
            "DatatypeConstraintComponent",
            "esskg:headcount",
        ),
        (
            V,
            "id:fx-group",
            "BeneficiaryGroupShape",
            "PatternConstraintComponent",
            "esskg:headcount",
        ),
    },
    # Programme, call, event
    "programme-invalid-two-fr-labels.ttl": {
        (V, "id:fx-programme", "ProgrammeShape", "UniqueLangConstraintComponent", "rdfs:label")
    },
    "programme-invalid-untagged-description.ttl": {
        (
            V,
            "id:fx-programme",
            "ProgrammeShape",
            "DatatypeConstraintComponent",
            "dcterms:description",
        )
    },
    "call-for-proposals-invalid-no-programme.ttl": {
        (
            V,
            "id:fx-call",
            "CallForProposalsShape",
            "MinCountConstraintComponent",
            "dcterms:isPartOf",
        )
    },
    "call-for-proposals-invalid-part-of-text.ttl": {
        (V, "id:fx-call", "CallForProposalsShape", "ClassConstraintComponent", "dcterms:isPartOf")
    },
    "event-invalid-date-text.ttl": {
        (V, "id:fx-event", "EventShape", "OrConstraintComponent", "schema:startDate")
    },
    "event-invalid-two-start-dates.ttl": {
        (V, "id:fx-event", "EventShape", "MaxCountConstraintComponent", "schema:startDate")
    },
    # Publication
    "bibliographic-resource-invalid-issued-datetime.ttl": {
        (
            V,
            "id:fx-publication",
            "BibliographicResourceShape",
            "OrConstraintComponent",
            "dcterms:issued",
        )
    },
    "bibliographic-resource-invalid-publisher-text.ttl": {
        (
            V,
            "id:fx-publication",
            "BibliographicResourceShape",
            "ClassConstraintComponent",
            "dcterms:publisher",
        )
    },
    # Post and organisational unit
    "post-invalid-no-post-in.ttl": {
        (V, "id:fx-post", "PostShape", "MinCountConstraintComponent", "org:postIn")
    },
    "post-invalid-lever-out-of-scheme.ttl": {
        (
            V,
            "id:fx-post",
            "PostShape",
            "InConstraintComponent",
            "esskg:illustratesLever/skos:inScheme",
        )
    },
    "organizational-unit-invalid-no-parent.ttl": {
        (V, "id:fx-service", "OrganizationalUnitShape", "MinCountConstraintComponent", "org:unitOf")
    },
    "organizational-unit-invalid-unit-of-territory.ttl": {
        (V, "id:fx-service", "OrganizationalUnitShape", "OrConstraintComponent", "org:unitOf")
    },
    # Concepts
    "concept-invalid-outside-schemes.ttl": {
        (V, "field:fx-arboriculture", "ConceptShape", "InConstraintComponent", "skos:inScheme")
    },
    "concept-invalid-two-schemes.ttl": {
        (
            V,
            "field:fx-arboriculture",
            "ConceptShape",
            "MaxCountConstraintComponent",
            "skos:inScheme",
        )
    },
    "concept-invalid-top-concept-one-way.ttl": {
        (
            V,
            "field:fx-arboriculture",
            "ConceptShape",
            "EqualsConstraintComponent",
            "^skos:hasTopConcept",
        )
    },
    "concept-invalid-two-fr-preflabels.ttl": {
        (
            V,
            "field:fx-arboriculture",
            "ConceptShape",
            "UniqueLangConstraintComponent",
            "skos:prefLabel",
        )
    },
    "concept-invalid-no-fr-preflabel.ttl": {
        (
            V,
            "field:fx-arboriculture",
            "ConceptShape",
            "QualifiedMinCountConstraintComponent",
            "skos:prefLabel",
        )
    },
    "narrower-concept-invalid-broader-other-scheme.ttl": {
        (
            V,
            "field:fx-arboriculture",
            "NarrowerConceptShape",
            "SPARQLConstraintComponent",
            "broader concept in the same scheme",
        )
    },
    # SDGs and links to them
    "sustainable-development-goal-invalid-out-of-range.ttl": {
        (
            V,
            "sdg:18",
            "SustainableDevelopmentGoalShape",
            "PatternConstraintComponent",
            "skos:notation",
        )
    },
    "sustainable-development-goal-invalid-notation-mismatch.ttl": {
        (
            V,
            "sdg:3",
            "SustainableDevelopmentGoalShape",
            "MaxCountConstraintComponent",
            "skos:notation",
        )
    },
    "sdg-contribution-invalid-unknown-target.ttl": {
        (
            V,
            "field:commerce-equitable",
            "SDGContributionShape",
            "OrConstraintComponent",
            "esskg:contributesToSDG",
        )
    },
    "sdg-contribution-invalid-un-goal.ttl": {
        (
            V,
            "field:commerce-equitable",
            "SDGContributionShape",
            "OrConstraintComponent",
            "esskg:contributesToSDG",
        )
    },
    "sdg-contribution-invalid-not-an-sdg.ttl": {
        (
            V,
            "field:commerce-equitable",
            "SDGContributionShape",
            "OrConstraintComponent",
            "esskg:contributesToSDG",
        )
    },
    "replaced-territory-invalid-no-end.ttl": {
        (
            V,
            "id:fx-old-region",
            "ReplacedTerritoryShape",
            "MinCountConstraintComponent",
            "dcterms:valid",
        )
    },
    # Blank nodes, completeness warnings, hierarchies, language tags, undeclared terms
    "actor-invalid-blank-node.ttl": {(V, "_:", "ActorShape", "NodeKindConstraintComponent", "")},
    "territory-invalid-no-country.ttl": {
        (
            W,
            "id:fx-town",
            "TerritoryShape",
            "HasValueConstraintComponent",
            "esskg:liesWithin*/esskg:territoryKind",
        )
    },
    "partnership-invalid-no-sdg.ttl": {
        (
            W,
            "id:fx-partnership",
            "PartnershipShape",
            "MinCountConstraintComponent",
            "(esskg:hasAxis|esskg:hasActivity)*/esskg:contributesToSDG",
        )
    },
    "narrower-concept-invalid-cycle.ttl": {
        (
            V,
            "field:fx-a",
            "NarrowerConceptShape",
            "SPARQLConstraintComponent",
            "no skos:broader cycle",
        ),
        (
            V,
            "field:fx-b",
            "NarrowerConceptShape",
            "SPARQLConstraintComponent",
            "no skos:broader cycle",
        ),
    },
    "text-language-invalid-regional-tag.ttl": {
        (V, "id:fx-actor", "TextLanguageShape", "SPARQLConstraintComponent", "rdfs:label")
    },
    "ontology-term-invalid-undeclared.ttl": {
        (V, "id:fx-actor", "OntologyTermShape", "SPARQLConstraintComponent", "rdf:type"),
        (V, "id:fx-actor", "OntologyTermShape", "SPARQLConstraintComponent", "esskg:worksOn"),
    },
}

VALID = sorted(p.name for p in FIXTURES.glob("*-valid.ttl"))

# The classes the data uses, each of which must be some node shape's target.
CLASSES = [
    "https://w3id.org/esskg/ontology#Actor",
    "https://w3id.org/esskg/ontology#Territory",
    "https://w3id.org/esskg/ontology#Partnership",
    "https://w3id.org/esskg/ontology#CooperationAxis",
    "https://w3id.org/esskg/ontology#Activity",
    "https://w3id.org/esskg/ontology#Participation",
    "https://w3id.org/esskg/ontology#BeneficiaryGroup",
    "https://w3id.org/esskg/ontology#Programme",
    "https://w3id.org/esskg/ontology#CallForProposals",
    "https://w3id.org/esskg/ontology#SustainableDevelopmentGoal",
    "https://schema.org/Event",
    "http://purl.org/dc/terms/BibliographicResource",
    "http://www.w3.org/ns/org#Post",
    "http://www.w3.org/ns/org#OrganizationalUnit",
    "http://www.w3.org/2004/02/skos/core#Concept",
]


@pytest.fixture(autouse=True)
def real_project(fixture_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The project's own shapes and vocabulary, not conftest's toy project (fixture_root set it)."""
    monkeypatch.delenv("ESSKG_ROOT", raising=False)


@functools.cache
def shapes_graph(path: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(path, format="turtle")


def shapes() -> rdflib.Graph:
    return shapes_graph(project().shapes)


def local(term: rdflib.term.Node) -> str:
    return re.split(r"[#/]", str(term))[-1]


def fixture_prefix(shape: rdflib.term.Node) -> str:
    """ActorShape -> actor, SDGContributionShape -> sdg-contribution."""
    name = local(shape).removesuffix("Shape")
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name).lower()


def node_shapes(graph: rdflib.Graph) -> list[rdflib.term.Node]:
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
    return sorted({s for t in targets for s in graph.subjects(t, None)}, key=str)


def constraints(graph: rdflib.Graph) -> list[tuple[rdflib.term.Node, rdflib.term.Node]]:
    """(node shape, property shape or SPARQL constraint) for every constraint that reports."""
    return [
        (shape, constraint)
        for shape in node_shapes(graph)
        for link in (SH.property, SH.sparql)
        for constraint in graph.objects(shape, link)
    ]


def english(graph: rdflib.Graph, node: rdflib.term.Node, predicate: rdflib.URIRef) -> str:
    return next(
        str(o) for o in graph.objects(node, predicate) if getattr(o, "language", None) == "en"
    )


def outcomes(report_graph: rdflib.Graph) -> set[tuple[str, str, str, str, str]]:
    """Each result as (severity, focus, node shape, component, path or SPARQL constraint name).

    Property shapes are blank nodes that get new ids on every parse, so a result is traced to its
    node shape through its English message, which the shapes keep unique (see a test below).
    """
    owner_by_message = {
        english(shapes(), constraint, SH.message): local(shape)
        for shape, constraint in constraints(shapes())
    }
    rows = set()
    for result in report_graph.subjects(RDF.type, SH.ValidationResult):
        source = report_graph.value(result, SH.sourceShape)
        path = report_graph.value(result, SH.resultPath)
        if isinstance(source, rdflib.URIRef):
            shape = local(source)
        else:
            messages = {str(m) for m in report_graph.objects(result, SH.resultMessage)}
            shape = next(owner_by_message[m] for m in messages if m in owner_by_message)
        constraint = report_graph.value(result, SH.sourceConstraint)
        if path is not None:
            what = path_text(report_graph, path)
        elif constraint is not None:
            what = english(report_graph, constraint, SH.name)
        else:  # a constraint of the node shape itself (sh:nodeKind)
            what = ""
        rows.add(
            (
                local(report_graph.value(result, SH.resultSeverity)),
                focus_text(report_graph.value(result, SH.focusNode)),
                shape,
                local(report_graph.value(result, SH.sourceConstraintComponent)),
                what,
            )
        )
    return rows


def focus_text(node: rdflib.term.Node) -> str:
    # A blank node gets a new label on every parse: "_:" says only that it is one.
    return "_:" if isinstance(node, rdflib.BNode) else to_curie(str(node))


def validate_fixture(name: str):
    # pyshacl-turbo, the engine esskg runs by default; test_fastvalidate runs pyshacl, the
    # reference engine, on every one of these fixtures and checks it gives the same report.
    return validate_store(
        load_dataset([FIXTURES / name], include_project_data=False), engine="turbo"
    )


@pytest.mark.parametrize("name", VALID, ids=lambda n: n.removesuffix(".ttl"))
def test_valid_fixture_conforms_without_warnings(name: str):
    report = validate_fixture(name)
    assert outcomes(report.graph) == set()
    assert report.conforms


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(name, expected, id=name.removesuffix(".ttl"))
        for name, expected in INVALID.items()
    ],
)
def test_invalid_fixture_trips_exactly_its_constraints(name: str, expected: set):
    report = validate_fixture(name)
    assert outcomes(report.graph) == expected
    assert report.conforms == all(severity == W for severity, *_ in expected)


def test_every_node_shape_has_a_valid_and_an_invalid_fixture():
    for shape in node_shapes(shapes()):
        prefix = fixture_prefix(shape)
        assert f"{prefix}-valid.ttl" in VALID, f"no fixtures/shapes/{prefix}-valid.ttl"
        invalid = [n for n in INVALID if n.startswith(f"{prefix}-invalid-")]
        assert invalid, f"no fixtures/shapes/{prefix}-invalid-<what>.ttl listed in INVALID"
        for name in invalid:
            assert {row[2] for row in INVALID[name]} >= {local(shape)}, name


def test_every_fixture_file_is_tested():
    on_disk = {p.name for p in FIXTURES.glob("*.ttl")}
    assert on_disk == set(VALID) | set(INVALID)


def test_every_class_in_use_has_a_node_shape():
    graph = shapes()
    targeted = {str(c) for c in graph.objects(None, SH.targetClass)}
    assert set(CLASSES) <= targeted
    rdf_type = ox.NamedNode(str(RDF.type))
    used = {q.object.value for q in load_dataset().quads_for_predicate(rdf_type)}
    # Classes of things the shapes need not describe: the schemes themselves, the provenance
    # records of data/meta/, the publication series.
    unshaped = (
        used
        - targeted
        - {
            "http://www.w3.org/2002/07/owl#Class",
            "http://www.w3.org/2002/07/owl#ObjectProperty",
            "http://www.w3.org/2002/07/owl#DatatypeProperty",
            "http://www.w3.org/2002/07/owl#TransitiveProperty",
            "http://www.w3.org/2002/07/owl#Ontology",
            "http://www.w3.org/ns/prov#Entity",
            "http://www.w3.org/ns/prov#Agent",
            "http://www.w3.org/2004/02/skos/core#ConceptScheme",
            "http://www.w3.org/2004/02/skos/core#Collection",
            "http://www.w3.org/ns/prov#Role",
            "https://schema.org/CreativeWorkSeries",
        }
    )
    assert not unshaped, f"classes without a node shape: {sorted(unshaped)}"


def test_every_constraint_has_a_message_in_french_and_english():
    graph = shapes()
    missing = []
    for shape, constraint in constraints(graph):
        languages = {getattr(m, "language", None) for m in graph.objects(constraint, SH.message)}
        if not {"fr", "en"} <= languages:
            missing.append(f"{local(shape)}: {sorted(map(str, languages))}")
    assert not missing, missing
    # Constraints sit only in property shapes and SPARQL constraints, which carry the messages.
    direct = {p for shape in node_shapes(graph) for p in graph.predicates(shape, None)}
    allowed = {
        RDF.type,
        SH.targetClass,
        SH.targetNode,
        SH.targetSubjectsOf,
        SH.targetObjectsOf,
        SH.target,
        SH.nodeKind,
        SH.message,
        SH.property,
        SH.sparql,
        SH.name,
        SH.description,
    }
    assert direct <= allowed, direct - allowed


def test_english_messages_name_their_shape_unambiguously():
    graph = shapes()
    messages = [english(graph, constraint, SH.message) for _, constraint in constraints(graph)]
    duplicates = sorted({m for m in messages if messages.count(m) > 1})
    assert not duplicates, duplicates


def test_shapes_graph_header():
    graph = shapes()
    assert (SHAPES_ONTOLOGY, RDF.type, OWL.Ontology) in graph
    assert str(graph.value(SHAPES_ONTOLOGY, OWL.versionInfo)) == esskg.__version__
    titles = {t.language for t in graph.objects(SHAPES_ONTOLOGY, rdflib.DCTERMS.title)}
    assert titles == {"fr", "en"}
    assert all(str(s).startswith(SHAPES) for s in node_shapes(graph))


def test_project_data_conforms():
    report = validate_store(load_dataset(), engine="pyshacl")
    violations = sorted(r for r in outcomes(report.graph) if r[0] == V)
    assert report.conforms, violations
