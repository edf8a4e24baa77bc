"""`esskg publish`: every file re-parses to the project's graph, the catalogue tells the truth about the
files and the data, two runs give the same bytes, a failed dump keeps the previous release, and the
landing page renders in a real browser.

One publish run is shared by the module (publishing takes seconds); tests that need their own
release copy it or publish into their own folder.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from esskg import __version__
from esskg.cli import main
from esskg.load import load_dataset, load_project
from esskg.publish import formats as publish_formats
from esskg.publish import publish
from esskg.publish.catalog import void_statistics
from esskg.publish.page import landing_page, sdg_chart_svg
from esskg.publish.tables import neutralise

# The messages read below are the English ones.
pytestmark = pytest.mark.usefixtures("english")

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
URI_SPACE = "https://w3id.org/esskg/"
XSD = "http://www.w3.org/2001/XMLSchema#"
FILES = Path(__file__).parent / "fixtures" / "files"
CHROMIUM = Path("/usr/bin/chromium")
# The real project (the repository this test file belongs to): a release is about the real data.
ROOT = Path(__file__).resolve().parents[1]

# file -> (pyoxigraph format, keeps the named graphs)
RDF_FILES = {
    "esskg.ttl": (ox.RdfFormat.TURTLE, False),
    "esskg.nt": (ox.RdfFormat.N_TRIPLES, False),
    "esskg.jsonld": (ox.RdfFormat.JSON_LD, False),
    "esskg.trig": (ox.RdfFormat.TRIG, True),
    "esskg.nq": (ox.RdfFormat.N_QUADS, True),
}


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return load_project(root=ROOT)


@pytest.fixture(scope="module")
def statements() -> ox.Dataset:
    """The project's statements exactly as written (a Store keeps typed literals by value)."""
    return load_dataset(root=ROOT)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return publish(tmp_path_factory.mktemp("dist"), root=ROOT)


@pytest.fixture(scope="module")
def catalog(release: Path) -> ox.Store:
    catalog = ox.Store()
    catalog.load(path=release / "catalog.ttl", format=ox.RdfFormat.TURTLE)
    return catalog


def _canonical(quads: list[ox.Quad]) -> set[str]:
    # Compared as N-Quads text: literals must then match character for character.
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in dataset}


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _values(
    catalog: ox.Store, subject: ox.NamedNode, predicate: str
) -> list[ox.NamedNode | ox.Literal]:
    return [q.object for q in catalog.quads_for_pattern(subject, ox.NamedNode(predicate), None)]


def _dataset(catalog: ox.Store) -> ox.NamedNode:
    (quad,) = catalog.quads_for_pattern(
        None, ox.NamedNode(RDF_TYPE), ox.NamedNode(DCAT + "Dataset")
    )
    return quad.subject


def _integer(catalog: ox.Store, subject: ox.NamedNode, predicate: str) -> int:
    (value,) = _values(catalog, subject, predicate)
    return int(value.value)


# --- every format holds the project's graph -------------------------------------------------


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("name", sorted(RDF_FILES))
def test_each_dump_reparses_to_the_project_graph(
    release: Path, statements: ox.Dataset, name: str, gz: bool
) -> None:
    rdf_format, keeps_graphs = RDF_FILES[name]
    path = release / (name + ".gz" if gz else name)
    parsed = list(ox.parse(_read(path), format=rdf_format, base_iri=None))
    if keeps_graphs:
        expected = list(statements)
        assert {q.graph_name for q in parsed} == {q.graph_name for q in statements}
    else:
        expected = [ox.Quad(q.subject, q.predicate, q.object) for q in statements]
    assert _canonical(parsed) == _canonical(expected)


def test_gzip_variants_carry_no_time_or_name(release: Path) -> None:
    for path in release.glob("*.gz"):
        header = path.read_bytes()[:10]
        assert header[4:8] == b"\0\0\0\0", f"{path.name}: gzip mtime is set"
        assert header[3] & 0x08 == 0, f"{path.name}: gzip stores a file name"


def test_jsonld_is_compact_and_uses_the_context_beside_it_without_fetching(release: Path) -> None:
    document = json.loads((release / "esskg.jsonld").read_text(encoding="utf-8"))
    context = json.loads((release / "context.jsonld").read_text(encoding="utf-8"))
    assert isinstance(document["@context"], dict), "the context must be inline, not a URL to fetch"
    assert document["@context"] == context["@context"]
    assert context["@context"]["esskg"] == "https://w3id.org/esskg/ontology#"
    ids = [node["@id"] for node in document["@graph"]]
    assert "id:cooperation-normandie-medenine" in ids, "IRIs should be compacted with the prefixes"


def test_ontology_and_shapes_are_their_own_files_and_no_rdfxml(
    release: Path, store: ox.Store
) -> None:
    ontology = list(ox.parse((release / "ontology.ttl").read_bytes(), format=ox.RdfFormat.TURTLE))
    graph = ox.NamedNode(URI_SPACE + "graph/ontology")
    expected = [
        ox.Quad(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, graph)
    ]
    assert _canonical(ontology) == _canonical(expected)
    version_iri = [q.object.value for q in ontology if q.predicate.value.endswith("owl#versionIRI")]
    assert version_iri == [f"https://w3id.org/esskg/ontology/{__version__}"]
    shapes = list(ox.parse((release / "shapes.ttl").read_bytes(), format=ox.RdfFormat.TURTLE))
    assert any(q.object.value == "http://www.w3.org/ns/shacl#NodeShape" for q in shapes)
    assert not [p for p in release.iterdir() if p.suffix in {".rdf", ".owl", ".xml"}]


