"""`esskg publish` in a workspace: the release is the workspace's own dataset (its name, version,
date, licence, IRIs and creators), its cooperations are in every part of it, and a workspace that
names no creator gets a plain error and nothing written.

The workspace is made as a user makes it: `esskg init`, then `esskg import` of a filled-in
spreadsheet (the Occitanie-Médenine case of tests/fixtures/tabular, as CSV).
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from esskg import __version__
from esskg.cli import main
from esskg.publish import ReleaseExists, publish
from esskg.publish import formats as publish_formats

BASE = "https://data.region.example/coop/id/"
DATASET = "https://data.region.example/coop/dataset"
NAME = "Coopérations de la Région"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
PARTNERSHIP = BASE + "cooperation-occitanie-medenine"
LABEL = "Coopération Occitanie \N{EN DASH} Médenine"  # as the spreadsheet writes it
CASE = Path(__file__).parent / "fixtures" / "tabular" / "occitanie-medenine"
DCAT_AP_CLASSES = Path(publish_formats.__file__).with_name("dcat-ap-classes.ttl")
DCAT_AP_OFFICIAL = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "reference"
    / "dcat-ap"
    / "dcat-ap-3.0.0-SHACL.ttl"
)
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def make_workspace(folder: Path, *extra: str) -> Path:
    """A workspace made by `esskg init`, with the Occitanie-Médenine case imported."""
    init = ["init", str(folder), "--base", BASE, "--prefix", "reg", "--name", NAME, *extra]
    assert main(init) == 0
    assert main(["-C", str(folder), "import", str(CASE)]) == 0
    return folder


def set_setting(workspace: Path, key: str, value: str | None) -> None:
    """Change (or, with None, drop) one line of esskg.toml, as a user edits it."""
    config = workspace / "esskg.toml"
    lines = config.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith(f"{key} =")]
    if value is not None:
        kept.append(f"{key} = {value}")
    config.write_text("\n".join(kept) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workspace = make_workspace(
        tmp_path_factory.mktemp("ws") / "region", "--creator", "Région Occitanie", "--licence", CC0
    )
    # The workspace's own version, not esskg's: the release must follow esskg.toml.
    set_setting(workspace, "version", '"2.1.0"')
    set_setting(workspace, "date", '"2026-11-30"')
    return publish(workspace / "dist", root=workspace)


@pytest.fixture(scope="module")
def catalog(release: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=release / "catalog.ttl", format=ox.RdfFormat.TURTLE)
    return store


def _values(store: ox.Store, subject: str, predicate: str) -> set[str]:
    return {
        q.object.value
        for q in store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None)
    }


def test_the_release_is_the_workspaces_dataset(release: Path, catalog: ox.Store) -> None:
    assert release.name == "2.1.0"
    dataset = f"{DATASET}/2.1.0"
    assert {q.subject.value for q in catalog.quads_for_pattern(
        None, ox.NamedNode(RDF_TYPE), ox.NamedNode(DCAT + "Dataset")
    )} == {dataset}  # fmt: skip
    assert _values(catalog, dataset, DCT + "title") == {NAME}
    assert _values(catalog, dataset, DCAT + "version") == {"2.1.0"}
    assert _values(catalog, dataset, DCT + "modified") == {"2026-11-30"}
    assert _values(catalog, dataset, DCT + "license") == {CC0}
    assert _values(catalog, dataset, DCT + "isVersionOf") == {DATASET}
    assert _values(catalog, DATASET + "/catalog", DCAT + "dataset") == {dataset}
    # It conforms to the version of esskg's model it was checked against, whose files ship.
    assert _values(catalog, dataset, DCT + "conformsTo") == {
        f"https://w3id.org/esskg/ontology/{__version__}",
        "https://w3id.org/esskg/shapes",
    }
    (creator,) = _values(catalog, dataset, DCT + "creator")
    assert creator == BASE + "region-occitanie"
    assert _values(catalog, creator, FOAF + "name") == {"Région Occitanie"}
    assert _values(catalog, dataset, DCT + "publisher") == {creator}
    # esskg's own files keep esskg's licence; the data files take the workspace's.
    ontology = _values(catalog, f"{dataset}#ontology.ttl", DCT + "license")
    assert ontology == {"https://creativecommons.org/licenses/by/4.0/"}
    assert _values(catalog, f"{dataset}#partnerships.csv", DCT + "license") == {CC0}
    assert (release / "ontology.ttl").is_file() and (release / "shapes.ttl").is_file()
    # esskg's mapping tables ship under esskg's names and licence.
    etalab = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    assert _values(catalog, f"{dataset}#esskg-sdg-un.sssom.tsv", DCT + "license") == {etalab}
    # The countries its territories lie in, by their ISO codes, as the EU country table names them.
    eu = "http://publications.europa.eu/resource/authority/country/"
    assert _values(catalog, dataset, DCT + "spatial") == {eu + "FRA", eu + "TUN"}
    assert "name: Région Occitanie" in (release / "CITATION.cff").read_text(encoding="utf-8")
    assert "esskg" not in {v.lower() for v in _values(catalog, dataset, DCT + "title")}


def _shacl_violations(catalog: Path, shapes: Path) -> list[str]:
    import pyshacl
    import rdflib

    conforms, _, text = pyshacl.validate(
        rdflib.Graph().parse(catalog, format="turtle"),
        shacl_graph=rdflib.Graph().parse(shapes, format="turtle"),
        allow_warnings=True,
    )
    return [] if conforms else [text]


def test_the_catalogue_meets_the_dcat_ap_ranges_publish_checks(release: Path) -> None:
    assert _shacl_violations(release / "catalog.ttl", DCAT_AP_CLASSES) == []


@pytest.mark.skipif(
    not DCAT_AP_OFFICIAL.is_file(), reason="../shared (DCAT-AP 3.0.0 shapes) absent"
)
def test_the_catalogue_conforms_to_the_official_dcat_ap_3_shapes(release: Path) -> None:
    assert _shacl_violations(release / "catalog.ttl", DCAT_AP_OFFICIAL) == []


def test_the_workspaces_partnership_is_in_the_dumps_the_csv_and_the_page(release: Path) -> None:
    quads = list(ox.parse(path=release / "esskg.nq", format=ox.RdfFormat.N_QUADS))
    graphs = {q.graph_name.value for q in quads if q.subject == ox.NamedNode(PARTNERSHIP)}
    # Stated in the workspace's own graph (inferences aside, in esskg's graph:inferred).
    assert graphs == {
        "https://data.region.example/coop/graph/import",
        "https://w3id.org/esskg/graph/inferred",
    }
    merged = {q.triple for q in ox.parse(path=release / "esskg.ttl", format=ox.RdfFormat.TURTLE)}
    assert {q.triple for q in quads} == merged
    with open(release / "partnerships.csv", encoding="utf-8-sig", newline="") as f:
        rows = {row["partnership"]: row for row in csv.DictReader(f)}
    assert rows[PARTNERSHIP]["label"] == LABEL
    assert "http://metadata.un.org/sdg/2.1" in rows[PARTNERSHIP]["sdgs"]
    page = (release / "index.html").read_text(encoding="utf-8")
    assert f"<h1>{NAME}</h1>" in page and LABEL in page
    # The chart counts the workspace's partnership for goal 2 (it is linked to target 2.1).
    assert '<g class="bar" data-goal="2" data-count="1">' in page


def test_void_counts_the_workspaces_own_entities_and_links(
    release: Path, catalog: ox.Store
) -> None:
    dataset = f"{DATASET}/2.1.0"
    triples = {q.triple for q in ox.parse(path=release / "esskg.nt", format=ox.RdfFormat.N_TRIPLES)}
    own = {t.subject.value for t in triples if t.subject.value.startswith(BASE)}
    assert PARTNERSHIP in own
    assert _values(catalog, dataset, VOID + "entities") == {str(len(own))}
    assert _values(catalog, dataset, VOID + "uriSpace") == {BASE}
    sdg_links = sum(
        1
        for t in triples
        if t.subject.value in own
        and t.object.value.startswith("http://metadata.un.org/sdg/")
        and t.predicate.value == "https://w3id.org/esskg/ontology#contributesToSDG"
    )
    linkset = f"{dataset}#linkset-unsdg-esskg-contributesToSDG"
    assert sdg_links >= 1
    assert _values(catalog, linkset, VOID + "triples") == {str(sdg_links)}


def test_a_workspace_release_is_reproducible_and_final(release: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "region"
    shutil.copytree(release.parents[1], workspace)
    before = {p.name: p.read_bytes() for p in release.iterdir()}
    # The same sources give the same bytes: publishing again changes nothing.
    again = publish(workspace / "dist", root=workspace)
    assert {p.name: p.read_bytes() for p in again.iterdir()} == before
    # Other data under the same version is refused, and the hint names esskg.toml.
    set_setting(workspace, "name", '"Autre nom"')
    with pytest.raises(ReleaseExists, match=r"version et date dans .*esskg\.toml"):
        publish(workspace / "dist", root=workspace)
    assert {p.name: p.read_bytes() for p in again.iterdir()} == before


def test_a_workspace_without_a_creator_is_refused_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = make_workspace(tmp_path / "ws")
    capsys.readouterr()
    assert main(["-C", str(workspace), "publish", "-o", str(tmp_path / "dist")]) == 2
    err = capsys.readouterr().err
    assert "esskg.toml" in err and 'creator = "' in err and "CITATION.cff" in err
    assert "Traceback" not in err
    assert not (tmp_path / "dist").exists()


def test_a_workspace_without_a_date_is_refused_unless_date_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = tmp_path / "ws"
    init = ["init", str(workspace), "--base", BASE, "--prefix", "reg", "--creator", "CRESS"]
    assert main(init) == 0
    set_setting(workspace, "date", None)
    capsys.readouterr()
    assert main(["-C", str(workspace), "publish", "-o", str(tmp_path / "dist")]) == 2
    err = capsys.readouterr().err
    assert 'date = "AAAA-MM-JJ"' in err and "--date" in err
    assert not (tmp_path / "dist").exists()
    dist = tmp_path / "dist"
    assert main(["-C", str(workspace), "publish", "-o", str(dist), "--date", "2026-12-01"]) == 0
    assert (dist / "0.1.0" / "catalog.ttl").is_file()


@pytest.mark.parametrize("version", ["../1.0", "1 0", "1/0"])
def test_a_version_that_cannot_name_a_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], version: str
) -> None:
    workspace = tmp_path / "ws"
    init = ["init", str(workspace), "--base", BASE, "--prefix", "reg", "--creator", "CRESS"]
    assert main(init) == 0
    set_setting(workspace, "version", f'"{version}"')
    capsys.readouterr()
    assert main(["-C", str(workspace), "publish", "-o", str(tmp_path / "dist")]) == 2
    err = capsys.readouterr().err
    assert f"version = {version!r} ne peut pas nommer une publication" in err
    assert "Traceback" not in err
    assert not (tmp_path / "dist").exists() and not (tmp_path / "1.0").exists()


def test_creators_come_from_the_workspaces_citation_cff(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert (
        main(["init", str(workspace), "--base", BASE, "--prefix", "reg", "--include-source"]) == 0
    )
    citation = (
        "cff-version: 1.2.0\nmessage: cite\ntitle: x\nversion: 0.1.0\nauthors:\n"
        "  - given-names: Jeanne\n    family-names: Dupont\n"
        "    orcid: https://orcid.org/0000-0002-1825-0097\n"
        "  - name: CRESS Occitanie\n"
    )
    (workspace / "CITATION.cff").write_text(citation, encoding="utf-8")
    release = publish(tmp_path / "dist", root=workspace, date="2026-12-01")
    assert (release / "CITATION.cff").read_text(encoding="utf-8") == citation
    catalog = ox.Store()
    catalog.load(path=release / "catalog.ttl", format=ox.RdfFormat.TURTLE)
    dataset = f"{DATASET}/0.1.0"
    assert _values(catalog, dataset, DCT + "creator") == {
        "https://orcid.org/0000-0002-1825-0097",
        BASE + "cress-occitanie",
    }
    # include_source: the source document's cases ship in their own graphs, with their
    # provenance, and the dataset says it is derived from the source document.
    nq = (release / "esskg.nq").read_text(encoding="utf-8")
    assert "<https://w3id.org/esskg/id/cooperation-normandie-medenine>" in nq
    assert "<https://w3id.org/esskg/graph/source>" in nq
    assert _values(catalog, dataset, "http://www.w3.org/ns/prov#wasDerivedFrom") == {
        "https://w3id.org/esskg/id/source-document"
    }
    with open(release / "partnerships.csv", encoding="utf-8-sig", newline="") as f:
        ids = {row["partnership"] for row in csv.DictReader(io.StringIO(f.read()))}
    assert "https://w3id.org/esskg/id/cooperation-normandie-medenine" in ids