def test_release_is_versioned(release: Path, catalog: ox.Store) -> None:
    assert release.name == __version__
    dataset = _dataset(catalog)
    assert dataset.value.endswith("/" + __version__)
    assert _values(catalog, dataset, "http://www.w3.org/2002/07/owl#versionIRI") == [dataset]
    urls = [
        q.object.value
        for q in catalog.quads_for_pattern(None, ox.NamedNode(DCAT + "downloadURL"), None)
    ]
    assert urls and all(
        u.startswith(f"https://w3id.org/esskg/dataset/{__version__}/") for u in urls
    )


# --- the catalogue ------------------------------------------------------------------------------


def test_every_file_is_listed_with_its_true_size_and_checksum(
    release: Path, catalog: ox.Store
) -> None:
    listed = {}
    for quad in catalog.quads_for_pattern(None, ox.NamedNode(DCAT + "downloadURL"), None):
        dist = quad.subject
        name = quad.object.value.rsplit("/", 1)[1]
        path = release / name
        assert path.is_file(), f"{name} is in catalog.ttl but not in the release"
        data = path.read_bytes()
        assert _integer(catalog, dist, DCAT + "byteSize") == len(data), name
        (checksum,) = _values(catalog, dist, SPDX + "checksum")
        assert _values(catalog, checksum, SPDX + "algorithm") == [
            ox.NamedNode(SPDX + "checksumAlgorithm_sha256")
        ]
        (value,) = _values(catalog, checksum, SPDX + "checksumValue")
        assert value.value == hashlib.sha256(data).hexdigest(), name
        assert _values(catalog, dist, DCAT + "mediaType"), name
        assert _values(catalog, dist, "http://purl.org/dc/terms/license"), name
        listed[name] = dist
    on_disk = {p.name for p in release.iterdir()} - {"catalog.ttl"}
    assert set(listed) == on_disk


def _shacl_violations(data: Path | str, shapes: Path, inference: str) -> list[tuple[str, str]]:
    """(path, constraint component) of every sh:Violation pyshacl finds."""
    import pyshacl
    import rdflib

    graph = rdflib.Graph()
    if isinstance(data, str):
        graph.parse(data=data, format="turtle")
    else:
        graph.parse(data, format="turtle")
    _, report, _ = pyshacl.validate(
        graph,
        shacl_graph=rdflib.Graph().parse(shapes, format="turtle"),
        inference=inference,
        allow_warnings=True,
    )
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    return sorted(
        (str(report.value(r, sh.resultPath)), str(report.value(r, sh.sourceConstraintComponent)))
        for r in report.subjects(rdflib.RDF.type, sh.ValidationResult)
        if report.value(r, sh.resultSeverity) == sh.Violation
    )


DCAT_AP_CLASSES = Path(publish_formats.__file__).with_name("dcat-ap-classes.ttl")
DCAT_AP_OFFICIAL = ROOT.parent / "shared" / "reference" / "dcat-ap" / "dcat-ap-3.0.0-SHACL.ttl"


def test_catalog_passes_the_dcat_ap_class_ranges_kept_in_the_package(release: Path) -> None:
    assert _shacl_violations(release / "catalog.ttl", DCAT_AP_CLASSES, "none") == []
    # The same check trips on a catalogue whose media types are left untyped, as they were.
    text = (release / "catalog.ttl").read_text(encoding="utf-8")
    untyped = "\n".join(line for line in text.splitlines() if "dcterms:MediaType" not in line)
    found = _shacl_violations(untyped, DCAT_AP_CLASSES, "none")
    assert found and {p for p, _ in found} == {
        "http://www.w3.org/ns/dcat#mediaType",
        "http://www.w3.org/ns/dcat#compressFormat",
    }


@pytest.mark.skipif(
    not DCAT_AP_OFFICIAL.is_file(), reason="../shared (DCAT-AP 3.0.0 shapes) absent"
)
@pytest.mark.parametrize("inference", ["rdfs", "none"])
def test_catalog_conforms_to_the_official_dcat_ap_3_shapes(release: Path, inference: str) -> None:
    assert _shacl_violations(release / "catalog.ttl", DCAT_AP_OFFICIAL, inference) == []


def test_dcat_dataset_has_the_required_description(catalog: ox.Store) -> None:
    dataset = _dataset(catalog)
    dct = "http://purl.org/dc/terms/"
    for predicate in ("title", "description", "publisher", "issued", "modified", "spatial"):
        assert _values(catalog, dataset, dct + predicate), predicate
    assert {v.value.rsplit("/", 1)[1] for v in _values(catalog, dataset, dct + "language")} == {
        "FRA",
        "ENG",
    }
    assert _values(catalog, dataset, dct + "license") == [
        ox.NamedNode("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    ]
    conforms = {v.value for v in _values(catalog, dataset, dct + "conformsTo")}
    assert "https://w3id.org/esskg/ontology" in conforms
    assert any("shapes" in c for c in conforms)
    assert _values(catalog, dataset, DCAT + "theme")
    onto = ox.NamedNode(dataset.value + "#ontology.ttl")
    assert _values(catalog, onto, dct + "license") == [
        ox.NamedNode("https://creativecommons.org/licenses/by/4.0/")
    ]


def test_void_figures_equal_counts_over_the_published_ntriples_text(
    release: Path, catalog: ox.Store
) -> None:
    # Counted on the text of esskg.nt, not with esskg's code: one statement per line, and
    # subject and predicate never hold a space, so "s p object ." splits at the first two.
    lines = (release / "esskg.nt").read_text(encoding="utf-8").splitlines()
    triples = [line.removesuffix(" .").split(" ", 2) for line in lines]
    subjects = {s for s, _, _ in triples}
    rdf_type = f"<{RDF_TYPE}>"
    dataset = _dataset(catalog)
    assert _integer(catalog, dataset, VOID + "triples") == len(set(lines)) == len(lines)
    assert _integer(catalog, dataset, VOID + "distinctSubjects") == len(subjects)
    assert _integer(catalog, dataset, VOID + "distinctObjects") == len({o for _, _, o in triples})
    assert _integer(catalog, dataset, VOID + "properties") == len({p for _, p, _ in triples})
    classes = Counter(o.strip("<>") for _, p, o in triples if p == rdf_type)
    assert _integer(catalog, dataset, VOID + "classes") == len(classes)
    entities = {s for s in subjects if s.startswith(f"<{URI_SPACE}")}
    assert _integer(catalog, dataset, VOID + "entities") == len(entities)

    for part in _values(catalog, dataset, VOID + "classPartition"):
        (cls,) = _values(catalog, part, VOID + "class")
        assert _integer(catalog, part, VOID + "entities") == classes.pop(cls.value)
    assert not classes, f"classes without a partition: {sorted(classes)}"
    properties = Counter(p.strip("<>") for _, p, _ in triples)
    for part in _values(catalog, dataset, VOID + "propertyPartition"):
        (prop,) = _values(catalog, part, VOID + "property")
        assert _integer(catalog, part, VOID + "triples") == properties.pop(prop.value)
    assert not properties, f"properties without a partition: {sorted(properties)}"

    # One subset per named graph, sized by the lines of esskg.nq that end in that graph.
    quads = (release / "esskg.nq").read_text(encoding="utf-8").splitlines()
    graphs = Counter(line.rsplit(" ", 2)[1].strip("<>") for line in quads)
    for subset in _values(catalog, dataset, VOID + "subset"):
        seen = _values(catalog, subset, "http://www.w3.org/2000/01/rdf-schema#seeAlso")
        if seen:
            assert _integer(catalog, subset, VOID + "triples") == graphs.pop(seen[0].value)
    assert not graphs, f"graphs without a subset: {sorted(graphs)}"

    (space,) = _values(catalog, dataset, VOID + "uriSpace")
    assert space.value == URI_SPACE
    examples = _values(catalog, dataset, VOID + "exampleResource")
    assert examples and all(f"<{e.value}>" in subjects for e in examples)


def _linksets(catalog: ox.Store) -> dict[tuple[str, str], int]:
    """(target uriSpace, link predicate) -> void:triples, as catalog.ttl states them."""
    found = {}
    for linkset in _values(catalog, _dataset(catalog), VOID + "subset"):
        if ox.NamedNode(VOID + "Linkset") not in _values(catalog, linkset, RDF_TYPE):
            continue
        (target,) = _values(catalog, linkset, VOID + "objectsTarget")
        (space,) = _values(catalog, target, VOID + "uriSpace")
        (predicate,) = _values(catalog, linkset, VOID + "linkPredicate")
        found[(space.value, predicate.value)] = _integer(catalog, linkset, VOID + "triples")
    return found


def test_void_linksets_agree_with_a_sparql_count_over_the_dump(
    release: Path, catalog: ox.Store
) -> None:
    dump = ox.Store()
    dump.load(path=release / "esskg.nq", format=ox.RdfFormat.N_QUADS)
    linksets = _linksets(catalog)
    # Each linkset against a COUNT over the published N-Quads (distinct statements, any graph).
    for (space, predicate), triples in linksets.items():
        (row,) = dump.query(
            f"SELECT (COUNT(*) AS ?n) {{ SELECT DISTINCT ?s ?o {{ GRAPH ?g {{ ?s <{predicate}> ?o }} "
            f'FILTER(STRSTARTS(STR(?s), "{URI_SPACE}") && STRSTARTS(STR(?o), "{space}")) }} }}'
        )
        assert int(row["n"].value) == triples, (space, predicate)
    # Nothing left out: every esskg resource pointing outside esskg (rdf:type and the
    # ontology's own references to other vocabularies aside) is in some linkset.
    (row,) = dump.query(
        "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(isIRI(?o) && STRSTARTS(STR(?s), "{URI_SPACE}") '
        f'&& !STRSTARTS(STR(?s), "{URI_SPACE}ontology") && !STRSTARTS(STR(?o), "{URI_SPACE}") '
        f"&& ?p != <{RDF_TYPE}>) }} }}"
    )
    assert sum(linksets.values()) == int(row["n"].value)
    # The three the review found missing or uncounted, by their sizes in the mapping tables
    # (whatever predicate the tables use).
    by_space = Counter()
    for (space, _), triples in linksets.items():
        by_space[space] += triples
    assert by_space["http://purl.unep.org/sdg/"] == 17
    assert by_space["http://data.europa.eu/nuts/code/"] == 7
    assert by_space["http://publications.europa.eu/resource/authority/country/"] == 6


# --- CSV ----------------------------------------------------------------------------------------


def test_neutralise_defuses_formula_cells() -> None:
    assert neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert [neutralise(c) for c in ("+1", "-1", "@x", "\tx")] == ["'+1", "'-1", "'@x", "'\tx"]
    assert neutralise("Coopération Normandie, Médenine") == "Coopération Normandie, Médenine"


@pytest.mark.parametrize(
    ("name", "key", "cls"),
    [
        ("actors.csv", "actor", "Actor"),
        ("territories.csv", "territory", "Territory"),
        ("partnerships.csv", "partnership", "Partnership"),
        ("participations.csv", "participation", "Participation"),
    ],
)
def test_csv_has_one_row_per_entity_with_french_labels(
    release: Path, store: ox.Store, name: str, key: str, cls: str
) -> None:
    with open(release / name, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    instances = {
        q.subject.value
        for q in store.quads_for_pattern(
            None, ox.NamedNode(RDF_TYPE), ox.NamedNode(URI_SPACE + "ontology#" + cls)
        )
    }
    assert [r[key] for r in rows] == sorted(instances)
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@")), f"{name}: unsafe cell {cell!r}"
    if "label" in rows[0]:
        fr = {
            q.subject.value: q.object.value
            for q in store.quads_for_pattern(
                None, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None
            )
            if q.object.language == "fr"
        }
        assert all(row["label"] == fr.get(row[key], "") for row in rows)


def test_csv_tables_start_with_a_utf8_byte_order_mark_for_excel(release: Path) -> None:
    tables = sorted(release.glob("*.csv"))
    assert len(tables) == 5
    for table in tables:
        data = table.read_bytes()
        assert data[:3] == b"\xef\xbb\xbf", table.name
        assert data[3:4] != b"\xef", f"{table.name}: the mark is written once"
        assert data.count(b"\xef\xbb\xbf") == 1
        # and the header comes right after it
        assert data[3:].split(b"\r\n", 1)[0].split(b",")[0].isascii()


def test_sdg_links_table_has_one_row_per_link(release: Path, store: ox.Store) -> None:
    predicate = ox.NamedNode(URI_SPACE + "ontology#contributesToSDG")
    links = {
        (q.subject.value, q.object.value) for q in store.quads_for_pattern(None, predicate, None)
    }
    with open(release / "sdg-links.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(links)
    assert {(r["subject"], r["sdg"]) for r in rows} == links


# --- the quality gate -----------------------------------------------------------------------------


def _project_copy(tmp_path: Path) -> Path:
    """A writable copy of the real project's knowledge files."""
    root = tmp_path / "project"
    for part in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(ROOT / part, root / part)
    shutil.copy(ROOT / "CITATION.cff", root)
    return root


def test_publish_writes_nothing_when_the_data_does_not_conform(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project_copy(tmp_path)
    shutil.copy(FILES / "actor-without-label.ttl", root / "data" / "source")
    out = tmp_path / "dist"
    assert main(["--root", str(root), "publish", "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "id:nameless" in captured.err and "nothing published" in captured.err
    assert not out.exists() or list(out.iterdir()) == []


def _validations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every validation the gate runs (one item each), still running it."""
    import esskg.build as build_module

    calls: list[int] = []
    real = build_module.validate_store

    def counted(*args: object, **kwargs: object):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(build_module, "validate_store", counted)
    return calls


def test_a_gate_passed_on_the_same_inputs_is_not_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project_copy(tmp_path)
    validations = _validations(monkeypatch)
    first = publish(tmp_path / "a", root=root)
    assert len(validations) == 1
    # build records its gate as publish does; publish then takes that report, byte for byte.
    for record in (root / ".esskg").glob("gate-*.ttl"):
        record.unlink()
    assert main(["--root", str(root), "build", "-o", str(tmp_path / "dist")]) == 0
    assert len(validations) == 2
    second = publish(tmp_path / "b", root=root)
    assert len(validations) == 2, "the recorded gate was validated again"
    assert _tree(second) == _tree(first)
    # Another shapes file is another gate.
    shapes = root / "shapes" / "esskg-shapes.ttl"
    shapes.write_bytes(shapes.read_bytes() + b"\n# changed\n")
    publish(tmp_path / "c", root=root)
    assert len(validations) == 3


def test_a_damaged_gate_record_is_validated_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A record that does not parse (damaged, edited) is not a verdict: the gate runs again,
    # and the release is the one a fresh publish makes.
    root = _project_copy(tmp_path)
    validations = _validations(monkeypatch)
    first = publish(tmp_path / "a", root=root)
    [record] = (root / ".esskg").glob("gate-*.ttl")
    record.write_text("garbage <<\n", encoding="utf-8")
    second = publish(tmp_path / "b", root=root)
    assert len(validations) == 2
    assert _tree(second) == _tree(first)
    assert record.read_bytes() == (first / "validation-report.ttl").read_bytes()


def test_a_recorded_gate_does_not_let_changed_data_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project_copy(tmp_path)
    publish(tmp_path / "a", root=root)
    assert list((root / ".esskg").glob("gate-*.ttl")), "the passed gate was not recorded"
    shutil.copy(FILES / "actor-without-label.ttl", root / "data" / "source")
    out = tmp_path / "b"
    assert main(["--root", str(root), "publish", "-o", str(out)]) == 1
    assert "id:nameless" in capsys.readouterr().err
    assert not out.exists() or list(out.iterdir()) == []


def test_publish_writes_nothing_when_a_rule_across_nodes_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A SHACL-SPARQL rule, once a quality check of its own: an esskg term the ontology lacks.
    root = _project_copy(tmp_path)
    (root / "data" / "source" / "typo.ttl").write_text(
        "<https://w3id.org/esskg/id/1pacte> <https://w3id.org/esskg/ontology#worksOn> "
        "<https://w3id.org/esskg/concept/field/permaculture> .\n",
        encoding="utf-8",
    )
    out = tmp_path / "dist"
    assert main(["--root", str(root), "publish", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "esskg:worksOn" in err and "nothing published" in err
    assert not out.exists() or list(out.iterdir()) == []


def test_release_carries_its_validation_report(release: Path, catalog: ox.Store) -> None:
    sh = "http://www.w3.org/ns/shacl#"
    report = list(
        ox.parse((release / "validation-report.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)
    )
    reports = [q.subject for q in report if q.object == ox.NamedNode(sh + "ValidationReport")]
    assert len(reports) == 1
    conforms = [q.object for q in report if q.predicate == ox.NamedNode(sh + "conforms")]
    assert conforms == [ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))]
    urls = {
        q.object.value
        for q in catalog.quads_for_pattern(None, ox.NamedNode(DCAT + "downloadURL"), None)
    }
    assert any(u.endswith("/validation-report.ttl") for u in urls)


def test_mapping_tables_ship_as_tsv_and_as_sssom_rdf_with_their_justifications(
    release: Path,
) -> None:
    tables = sorted((ROOT / "data").glob("*/*.sssom.tsv"))
    assert tables
    for table in tables:
        assert (release / table.name).read_bytes() == table.read_bytes()
        # Rows counted from the TSV text itself: lines after the # header and the column line.
        lines = [x for x in table.read_text(encoding="utf-8").splitlines() if x.strip()]
        data_rows = [x.split("\t") for x in lines if not x.startswith("#")][1:]
        rdf = ox.Store()
        rdf.load(
            path=release / table.name.replace(".sssom.tsv", ".sssom.ttl"),
            format=ox.RdfFormat.TURTLE,
        )
        count = rdf.query(
            "SELECT (COUNT(?a) AS ?n) { ?set a <https://w3id.org/sssom/MappingSet> ; "
            "<https://w3id.org/sssom/mappings> ?a . "
            "?a a <http://www.w3.org/2002/07/owl#Axiom> ; "
            "<https://w3id.org/sssom/mapping_justification> ?j ; "
            "<http://www.w3.org/2002/07/owl#annotatedSource> ?s ; "
            "<http://www.w3.org/2002/07/owl#annotatedProperty> ?p ; "
            "<http://www.w3.org/2002/07/owl#annotatedTarget> ?o }"
        )
        assert int(next(iter(count))["n"].value) == len(data_rows), table.name
        comments = {
            r["c"].value
            for r in rdf.query("SELECT ?c { ?a <http://www.w3.org/2000/01/rdf-schema#comment> ?c }")
        }
        header = next(x for x in lines if not x.startswith("#")).split("\t")
        if "comment" in header:
            column = header.index("comment")
            assert {r[column] for r in data_rows if r[column]} == comments, table.name


# --- reproducibility and safety -----------------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_two_runs_write_the_same_bytes(release: Path, tmp_path: Path) -> None:
    # Another process with another hash seed: no set or dict order may leak into the files.
    env = {**os.environ, "PYTHONHASHSEED": "12345", "ESSKG_ROOT": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "esskg", "publish", "-o", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(tmp_path / __version__)
    again = _tree(tmp_path / __version__)
    first = _tree(release)
    assert sorted(again) == sorted(first)
    assert [n for n in first if first[n] != again[n]] == []


def test_republishing_over_a_release_changes_no_byte_and_leaves_no_temp(
    release: Path, tmp_path: Path
) -> None:
    shutil.copytree(release, tmp_path / __version__)
    assert main(["--root", str(ROOT), "publish", "-o", str(tmp_path)]) == 0
    assert _tree(tmp_path / __version__) == _tree(release)
    assert [p.name for p in tmp_path.iterdir()] == [__version__]


def test_a_published_version_is_not_changed_unless_replace_is_given(
    release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(release, tmp_path / __version__)
    before = _tree(tmp_path / __version__)
    # Another date: other bytes for the same version.
    args = ["--root", str(ROOT), "publish", "-o", str(tmp_path), "--date", "2030-01-02"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"version {__version__} is already published" in err and "--replace" in err
    assert "catalog.ttl" in err
    assert _tree(tmp_path / __version__) == before
    assert [p.name for p in tmp_path.iterdir()] == [__version__]
    assert main([*args, "--replace"]) == 0
    assert '"2030-01-02"^^xsd:date' in (tmp_path / __version__ / "catalog.ttl").read_text(
        encoding="utf-8"
    )
    assert [p.name for p in tmp_path.iterdir()] == [__version__]


def test_a_second_publish_into_a_locked_folder_is_refused(
    release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import fcntl

    shutil.copytree(release, tmp_path / __version__)
    before = _tree(tmp_path / __version__)
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # what a running publish holds
        assert main(["--root", str(ROOT), "publish", "-o", str(tmp_path), "--replace"]) == 2
    finally:
        os.close(fd)
    assert "another esskg run is writing into this folder" in capsys.readouterr().err
    assert _tree(tmp_path / __version__) == before


def test_two_publish_runs_at_once_leave_one_whole_release(release: Path, tmp_path: Path) -> None:
    env = {**os.environ, "ESSKG_ROOT": str(ROOT)}
    command = [sys.executable, "-m", "esskg", "publish", "-o", str(tmp_path)]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outcomes = [(run.wait(timeout=120), run.stderr.read().decode()) for run in runs]
    for code, err in outcomes:
        # Serialised by the lock: each either published or was refused with a clear message.
        assert code == 0 or (code == 2 and "another esskg run" in err), err
    assert any(code == 0 for code, _ in outcomes)
    assert _tree(tmp_path / __version__) == _tree(release)
    assert [p.name for p in tmp_path.iterdir()] == [__version__]


def test_publish_killed_at_random_points_keeps_the_release_and_the_next_run_sweeps(
    release: Path, tmp_path: Path
) -> None:
    import random
    import signal
    import time

    shutil.copytree(release, tmp_path / __version__)
    before = _tree(tmp_path / __version__)
    env = {**os.environ, "ESSKG_ROOT": str(ROOT)}
    # --replace: every run gets to the swap, the riskiest step, with other bytes to write.
    command = [sys.executable, "-m", "esskg", "publish", "-o", str(tmp_path), "--replace"]
    rng = random.Random(14)
    for trial in range(20):
        run = subprocess.Popen(
            [*command, "--date", f"2030-01-{trial + 1:02d}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.5, 4.0))
        run.send_signal(signal.SIGKILL)
        run.wait()
        current = _tree(tmp_path / __version__)
        # Whole: either the release as it was, or a complete new one (catalog written last).
        assert current == before or set(current) == set(before), f"trial {trial}"
        before = current
    assert main(["--root", str(ROOT), "publish", "-o", str(tmp_path), "--replace"]) == 0
    assert _tree(tmp_path / __version__) == _tree(release)
    assert [p.name for p in tmp_path.iterdir()] == [__version__], "leftovers not swept"


def test_date_comes_from_the_option_not_the_clock(tmp_path: Path) -> None:
    target = publish(tmp_path, root=ROOT, date="2030-01-02")
    text = (target / "catalog.ttl").read_text(encoding="utf-8")
    assert '"2030-01-02"^^xsd:date' in text
    assert (
        main(["--root", str(ROOT), "publish", "-o", str(tmp_path / "x"), "--date", "2030-02-30"])
        == 2
    )


def _corrupt(real, corrupted: str):
    def serialize(name: str, **kwargs: object) -> bytes:
        data = real(name, **kwargs)
        # A dump that loses its last statement: it still parses, but not to the same graph.
        return data.rsplit(b"\n", 2)[0] + b"\n" if name == corrupted else data

    return serialize


# The N-Quads file is made in the main process, the Turtle in a forked one (publish/aside.py).
@pytest.mark.parametrize("failure", ["unparsable", "different-graph", "different-turtle"])
def test_a_dump_that_fails_its_check_leaves_the_previous_release_whole(
    release: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    failure: str,
    english: None,
) -> None:
    shutil.copytree(release, tmp_path / __version__)
    before = _tree(tmp_path / __version__)
    if failure == "unparsable":
        real_parse = publish_formats.parsed_quads

        def parsed_quads(path: Path, rdf_format: ox.RdfFormat) -> Iterator[ox.Quad]:
            if rdf_format == ox.RdfFormat.TRIG:
                raise SyntaxError("simulated: the TriG dump does not parse")
            return real_parse(path, rdf_format)

        monkeypatch.setattr(publish_formats, "parsed_quads", parsed_quads)
    else:
        import esskg.publish as publish_module

        corrupted = "ttl" if failure == "different-turtle" else "nq"
        monkeypatch.setattr(
            publish_module, "serialize", _corrupt(publish_module.serialize, corrupted)
        )
    assert main(["--root", str(ROOT), "publish", "-o", str(tmp_path)]) == 2
    message = capsys.readouterr().err
    wanted = {"unparsable": "esskg.trig", "different-graph": "esskg.nq"}.get(failure, "esskg.ttl")
    assert "esskg: error:" in message and wanted in message, message
    assert _tree(tmp_path / __version__) == before
    assert [p.name for p in tmp_path.iterdir()] == [__version__], "the build folder must be removed"


def _tricky_triples() -> list[ox.Triple]:
    """Statements whose JSON text needs care: escapes, non-ASCII, blank nodes, typed values."""
    ex, esskg = "https://example.org/", "https://w3id.org/esskg/ontology#"
    a, b, n = ox.NamedNode(ex + "a"), ox.NamedNode(ex + "a/10"), ox.BlankNode("x")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    xsd = "http://www.w3.org/2001/XMLSchema#"
    return [
        ox.Triple(a, ox.NamedNode(RDF_TYPE), ox.NamedNode(esskg + "Actor")),
        ox.Triple(a, ox.NamedNode(RDF_TYPE), ox.NamedNode(ex + "Other")),
        ox.Triple(a, label, ox.Literal('Coopération "quoted"\n\ttab \\ é ☃', language="fr")),
        ox.Triple(a, label, ox.Literal("plain")),
        ox.Triple(
            a, ox.NamedNode(ex + "n"), ox.Literal("02", datatype=ox.NamedNode(xsd + "integer"))
        ),
        ox.Triple(a, ox.NamedNode(ex + "link"), b),
        ox.Triple(a, ox.NamedNode(ex + "link"), n),
        ox.Triple(n, ox.NamedNode(RDF_TYPE), ox.Literal("not a class")),
        ox.Triple(b, ox.NamedNode("urn:x:1"), ox.NamedNode("http://example.com//x")),
    ]


def _reference_jsonld(triples: list[ox.Triple]) -> bytes:
    """The document as json.dumps writes it: what jsonld_bytes must give, byte for byte."""
    compact = publish_formats._compact
    nodes: dict[str, dict[str, list[object]]] = {}

    def node_id(term: ox.NamedNode | ox.BlankNode) -> str:
        return f"_:{term.value}" if isinstance(term, ox.BlankNode) else compact(term.value)

    for t in triples:
        node = nodes.setdefault(node_id(t.subject), {})
        if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode):
            node.setdefault("@type", []).append(compact(t.object.value))
            continue
        o = t.object
        if isinstance(o, ox.Literal):
            value: dict[str, str] = {"@value": o.value}
            if o.language:
                value["@language"] = o.language
            elif o.datatype.value != publish_formats.XSD_STRING:
                value["@type"] = compact(o.datatype.value)
        else:
            value = {"@id": node_id(o)}
        node.setdefault(compact(t.predicate.value), []).append(value)
    graph = [{"@id": s, **v} for s, v in sorted(nodes.items())]
    document = {**publish_formats.jsonld_context(), "@graph": graph}
    text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return text.encode("utf-8")


@pytest.mark.parametrize("which", ["tricky", "empty", "project"])
def test_jsonld_text_is_what_json_dumps_writes(statements: ox.Dataset, which: str) -> None:
    triples = {
        "tricky": _tricky_triples(),
        "empty": [],
        "project": [ox.Triple(q.subject, q.predicate, q.object) for q in statements],
    }[which]
    written = publish_formats.jsonld_bytes(triples)
    assert written == _reference_jsonld(triples)
    if triples:
        parsed = list(ox.parse(written, format=ox.RdfFormat.JSON_LD))
        assert _canonical(parsed) == _canonical([ox.Quad(*t) for t in triples])


def test_void_examples_are_the_first_in_iri_order_not_in_line_order() -> None:
    # "<…/a/10>" sorts before "<…/a>" as text ("1" < ">"), after it as an IRI.
    triples = _tricky_triples()
    esskg_actor = ox.NamedNode("https://w3id.org/esskg/ontology#Actor")
    triples.append(ox.Triple(triples[5].object, ox.NamedNode(RDF_TYPE), esskg_actor))
    stats = void_statistics(
        ox.Dataset(ox.Quad(*t, ox.NamedNode("urn:g")) for t in triples), ("https://example.org/",)
    )
    assert stats["examples"] == ["https://example.org/a"]
    assert stats["entities"] == 2 and stats["distinctSubjects"] == 3
    assert stats["classPartitions"]["not a class"] == 1
    # http://example.com//x lies outside the dataset: a link (to its namespace); a/10 is inside
    assert stats["linksets"] == {("http://example.com//", "urn:x:1"): 1}


def test_a_gzip_variant_that_does_not_hold_the_bytes_is_refused(tmp_path: Path) -> None:
    data = b"<urn:a> <urn:b> <urn:c> .\n"
    check = publish_formats.gzip_check(data)
    good, bad = tmp_path / "good.nt.gz", tmp_path / "bad.nt.gz"
    good.write_bytes(publish_formats.gzip_bytes(data))
    check(good)
    bad.write_bytes(publish_formats.gzip_bytes(data[:-2]))
    with pytest.raises(
        publish_formats.PublishCheckError, match=r"bad\.nt\.gz: does not decompress to"
    ):
        check(bad)
    bad.write_bytes(b"not gzip")
    with pytest.raises(publish_formats.PublishCheckError, match="does not decompress"):
        check(bad)


# --- HTML ---------------------------------------------------------------------------------------


def test_landing_page_escapes_what_it_shows() -> None:
    from esskg.publish.citation import Creator, schema_org_jsonld
    from esskg.publish.page import ExampleQuery

    evil = '<script>alert("x")</script>'
    jsonld = schema_org_jsonld(
        title={"fr": evil, "en": evil},
        description={"fr": evil, "en": evil},
        version=evil,
        dataset_iri="https://example.org/d",
        base_url="https://example.org/",
        issued="2026-01-01",
        modified="2026-01-01",
        licences=["https://l/"],
        creators=[Creator("https://example.org/c", evil, False)],
        keywords=[evil],
        source=None,
        downloads=[(evil, "text/turtle")],
        sparql_endpoint=None,
    )
    page = landing_page(
        version=evil,
        date="2026-01-01",
        base_url="https://example.org/",
        downloads=[(evil, evil, 1, evil)],
        stats={"triples": 1, "entities": 1, "classes": 1, "properties": 1},
        examples=[ExampleQuery(evil, evil, evil, (evil,), ((evil,),), 1)],
        chart_svg=sdg_chart_svg([(1, evil, 3)]),
        data_licence="https://l/",
        ontology_licence="https://o/",
        creators=[evil],
        schema_org=jsonld,
    ).decode("utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    # The JSON-LD block is the only script element, closed once, and still says the evil string.
    assert page.count("</script>") == 1
    block = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(block)["name"] == evil


# --- licences, discovery, citation ---------------------------------------------------------------


def test_merged_dumps_state_both_licences_and_the_rest_only_theirs(catalog: ox.Store) -> None:
    etalab = ox.NamedNode("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    cc_by = ox.NamedNode("https://creativecommons.org/licenses/by/4.0/")
    dcterms = "http://purl.org/dc/terms/"
    seen = set()
    for quad in catalog.quads_for_pattern(None, ox.NamedNode(DCAT + "downloadURL"), None):
        name = quad.object.value.rsplit("/", 1)[1]
        licences = _values(catalog, quad.subject, dcterms + "license")
        rights = _values(catalog, quad.subject, dcterms + "rights")
        if name.startswith("esskg."):
            assert licences == [etalab], name
            (statement,) = rights
            assert _values(catalog, statement, RDF_TYPE) == [
                ox.NamedNode(dcterms + "RightsStatement")
            ]
            also = _values(catalog, statement, "http://www.w3.org/2000/01/rdf-schema#seeAlso")
            assert sorted(also, key=str) == sorted([etalab, cc_by], key=str), name
            seen.add(name)
        elif name in ("ontology.ttl", "ontology.html", "shapes.ttl"):
            assert (licences, rights) == ([cc_by], []), name
        else:
            assert (licences, rights) == ([etalab], []), name
    assert len(seen) == 10, "five RDF dumps, each plain and gzipped"


def _schema_org(release: Path) -> dict[str, object]:
    html = (release / "index.html").read_text(encoding="utf-8")
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    return json.loads(block)


def test_landing_page_carries_a_schema_org_dataset(release: Path) -> None:
    import yaml

    document = _schema_org(release)
    assert document["@context"] == "https://schema.org/" and document["@type"] == "Dataset"
    assert document["version"] == __version__
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert [c["name"] for c in document["creator"]] == [a["name"] for a in cff["authors"]]
    assert sorted(document["license"]) == [
        "https://creativecommons.org/licenses/by/4.0/",
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    ]
    source = document["isBasedOn"]
    assert source["name"] == "Coopération européenne et internationale & ESS"
    assert source["datePublished"] == "2021"
    urls = {d["contentUrl"].rsplit("/", 1)[1] for d in document["distribution"]}
    assert {"esskg.ttl", "actors.csv", "CITATION.cff"} <= urls


def test_catalogue_names_the_creators_and_the_source_by_title_and_date(
    release: Path, catalog: ox.Store
) -> None:
    dataset = _dataset(catalog)
    (creator,) = _values(catalog, dataset, "http://purl.org/dc/terms/creator")
    assert _values(catalog, creator, "http://xmlns.com/foaf/0.1/name") == [
        ox.Literal("esskg contributors")
    ]
    (source,) = _values(catalog, dataset, "http://www.w3.org/ns/prov#wasDerivedFrom")
    assert _values(catalog, source, "http://purl.org/dc/terms/title") == [
        ox.Literal("Coopération européenne et internationale & ESS", language="fr")
    ]
    (date,) = _values(catalog, source, "http://purl.org/dc/terms/date")
    assert date.value == "2021"
    assert (release / "CITATION.cff").read_bytes() == (ROOT / "CITATION.cff").read_bytes()
    assert _values(catalog, dataset, VOID + "sparqlEndpoint") == [], "only when pushed"


def test_citation_file_names_the_package_version() -> None:
    import yaml

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(cff["version"]) == __version__
    assert cff["cff-version"] == "1.2.0" and cff["authors"]


def test_sparql_endpoint_is_stated_when_given_and_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = "https://sparql.example.org/esskg/query"
    target = publish(tmp_path / "a", root=ROOT, sparql_endpoint=endpoint)
    catalog = ox.Store()
    catalog.load(path=target / "catalog.ttl", format=ox.RdfFormat.TURTLE)
    assert _values(catalog, _dataset(catalog), VOID + "sparqlEndpoint") == [ox.NamedNode(endpoint)]
    assert endpoint in (target / "index.html").read_text(encoding="utf-8")
    out = tmp_path / "b"
    assert main(["--root", str(ROOT), "publish", "-o", str(out), "--sparql-endpoint", "x"]) == 2
    assert "is not an http(s) URL" in capsys.readouterr().err and not out.exists()


def test_a_citation_file_of_another_version_stops_the_release(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project_copy(tmp_path)
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    (root / "CITATION.cff").write_text(
        text.replace(f"version: {__version__}", "version: 9.9.9"), encoding="utf-8"
    )
    out = tmp_path / "dist"
    assert main(["--root", str(root), "publish", "-o", str(out)]) == 2
    assert "set version: " + __version__ in capsys.readouterr().err
    assert not out.exists() or list(out.iterdir()) == []


def test_ontology_documentation_is_html_with_the_terms(release: Path) -> None:
    html = (release / "ontology.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "Partnership" in html and "Partenariat de coopération" in html


def _chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the landing-page test needs Debian's chromium "
            "(apt-get install -y chromium; .ci/run installs it)"
        )
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,2000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_landing_page_renders_in_chromium_with_downloads_and_chart(
    release: Path, tmp_path: Path
) -> None:
    url = (release / "index.html").as_uri()
    done = _chromium(["--dump-dom", url], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    for name in (
        "esskg.ttl",
        "esskg.nt.gz",
        "esskg.jsonld",
        "esskg.trig",
        "esskg.nq",
        "actors.csv",
        "ontology.ttl",
    ):
        assert f'href="{name}"' in dom, f"download {name} missing from the rendered page"
    assert 'id="sdg-chart"' in dom
    assert dom.count('class="bar"') == 17
    assert "Licence Ouverte" in dom and "Citer" in dom
    shot = tmp_path / "index.png"
    done = _chromium([f"--screenshot={shot}", url], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000, "the screenshot looks blank"
