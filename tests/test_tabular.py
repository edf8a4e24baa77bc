"""Spreadsheets in and out: esskg template, import and export (esskg.tabular)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest

from esskg import resources
from esskg.cli import main
from esskg.load import load_dataset
from esskg.tabular.mapping import ntriples
from esskg.tabular.spec import Vocabulary, load_spec
from esskg.tabular.template import workbook_bytes

FIXTURES = Path(__file__).parent / "fixtures" / "tabular"
ID = "https://w3id.org/esskg/id/"
BASE = "https://data.example.org/coop/id/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SKIP_GRAPHS = {
    f"https://w3id.org/esskg/graph/{n}" for n in ("vocabulary", "un-sdg", "inferred", "ontology")
}


@pytest.fixture
def packaged(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The real packaged graph (no ESSKG_ROOT), working in an empty folder."""
    monkeypatch.delenv(resources.ROOT_ENV, raising=False)
    away = tmp_path / "work"
    away.mkdir()
    monkeypatch.chdir(away)
    return away


def workspace(folder: Path, *extra: str) -> Path:
    assert main(["init", str(folder), "--base", BASE, "--prefix", "occ", *extra]) == 0
    return folder


def triples_of(path: Path) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE)}


def packaged_part(
    subjects: set[str] | None = None, graphs: set[str] | None = None
) -> set[ox.Triple]:
    """The packaged graph's statements the template carries: the nodes of its sheets (or only
    `subjects`), with the predicates of its columns (from `graphs` only, if given)."""
    dataset = load_dataset(root=resources.packaged_root())
    classes = {s.rdf_class for s in load_spec() if s.rdf_class}
    predicates = {c.predicate for s in load_spec() for c in s.columns if c.predicate}
    predicates.add(RDF_TYPE.value)
    data = [q for q in dataset if q.graph_name.value not in SKIP_GRAPHS]
    nodes = {q.subject for q in data if q.predicate == RDF_TYPE and q.object.value in classes}
    if subjects is not None:
        nodes = {n for n in nodes if n.value in subjects}
    if graphs is not None:
        data = [q for q in data if q.graph_name.value.rsplit("/", 1)[-1] in graphs]
    return {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in data
        if q.subject in nodes and q.predicate.value in predicates
    }


# ---- round trips with the packaged source document


@pytest.mark.parametrize("output", ["cases.xlsx", "cases"])
def test_export_then_import_gives_back_the_source_cases(packaged: Path, output: str, capsys):
    assert main(["-C", str(resources.packaged_root()), "export", "-o", output]) == 0
    ws = workspace(packaged / "ws", "--include-source")
    assert main(["-C", str(ws), "import", output, "--name", "cases"]) == 0
    written = triples_of(ws / "data" / "import" / "cases.ttl")
    expected = packaged_part()
    assert written == expected
    # The four cases as the source states them are all there, not only what the template knows.
    source = {
        q.triple
        for q in ox.parse(
            path=resources.packaged_root() / "data/source/partnerships.ttl",
            format=ox.RdfFormat.TURTLE,
        )
    }
    assert source <= written
    err = capsys.readouterr().err
    assert "101 lignes importées" in err


def test_the_exported_cases_import_into_a_workspace_without_the_source(packaged: Path, capsys):
    # The newcomer's path: the packaged cases, exported, then imported into a fresh workspace
    # that does not carry the source document: every node they refer to is in a sheet (the
    # programme, the call and the event too), and a replaced territory keeps its end date.
    ws = workspace(packaged / "ws")
    assert main(["export", "-o", "cases.xlsx"]) == 0
    assert main(["-C", str(ws), "import", "cases.xlsx"]) == 0
    capsys.readouterr()
    assert main(["-C", str(ws), "query", "partnerships-by-sdg", "--param", "goal=2"]) == 0
    assert "id:cooperation-normandie-medenine" in capsys.readouterr().out


def test_hand_typed_case_imports_to_the_packaged_graph(packaged: Path):
    ws = workspace(packaged / "ws", "--include-source")
    assert main(["-C", str(ws), "import", str(FIXTURES / "normandie-medenine")]) == 0
    written = triples_of(ws / "data" / "import" / "normandie-medenine.ttl")
    subjects = {t.subject.value for t in written}
    # The case's nodes as the source document describes them (data/source/; 1pacte is only
    # referred to), with their SDG links (data/mappings/sdg-links.sssom.tsv).
    sdg = "https://w3id.org/esskg/ontology#contributesToSDG"
    expected = packaged_part(subjects, {"source"}) | {
        t for t in packaged_part(subjects, {"mappings"}) if t.predicate.value == sdg
    }
    assert written == expected
    assert ox.NamedNode(ID + "cooperation-normandie-medenine") in {t.subject for t in written}


def test_export_of_a_workspace_imports_back_to_the_same_graph(packaged: Path, tmp_path: Path):
    ws = workspace(packaged / "ws")
    assert main(["-C", str(ws), "import", str(FIXTURES / "occitanie-medenine")]) == 0
    first = triples_of(ws / "data" / "import" / "occitanie-medenine.ttl")
    assert main(["-C", str(ws), "export", "-o", str(tmp_path / "back.xlsx")]) == 0
    assert (
        main(["-C", str(ws), "import", str(tmp_path / "back.xlsx"), "--name", "occitanie-medenine"])
        == 0
    )
    assert triples_of(ws / "data" / "import" / "occitanie-medenine.ttl") == first


# ---- a new cooperation typed by hand, territories by ISO code


def test_new_cooperation_with_iso_codes_is_found_by_the_queries(packaged: Path, capsys):
    ws = workspace(packaged / "ws")
    assert main(["-C", str(ws), "import", str(FIXTURES / "occitanie-medenine")]) == 0
    written = triples_of(ws / "data" / "import" / "occitanie-medenine.ttl")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    within = ox.NamedNode("https://w3id.org/esskg/ontology#liesWithin")
    # Territories esskg knows keep esskg's identifiers (id:medenine is TN-82), described from
    # ISO 3166 since this workspace does not carry esskg's source data.
    medenine = ox.NamedNode(ID + "medenine")
    assert ox.Triple(medenine, label, ox.Literal("Médenine", language="fr")) in written
    assert ox.Triple(medenine, within, ox.NamedNode(ID + "tunisie")) in written
    assert (
        ox.Triple(ox.NamedNode(ID + "tunisie"), label, ox.Literal("Tunisie", language="fr"))
        in written
    )
    assert ox.Triple(ox.NamedNode(ID + "occitanie"), within, ox.NamedNode(ID + "france")) in written
    # Participations without an identifier get one from their partnership and actor.
    agent = ox.NamedNode("http://www.w3.org/ns/prov#agent")
    minted = ox.NamedNode(BASE + "participation-cooperation-occitanie-medenine-association-zarzis")
    assert ox.Triple(minted, agent, ox.NamedNode(BASE + "association-zarzis")) in written
    # The multi-line quoted cell is one value.
    description = [t.object.value for t in written if t.predicate.value.endswith("description")]
    assert description == ["Jardins partagés et formation\nau maraîchage, sur deux lignes."]
    capsys.readouterr()
    assert (
        main(
            ["-C", str(ws), "query", "partnerships-by-sdg", "--param", "goal=5", "--format", "json"]
        )
        == 0
    )
    assert "cooperation-occitanie-medenine" in capsys.readouterr().out


# ---- templates


def test_template_workbook_has_help_dropdowns_and_an_example(packaged: Path, capsys):
    assert main(["template", "-o", "modele.xlsx"]) == 0
    book = openpyxl.load_workbook("modele.xlsx")
    assert book.sheetnames[: len(load_spec())] == [s.name for s in load_spec()]
    assert book["listes"].sheet_state == "hidden"
    sheet = book["participations"]
    assert [c.value for c in sheet[1]][:4] == ["id", "dans", "acteur", "role"]
    assert "Rôle de l'acteur" in sheet["D1"].comment.text and "(en)" in sheet["D1"].comment.text
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["D2"].startswith("listes!$")
    letter = lists["D2"].split("$")[1]
    roles = [c.value for c in book["listes"][letter]][1:]
    assert "Partenaire" in roles and "Structure d'appui" in roles
    assert book["odd"]["B2"].value == "2.4"
    # The template as it comes imports nothing: the example row is left out.
    ws = workspace(packaged / "ws")
    capsys.readouterr()
    assert main(["-C", str(ws), "import", "modele.xlsx"]) == 1
    out, err = capsys.readouterr()
    assert "no rows to import" in out or "aucune ligne" in out
    assert "11 ligne(s) d'exemple laissée(s) de côté" in err


def test_template_folder_has_csv_and_csvw_metadata(packaged: Path):
    assert main(["template", "-o", "modele"]) == 0
    metadata = json.loads(Path("modele/csv-metadata.json").read_text(encoding="utf-8"))
    tables = {t["url"]: t for t in metadata["tables"]}
    assert set(tables) == {f"{s.name}.csv" for s in load_spec()}
    columns = tables["partenariats.csv"]["tableSchema"]["columns"]
    territories = next(c for c in columns if c["name"] == "territoires")
    assert territories["separator"] == "|" and territories["required"] is True
    assert territories["propertyUrl"] == "https://w3id.org/esskg/ontology#involvesTerritory"
    data = Path("modele/acteurs.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid;nom_fr;")


def test_export_neutralises_formulas(packaged: Path, tmp_path: Path):
    ws = workspace(packaged / "ws")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "territoires.csv").write_text(
        "id;nom_fr;nature\nt1;'=1+1;Village\n", encoding="utf-8"
    )
    assert main(["-C", str(ws), "import", str(folder), "--name", "t"]) == 0
    label = [
        t.object.value
        for t in triples_of(ws / "data/import/t.ttl")
        if t.predicate.value.endswith("label")
    ]
    assert label == ["=1+1"]
    assert main(["-C", str(ws), "export", "-o", str(tmp_path / "out")]) == 0
    assert "'=1+1" in (tmp_path / "out/territoires.csv").read_text(encoding="utf-8-sig")
    assert main(["-C", str(ws), "export", "-o", str(tmp_path / "out.xlsx")]) == 0
    cell = openpyxl.load_workbook(tmp_path / "out.xlsx")["territoires"]["C2"]
    assert cell.value == "=1+1" and cell.data_type == "s"


# ---- broken spreadsheets: the cell, and nothing written

VALID = {
    "acteurs": [
        [
            "a1",
            "Région Occitanie",
            "Occitanie Region",
            "",
            "",
            "Région (conseil régional)",
            "",
            "FR-OCC",
        ],
        [
            "a2",
            "Médenine",
            "Medenine",
            "",
            "",
            "Collectivité ou autorité territoriale",
            "",
            "TN-82",
        ],
    ],
    "partenariats": [
        [
            "p1",
            "Coopération",
            "Cooperation",
            "",
            "",
            "",
            "",
            "Coopération décentralisée",
            "FR-OCC | TN-82",
        ]
    ],
    "participations": [["", "p1", "a1", "Partenaire"], ["", "p1", "a2", "Partenaire"]],
}


def book(changes: dict[str, list[list[object]]]) -> bytes:
    vocabulary = Vocabulary.from_dataset(load_dataset(include_project_data=False))
    data = workbook_bytes({**VALID, **{k: [] for k in changes}}, vocabulary, example=False)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for sheet, rows in changes.items():
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                workbook[sheet].cell(row=r, column=c, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


BROKEN = {
    "unknown-code": (
        {"participations": [["", "p1", "a1", "Partenair"], ["", "p1", "a2", "Partenaire"]]},
        ("participations", 2, "D (role)", "Partenair", "nearest: Partenaire"),
    ),
    "missing-required": (
        {
            "partenariats": [
                [
                    "p1",
                    "",
                    "Cooperation",
                    "",
                    "",
                    "",
                    "",
                    "Coopération décentralisée",
                    "FR-OCC | TN-82",
                ]
            ]
        },
        ("partenariats", 2, "B (nom_fr)", "", "required cell is empty"),
    ),
    "dangling-reference": (
        {"participations": [["", "p1", "a1", "Partenaire"], ["", "p1", "a3", "Partenaire"]]},
        ("participations", 3, "C (acteur)", "a3", "nearest: a2, a1"),
    ),
    "duplicate-identifier": (
        {
            "acteurs": [
                VALID["acteurs"][0],
                VALID["acteurs"][1],
                ["a1", "Autre", "Other", "", "", "Réseau"],
            ]
        },
        ("acteurs", 4, "A (id)", "a1", "already given in sheet acteurs, row 2"),
    ),
    "number-for-text": (
        {"acteurs": [VALID["acteurs"][0], ["a2", 12, "Twelve", "", "", "Réseau"]]},
        ("acteurs", 3, "B (nom_fr)", "12", "a number (12) where text is expected"),
    ),
    "shacl-one-territory": (
        {
            "partenariats": [
                [
                    "p1",
                    "Coopération",
                    "Cooperation",
                    "",
                    "",
                    "",
                    "",
                    "Coopération décentralisée",
                    "FR-OCC",
                ]
            ]
        },
        ("partenariats", 2, "I (territoires)", "", ""),
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_workbook_names_the_cell_and_writes_nothing(packaged: Path, capsys, case: str):
    changes, (sheet, row, column, value, message) = BROKEN[case]
    ws = workspace(packaged / "ws")
    path = packaged / "saisie.xlsx"
    path.write_bytes(book({}))
    assert main(["-C", str(ws), "import", str(path)]) == 0
    before = (ws / "data/import/saisie.ttl").read_bytes()
    path.write_bytes(book(changes))
    capsys.readouterr()
    assert main(["-C", str(ws), "import", str(path), "--lang", "en"]) == 1
    out, err = capsys.readouterr()
    lines = [line for line in out.splitlines()[1:] if f"  {sheet}  " in line and column in line]
    assert len(lines) == 1, out
    if not case.startswith("shacl"):
        assert len(out.splitlines()) == 2, out  # the header and the one problem
    assert f"  {row}  " in lines[0] and column in lines[0] and value in lines[0]
    assert message in lines[0]
    assert "nothing written" in err
    assert (ws / "data/import/saisie.ttl").read_bytes() == before


def test_ragged_csv_row_and_wrong_encoding(packaged: Path, capsys, tmp_path: Path):
    ws = workspace(packaged / "ws")
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "territoires.csv").write_text(
        'id;nom_fr;nature\nt1;"Un nom\nsur deux lignes";Village\nt2;Nom;Village;de trop\n\n\n',
        encoding="utf-8",
    )
    assert main(["-C", str(ws), "import", str(folder), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "3 (line 4)" in out and "4 cells for 3 columns" in out
    (folder / "territoires.csv").write_bytes(
        "id;nom_fr;nature\nt1;Médenine;Village\n".encode("cp1252")
    )
    assert main(["-C", str(ws), "import", str(folder), "--encoding", "utf-8", "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "line 2" in out and "byte 0xe9 (column 5)" in out
    assert not (ws / "data/import/csv.ttl").exists()
    # Detected, it imports, with a warning saying how it was read.
    assert main(["-C", str(ws), "import", str(folder)]) == 0
    assert "lu en cp1252" in capsys.readouterr().err
    labels = {t.object.value for t in triples_of(ws / "data/import/csv.ttl")}
    assert "Médenine" in labels


def test_zip_bomb_and_unknown_column_are_refused(packaged: Path, capsys, tmp_path: Path):
    ws = workspace(packaged / "ws")
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 50_000_000)
    assert main(["-C", str(ws), "import", str(bomb), "--lang", "en"]) == 1
    assert "inflates" in capsys.readouterr().out
    folder = tmp_path / "cols"
    folder.mkdir()
    (folder / "acteurs.csv").write_text("id;nom_fr;natur\na1;A;Réseau\n", encoding="utf-8")
    assert main(["-C", str(ws), "import", str(folder), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "unknown column 'natur'" in out and "did you mean nature" in out


def test_workbook_with_a_damaged_sheet_is_refused_in_words(packaged: Path, capsys, tmp_path):
    """A sheet neither reader can parse: the message says so, not a traceback."""
    ws = workspace(packaged / "ws")
    good = typed_workbook(tmp_path / "good.xlsx", 10)
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(damaged, "w") as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet2.xml":
                data = data[: len(data) // 2]  # cut in the middle of a row
            target.writestr(member, data)
    assert main(["-C", str(ws), "import", str(damaged), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "unreadable workbook" in out and "damaged.xlsx" in out


def test_reimport_replaces_only_its_own_file(packaged: Path, tmp_path: Path):
    ws = workspace(packaged / "ws")
    other = ws / "data" / "import" / "other.ttl"
    other.parent.mkdir(parents=True)
    other.write_text("", encoding="utf-8")
    path = tmp_path / "saisie.xlsx"
    path.write_bytes(book({}))
    assert main(["-C", str(ws), "import", str(path)]) == 0
    smaller = {
        "participations": VALID["participations"],
        "acteurs": VALID["acteurs"],
        "partenariats": [
            [
                "p1",
                "Autre nom",
                "Other name",
                "",
                "",
                "",
                "",
                "Coopération décentralisée",
                "FR-OCC | TN-82",
            ]
        ],
    }
    path.write_bytes(book(smaller))
    assert main(["-C", str(ws), "import", str(path)]) == 0
    labels = {t.object.value for t in triples_of(ws / "data/import/saisie.ttl")}
    assert "Autre nom" in labels and "Coopération" not in labels
    assert other.exists()


def test_import_outside_a_workspace_is_refused(packaged: Path, capsys):
    assert main(["import", str(FIXTURES / "occitanie-medenine")]) == 2
    assert "esskg init" in capsys.readouterr().err


# ---- LibreOffice


@pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed; tests/setup.sh installs it",
)
def test_libreoffice_opens_the_export_and_its_ods_imports_the_same(packaged: Path, tmp_path: Path):
    assert main(["-C", str(resources.packaged_root()), "export", "-o", "cases.xlsx"]) == 0
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "ods",
            "--outdir",
            str(packaged),
            "cases.xlsx",
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    ods = packaged / "cases.ods"
    content = zipfile.ZipFile(ods).read("content.xml").decode("utf-8")
    assert "table:content-validation" in content and "listes" in content
    ws = workspace(packaged / "ws", "--include-source")
    assert main(["-C", str(ws), "import", "cases.xlsx", "--name", "from-xlsx"]) == 0
    assert main(["-C", str(ws), "import", str(ods), "--name", "from-ods"]) == 0
    assert triples_of(ws / "data/import/from-ods.ttl") == triples_of(
        ws / "data/import/from-xlsx.ttl"
    )


# ---- the bulk path (polars) says exactly what the row path says


def registry_csv(folder: Path, rows: int, bad_row: int | None = None) -> Path:
    """A registry-like extract: actors with codes, ISO territories, multi-valued and multi-line
    cells, quotes and a neutralised formula; and their SDG links."""
    folder.mkdir()
    kinds = ["Association", "Coopérative", "réseau", "Structure de l'ESS"]
    fields = ["Agroécologie", "Permaculture | Maraîchage bio", ""]
    places = ["FR-OCC", "TN-82", "MA", "FR-NOR | TN"]
    lines = ["id;nom_fr;nom_en;nature;implante_dans;champs;description_fr"]
    for i in range(rows):
        kind = "Associaton" if i + 2 == bad_row else kinds[i % 4]
        text = '"Sur deux\nlignes ; avec ""guillemets"""' if i % 7 == 0 else "'=SOMME(A1)"
        text = " 'SOMME(A1)" if i % 7 == 2 else " '=SOMME(A2) " if i % 7 == 3 else text
        lines.append(
            f"acteur-{i};Acteur {i};Actor {i};{kind};{places[i % 4]};{fields[i % 3]};{text}"
        )
    (folder / "acteurs.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    links = ["element;odd"] + [f"acteur-{i};{('2', '2.4', '17.17')[i % 3]}" for i in range(rows)]
    (folder / "odd.csv").write_text("\n".join(links) + "\n", encoding="utf-8")
    return folder


def convert_folder(folder: Path, *, bulk: bool, monkeypatch: pytest.MonkeyPatch):
    from esskg.tabular import fast
    from esskg.tabular.mapping import Converter, GraphIndex
    from esskg.tabular.read import read_tables

    monkeypatch.setattr(fast, "BULK_MIN_ROWS", 100 if bulk else 10**9)
    dataset = load_dataset(include_project_data=False)
    converter = Converter(Vocabulary.from_dataset(dataset), BASE, GraphIndex.from_dataset(dataset))
    tables = [t for p in sorted(folder.iterdir()) for t in read_tables(p)]
    return converter.convert(tables)


def test_bulk_path_gives_the_row_paths_statements(packaged: Path, monkeypatch, tmp_path: Path):
    folder = registry_csv(tmp_path / "reg", 3000)
    bulk = convert_folder(folder, bulk=True, monkeypatch=monkeypatch)
    rows = convert_folder(folder, bulk=False, monkeypatch=monkeypatch)
    assert bulk.problems == rows.problems == []
    assert bulk.bulk or len(bulk.origins) < 100  # the bulk path did the work
    statements = set(ntriples(bulk).decode("utf-8").splitlines())
    assert bulk.bulk_sink is not None and rows.bulk_sink is None and statements
    assert statements == set(ntriples(rows).decode("utf-8").splitlines())
    assert len(statements) > 3000 * 6
    assert (
        f'<{BASE}acteur-0> <http://purl.org/dc/terms/description> "Sur deux\\nlignes ; avec \\"guillemets\\""@fr .'
        in statements
    )
    assert (
        f'<{BASE}acteur-1> <http://purl.org/dc/terms/description> "=SOMME(A1)"@fr .' in statements
    )
    # a space before the neutralising quote: the quote still goes, as row by row
    assert f'<{BASE}acteur-3> <http://purl.org/dc/terms/description> "=SOMME(A2)"@fr .' in (
        statements
    )
    assert f'<{BASE}acteur-2> <http://purl.org/dc/terms/description> "\'SOMME(A1)"@fr .' in (
        statements
    )


def test_bulk_path_leaves_problems_to_the_row_path(packaged: Path, monkeypatch, tmp_path: Path):
    folder = registry_csv(tmp_path / "reg", 3000, bad_row=2500)
    bulk = convert_folder(folder, bulk=True, monkeypatch=monkeypatch)
    rows = convert_folder(folder, bulk=False, monkeypatch=monkeypatch)
    assert bulk.problems == rows.problems
    [problem] = bulk.problems
    assert (problem.sheet, problem.row, problem.column, problem.value) == (
        "acteurs",
        2500,
        "D (nature)",
        "Associaton",
    )


def test_bulk_path_sends_a_short_row_to_the_row_path(packaged: Path, monkeypatch, tmp_path):
    """polars pads a row with too few cells with empty ones; the bulk path must still see it
    (regression: a registry row cut short was read as empty trailing cells)."""
    folder = registry_csv(tmp_path / "reg", 3000)
    path = folder / "acteurs.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith("acteur-2500;"))
    lines[number] = "acteur-2500;Acteur;Actor;Association;MA;Agroécologie"  # 6 cells of 7
    path.write_text("\n".join(lines), encoding="utf-8")
    bulk = convert_folder(folder, bulk=True, monkeypatch=monkeypatch)
    rows = convert_folder(folder, bulk=False, monkeypatch=monkeypatch)
    assert bulk.problems == rows.problems
    problem = bulk.problems[0]  # then odd.csv's link to the actor left out
    assert (problem.code, problem.sheet, problem.row, problem.message_en) == (
        "missing-cell",
        "acteurs",
        2502,
        "6 cells for 7 columns: some are missing",
    )
    assert bulk.bulk_sink is None  # nothing written in bulk


def test_bulk_path_cuts_its_file_back_when_a_later_batch_doubts(
    packaged: Path, monkeypatch, tmp_path: Path
):
    """The bulk path writes each batch as it goes, to the caller's file; a doubt in a later
    batch of the second table cuts the file back to where that table began, and the row path
    says the problem at its cell."""
    from esskg.tabular import fast
    from esskg.tabular.mapping import Converter, GraphIndex, write_ntriples
    from esskg.tabular.read import read_tables

    folder = registry_csv(tmp_path / "reg", 3000)
    links = (
        (folder / "odd.csv")
        .read_text(encoding="utf-8")
        .replace("acteur-2800;2.4", "acteur-2800;2.99")
    )
    (folder / "odd.csv").write_text(links, encoding="utf-8")
    monkeypatch.setattr(fast, "BULK_MIN_ROWS", 100)
    monkeypatch.setattr(fast, "BATCH_ROWS", 500)
    dataset = load_dataset(include_project_data=False)
    sink = io.BytesIO()
    converter = Converter(
        Vocabulary.from_dataset(dataset), BASE, GraphIndex.from_dataset(dataset), sink=sink
    )
    conversion = converter.convert([t for p in sorted(folder.iterdir()) for t in read_tables(p)])
    [problem] = conversion.problems
    assert (problem.sheet, problem.row, problem.value) == ("odd", 2802, "2.99")
    written = sink.getvalue().decode("utf-8").splitlines()
    assert written and all("contributesToSDG" not in line for line in written)  # actors only
    assert len(written) == len(set(written))  # no batch of odd.csv left behind
    write_ntriples(conversion, sink)
    assert any("contributesToSDG" in line for line in sink.getvalue().decode().splitlines())


def test_cell_over_the_limit_is_refused_at_its_cell(packaged: Path, capsys, tmp_path: Path):
    ws = workspace(packaged / "ws")
    folder = tmp_path / "long"
    folder.mkdir()
    (folder / "territoires.csv").write_text(
        "id;nom_fr;nature\nt1;" + "x" * 10_001 + ";Village\n", encoding="utf-8"
    )
    assert main(["-C", str(ws), "import", str(folder), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "B (nom_fr)" in out and "cell of 10001 characters, over 10000" in out
    assert not (ws / "data/import/long.ttl").exists()


def test_formula_cells_are_never_evaluated(packaged: Path, capsys, tmp_path: Path):
    """A formula gives the value its spreadsheet saved with it; esskg computes nothing. Written
    by openpyxl, which saves no value, the cell reads as empty."""
    workbook = openpyxl.load_workbook(io.BytesIO(book({})))
    workbook["partenariats"]["B2"] = '=CONCATENATE("Coop";"ération")'
    path = tmp_path / "formule.xlsx"
    workbook.save(path)
    ws = workspace(packaged / "ws")
    assert main(["-C", str(ws), "import", str(path), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "B (nom_fr)" in out and "required cell is empty" in out
    assert "CONCATENATE" not in out


# ---- validation scoped to the imported nodes (issue 9)


def scoped_and_whole(ws: Path, folder: Path, engine: str = "auto") -> tuple[list, list]:
    """The problems `esskg import` reports (scoped validation) and those whole-graph validation
    gives for the same imported rows."""
    from esskg.infer import closure_input, inferred_quads
    from esskg.tabular import importer
    from esskg.validate import validate_store

    layout = resources.project(ws)
    target, conversion, errors, warnings, _ = importer.import_files(
        [folder], layout, write=False, engine=engine
    )
    dataset = importer._rest_of_graph(layout, target)
    own = ox.NamedNode(layout.own_graph_iri("import"))
    for quad in ox.parse(ntriples(conversion), format=ox.RdfFormat.N_TRIPLES):
        dataset.add(ox.Quad(quad.subject, quad.predicate, quad.object, own))
    for quad in inferred_quads(closure_input(dataset)):
        dataset.add(quad)
    whole_errors, whole_warnings = importer._located(
        validate_store(dataset, layout.shapes), conversion
    )
    order = lambda p: (p.row or 0, p.column, p.code, p.value, p.message_en)  # noqa: E731
    return sorted(errors + warnings, key=order), sorted(whole_errors + whole_warnings, key=order)


@pytest.mark.parametrize(
    ("batch", "engine"), [(100_000, "auto"), (1, "auto"), (100_000, "pyshacl")]
)
def test_scoped_validation_sees_the_neighbours_whole_validation_sees(
    packaged: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int, engine: str
):
    from esskg.tabular import importer

    # batch 1: each imported node validated on its own, with only what its shapes reach
    monkeypatch.setattr(importer, "VALIDATION_BATCH", batch)
    runs = []
    validate = importer.validate_store
    monkeypatch.setattr(
        importer, "validate_store", lambda *a, **k: runs.append(1) or validate(*a, **k)
    )
    ws = workspace(packaged / "ws", "--include-source")
    folder = tmp_path / "coop"
    shutil.copytree(FIXTURES / "occitanie-medenine", folder)
    # Only Occitanie: esskg's data (not the import) says it lies within France, two steps away
    # from the partnership: the rule "a decentralised cooperation involves a foreign territory"
    # must fire, and "... a French territory" must not.
    partnerships = folder / "partenariats.csv"
    partnerships.write_text(
        partnerships.read_text(encoding="utf-8").replace("FR-OCC | TN-82", "FR-OCC"),
        encoding="utf-8",
    )
    # Another file of the workspace gives an imported actor a second French name.
    extra = ws / "data" / "extra"
    extra.mkdir()
    (extra / "noms.ttl").write_text(
        f'<{BASE}association-zarzis> <http://www.w3.org/2000/01/rdf-schema#label> "Autre"@fr .\n',
        encoding="utf-8",
    )
    scoped, whole = scoped_and_whole(ws, folder, engine)
    assert scoped == whole
    assert (len(runs) > 5) == (batch == 1)
    found = {(p.row, p.column, p.code, p.message_en[:30]) for p in scoped if not p.warning}
    assert found == {
        (2, "", "shacl:SPARQLConstraintComponent", "A decentralised cooperation in"),
        (
            2,
            "E (territoires)",
            "shacl:MinCountConstraintComponent",
            "A partnership involves at leas",
        ),
        (
            4,
            "B (nom_fr) / C (nom_en)",
            "shacl:UniqueLangConstraintComponent",
            "An actor's labels carry a lang",
        ),
    }, found
    [rule] = [p for p in scoped if p.code == "shacl:SPARQLConstraintComponent"]
    assert "foreign" in rule.message_en and "French" not in rule.message_en


def test_backward_predicates_are_those_the_shapes_follow_backward(tmp_path: Path):
    from esskg.tabular.importer import backward_predicates

    found = backward_predicates(resources.packaged_root() / "shapes" / "esskg-shapes.ttl")
    esskg = "https://w3id.org/esskg/ontology#"
    assert {esskg + "hasAxis", "http://www.w3.org/2004/02/skos/core#narrower"} <= found
    assert esskg + "basedIn" not in found  # a million actors in one territory stay in their batch
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        '<urn:s> <http://www.w3.org/ns/shacl#select> "SELECT $this { ?x ?p $this }" .\n',
        encoding="utf-8",
    )
    assert backward_predicates(shapes) is None  # any predicate may be followed backward


# ---- the bulk path for workbooks, CSV with blank trailing rows, and Windows-1252 CSV


def registry_workbook(path: Path, rows: int, change: tuple[int, str, object] | None = None) -> Path:
    """registry_csv's actors and SDG links as an XLSX, with the cells calamine gives typed: SDG
    goals and dissolution years typed as numbers, dates as dates, blank cells."""
    import datetime as dt

    book = openpyxl.Workbook(write_only=True)
    actors = book.create_sheet("acteurs")
    headers = ["id", "nom_fr", "nom_en", "nature", "implante_dans", "champs", "dissolution"]
    actors.append(headers)
    kinds = ["Association", "Coopérative", "réseau", "Structure de l'ESS"]
    fields = ["Agroécologie", "Permaculture | Maraîchage bio", None]
    places = ["FR-OCC", "TN-82", "MA", "FR-NOR | TN"]
    ended = [None, 2015, dt.date(2019, 3, 1), "2021-06", dt.datetime(2020, 5, 4)]
    for i in range(rows):
        cells = [f"acteur-{i}", f"Acteur {i}", f"Actor {i}", kinds[i % 4], places[i % 4]]
        cells += [fields[i % 3], ended[i % 5]]
        if change and change[0] == i + 2:
            cells[headers.index(change[1])] = change[2]
        actors.append(cells)
    links = book.create_sheet("odd")
    links.append(["element", "odd"])
    for i in range(rows):
        links.append([f"acteur-{i}", (2, "2.4", 17, "17.17")[i % 4]])
    book.save(path)
    return path


def convert_files(files: list[Path], *, bulk: bool, monkeypatch: pytest.MonkeyPatch):
    from esskg.tabular import fast
    from esskg.tabular.mapping import Converter, GraphIndex
    from esskg.tabular.read import read_tables

    monkeypatch.setattr(fast, "BULK_MIN_ROWS", 100 if bulk else 10**9)
    dataset = load_dataset(include_project_data=False)
    converter = Converter(Vocabulary.from_dataset(dataset), BASE, GraphIndex.from_dataset(dataset))
    return converter.convert([t for p in files for t in read_tables(p)])


def test_workbook_takes_the_bulk_path_to_the_row_paths_statements(
    packaged: Path, monkeypatch, tmp_path: Path
):
    from esskg.tabular import fast

    monkeypatch.setattr(fast, "BATCH_ROWS", 700)  # several batches per sheet
    path = registry_workbook(tmp_path / "registre.xlsx", 3000)
    bulk = convert_files([path], bulk=True, monkeypatch=monkeypatch)
    rows = convert_files([path], bulk=False, monkeypatch=monkeypatch)
    assert bulk.problems == rows.problems == []
    assert len(bulk.bulk) == 2 and not rows.bulk  # both sheets went the bulk way
    statements = set(ntriples(bulk).decode("utf-8").splitlines())
    assert statements == set(ntriples(rows).decode("utf-8").splitlines())
    assert len(statements) > 3000 * 7
    dissolved = "<https://schema.org/dissolutionDate>"
    assert f'<{BASE}acteur-1> {dissolved} "2015"^^<http://www.w3.org/2001/XMLSchema#gYear> .' in (
        statements
    )
    assert (
        f'<{BASE}acteur-4> {dissolved} "2020-05-04"^^<http://www.w3.org/2001/XMLSchema#date> .'
        in (statements)
    )


@pytest.mark.parametrize(
    ("change", "column", "code"),
    [
        ((2500, "nature", 1), "D (nature)", "type-error"),  # a code typed as a number
        ((2600, "nom_fr", 1.0), "B (nom_fr)", "type-error"),  # a number where text was meant
        ((2700, "dissolution", 2015.5), "G (dissolution)", "type-error"),
        ((2800, "nature", "Associaton"), "D (nature)", "constraint-error"),
    ],
)
def test_workbook_bulk_path_leaves_each_problem_at_its_cell(
    packaged: Path, monkeypatch, tmp_path: Path, change, column: str, code: str
):
    path = registry_workbook(tmp_path / "registre.xlsx", 3000, change)
    bulk = convert_files([path], bulk=True, monkeypatch=monkeypatch)
    rows = convert_files([path], bulk=False, monkeypatch=monkeypatch)
    assert bulk.problems == rows.problems
    problem = bulk.problems[0]
    assert (problem.code, problem.sheet, problem.row, problem.column) == (
        code,
        "acteurs",
        change[0],
        column,
    )


def test_workbook_code_typed_as_text_stays_text(packaged: Path, monkeypatch, tmp_path: Path):
    """`01` in a text cell is the identifier 01, in bulk as row by row (calamine gives a number
    only for a number cell)."""
    path = registry_workbook(tmp_path / "registre.xlsx", 3000, (2000, "id", "01"))
    bulk = convert_files([path], bulk=True, monkeypatch=monkeypatch)
    assert len(bulk.bulk) == 1 and bulk.problems  # odd's link to acteur-1998 is now dangling
    path = registry_workbook(tmp_path / "ok.xlsx", 3000, (2000, "nom_fr", "01"))
    bulk = convert_files([path], bulk=True, monkeypatch=monkeypatch)
    assert len(bulk.bulk) == 2 and not bulk.problems
    assert f'<{BASE}acteur-1998> <http://www.w3.org/2000/01/rdf-schema#label> "01"@fr .' in set(
        ntriples(bulk).decode("utf-8").splitlines()
    )


@pytest.mark.parametrize("tail", ["\n\n\n", ";;;;;;\n;;;;;;\n", "\r\n;;\n  \n;", "\n;;;;;;"])
def test_csv_trailing_blank_rows_keep_the_bulk_path(
    packaged: Path, monkeypatch, tmp_path: Path, tail: str
):
    folder = registry_csv(tmp_path / "reg", 3000)
    with (folder / "acteurs.csv").open("a", encoding="utf-8", newline="") as out:
        out.write(tail)
    bulk = convert_folder(folder, bulk=True, monkeypatch=monkeypatch)
    rows = convert_folder(folder, bulk=False, monkeypatch=monkeypatch)
    assert bulk.problems == rows.problems == []
    assert [index for index, _ in bulk.bulk] == [0, 1]  # both tables in bulk
    assert set(ntriples(bulk).decode().splitlines()) == set(ntriples(rows).decode().splitlines())


def test_csv_blank_row_in_the_middle_goes_to_the_row_path(
    packaged: Path, monkeypatch, tmp_path: Path
):
    folder = registry_csv(tmp_path / "reg", 3000)
    path = folder / "acteurs.csv"
    text = path.read_text(encoding="utf-8").replace("\nacteur-1500;", "\n\nacteur-1500;")
    path.write_text(text, encoding="utf-8")
    bulk = convert_folder(folder, bulk=True, monkeypatch=monkeypatch)
    rows = convert_folder(folder, bulk=False, monkeypatch=monkeypatch)
    assert bulk.problems == rows.problems == []
    assert [index for index, _ in bulk.bulk] == [1]  # odd.csv only
    assert set(ntriples(bulk).decode().splitlines()) == set(ntriples(rows).decode().splitlines())


def test_cp1252_csv_is_streamed_to_utf8_and_takes_the_bulk_path(
    packaged: Path, monkeypatch, tmp_path: Path
):
    from esskg.tabular import read

    folder = registry_csv(tmp_path / "reg", 3000)
    utf8 = convert_folder(folder, bulk=True, monkeypatch=monkeypatch)
    name = "L\u2019Acteur « 7 » €"  # the apostrophe and the euro sign Word types (0x92, 0x80)
    for path in folder.iterdir():
        text = path.read_text(encoding="utf-8").replace("Acteur 7;", f"{name};")
        path.write_bytes(text.encode("cp1252"))
    monkeypatch.setattr(read, "CHUNK_BYTES", 4096)  # many pieces, lines cut across them
    [table] = read.read_tables(folder / "acteurs.csv")
    assert "lu en cp1252" in table.notes[0]
    if Path(read.PROC_FD).is_dir():  # a UTF-8 copy on disk, not the text in memory
        assert isinstance(table.source, Path) and table.spool is not None
        assert table.source.read_bytes() == (folder / "acteurs.csv").read_bytes().decode(
            "cp1252"
        ).encode("utf-8")
    converted = convert_folder(folder, bulk=True, monkeypatch=monkeypatch)
    assert converted.problems == []
    assert [index for index, _ in converted.bulk] == [0, 1]
    statements = set(ntriples(converted).decode("utf-8").splitlines())
    label = f'<{BASE}acteur-7> <http://www.w3.org/2000/01/rdf-schema#label> "{name}"@fr .'
    assert label in statements
    assert statements - {label} == set(ntriples(utf8).decode("utf-8").splitlines()) - {
        label.replace(name, "Acteur 7")
    }


def test_encoding_error_deep_in_a_streamed_csv_names_its_line(
    packaged: Path, monkeypatch, tmp_path: Path
):
    from esskg.errors import ProblemsError
    from esskg.tabular import read

    folder = registry_csv(tmp_path / "reg", 3000)
    path = folder / "acteurs.csv"
    data = path.read_bytes().replace(b"Acteur 2500;", b"Acteur 2500\xe9;")
    path.write_bytes(data)
    monkeypatch.setattr(read, "CHUNK_BYTES", 4096)
    with pytest.raises(ProblemsError) as raised:
        read.read_tables(path, encoding="utf-8")
    [problem] = raised.value.problems
    line = data[: data.index(b"\xe9")].count(b"\n") + 1
    assert (problem.code, problem.line) == ("encoding-error", line)
    assert "byte 0xe9 (column 24)" in problem.message_en


def test_windows_1252_with_euro_signs_is_not_read_as_mac_roman(packaged: Path, tmp_path: Path):
    """charset-normalizer alone ranks mac_roman first for this text (a euro sign beside a number
    is "chaos" to it), which reads Maraîchage as MaraÓchage."""
    from esskg.tabular.read import read_tables

    path = tmp_path / "acteurs.csv"
    lines = ["id;nom_fr;champs;description_fr"] + [
        f"a{i};Association numéro {i};Maraîchage bio;Objet social (10 €)" for i in range(50)
    ]
    path.write_bytes("\n".join(lines).encode("cp1252"))
    [table] = read_tables(path)
    assert "lu en cp1252" in table.notes[0]
    cells = ["a0", "Association numéro 0", "Maraîchage bio", "Objet social (10 €)"]
    assert next(table.rows).cells == cells


@pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed; tests/setup.sh installs it",
)
def test_ods_saved_by_libreoffice_takes_the_bulk_path(packaged: Path, monkeypatch, tmp_path: Path):
    path = registry_workbook(tmp_path / "registre.xlsx", 3000)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "ods",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    ods = tmp_path / "registre.ods"
    used = without_calamine_values(monkeypatch)
    bulk = convert_files([ods], bulk=True, monkeypatch=monkeypatch)
    rows = convert_files([ods], bulk=False, monkeypatch=monkeypatch)
    assert bulk.problems == rows.problems == []
    assert len(bulk.bulk) == 2
    assert used == ["acteurs"]  # odd from typed columns; acteurs mixes dates, years and text
    statements = set(ntriples(bulk).decode("utf-8").splitlines())
    assert statements == set(ntriples(rows).decode("utf-8").splitlines())
    xlsx = convert_files([path], bulk=True, monkeypatch=monkeypatch)
    assert statements == set(ntriples(xlsx).decode("utf-8").splitlines())


# ---- workbooks read as typed columns (fastexcel), python-calamine's values only when needed


def typed_workbook(path: Path, rows: int, change: tuple[str, int, int, object] | None = None):
    """A workbook whose every column holds one kind of cell: text, dates (and datetimes) in
    the dissolution column, SDG goals typed as numbers, blank cells, blank rows in the middle
    and at the end, a formula (saved without its value). `change` puts a value at (sheet, row,
    column number)."""
    import datetime as dt

    book = openpyxl.Workbook()
    actors = book.active
    actors.title = "acteurs"
    actors.append(["id", "nom_fr", "nom_en", "nature", "implante_dans", "champs", "dissolution"])
    kinds = ["Association", "Coopérative", "réseau", "Structure de l'ESS"]
    ended = [None, dt.date(2019, 3, 1), dt.datetime(2020, 5, 4, 13, 30)]
    for i in range(rows):
        name_en = "=UPPER(B2)" if i == 7 else f"Actor {i}"
        actors.append(
            [f"acteur-{i}", f"Acteur {i}", name_en, kinds[i % 4], "FR-OCC", None, ended[i % 3]]
        )
        if i == 500:
            actors.append([])  # a blank row in the middle
    links = book.create_sheet("odd")
    links.append(["element", "odd"])
    for i in range(rows):
        links.append([f"acteur-{i}", (2, 17, 5)[i % 3]])
    if change:
        sheet, row, column, value = change
        book[sheet].cell(row, column, value)
    for sheet in (actors, links):
        sheet.append([None] * 2)  # rows left blank at the end
    book.save(path)
    return path


def without_calamine_values(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the sheets the bulk path reads from python-calamine's values (the slow way)."""
    from esskg.tabular import fast

    used: list[str] = []
    read_values = fast._value_batches

    def recorded(table, *args):
        used.append(table.sheet)
        return read_values(table, *args)

    monkeypatch.setattr(fast, "_value_batches", recorded)
    return used


def test_typed_workbook_gives_the_row_paths_statements(packaged, monkeypatch, tmp_path: Path):
    """Text, dates, whole numbers, blank cells and rows, a formula: read as typed columns, the
    same statements as row by row, and no sheet goes through python-calamine's values."""
    from esskg.tabular import fast

    monkeypatch.setattr(fast, "BATCH_ROWS", 700)  # several batches per sheet
    path = typed_workbook(tmp_path / "registre.xlsx", 3000)
    used = without_calamine_values(monkeypatch)
    bulk = convert_files([path], bulk=True, monkeypatch=monkeypatch)
    rows = convert_files([path], bulk=False, monkeypatch=monkeypatch)
    assert bulk.problems == rows.problems == []
    assert len(bulk.bulk) == 2 and used == []
    statements = set(ntriples(bulk).decode("utf-8").splitlines())
    assert statements == set(ntriples(rows).decode("utf-8").splitlines())
    dissolved = "<https://schema.org/dissolutionDate>"
    date = "<http://www.w3.org/2001/XMLSchema#date>"
    assert f'<{BASE}acteur-2> {dissolved} "2020-05-04"^^{date} .' in statements
    assert f"<{BASE}acteur-7> <http://www.w3.org/2000/01/rdf-schema#label> " not in "".join(
        s for s in statements if '"@en' in s and "acteur-7>" in s
    )
    # the rows after the blank one keep their numbers, as the spreadsheet shows them
    [(_, nodes)] = [b for b in bulk.bulk if b[0] == 0]
    assert nodes.filter(nodes["node"] == f"{BASE}acteur-501")["row"].to_list() == [504]


@pytest.mark.parametrize(
    ("change", "code", "column", "by_values"),
    [
        # a code typed as a number: the column mixes kinds, python-calamine's values say which
        (("acteurs", 1200, 4, 7), "type-error", "D (nature)", ["acteurs"]),
        # 2.1 or 2.10? typed as a number: the view of numbers sees a number that is not whole
        (("odd", 1500, 2, 2.5), "type-error", "B (odd)", ["odd"]),
        # a boolean beside numbers: read as text it would be "true"; the view of numbers sees it
        (("odd", 1600, 2, True), "constraint-error", "B (odd)", ["odd"]),
        # a number that is not a year beside dates and blank cells (a blank cell before)
        (("acteurs", 1302, 7, 2015.5), "type-error", "G (dissolution)", ["acteurs"]),
    ],
)
def test_typed_workbook_leaves_each_problem_at_its_cell(
    packaged, monkeypatch, tmp_path: Path, change, code: str, column: str, by_values: list[str]
):
    """The row path reports each problem as without typed columns; python-calamine's values are
    read only where the typed columns cannot tell."""
    path = typed_workbook(tmp_path / "registre.xlsx", 3000, change)
    used = without_calamine_values(monkeypatch)
    bulk = convert_files([path], bulk=True, monkeypatch=monkeypatch)
    assert used == by_values
    rows = convert_files([path], bulk=False, monkeypatch=monkeypatch)
    assert bulk.problems == rows.problems
    problem = bulk.problems[0]
    assert (problem.code, problem.sheet, problem.row, problem.column) == (
        code,
        change[0],
        change[1],
        column,
    )


def test_number_column_mixing_numbers_and_text_is_read_as_text(
    packaged, monkeypatch, tmp_path: Path
):
    """SDG goals typed as numbers beside targets typed as text (`2.4`) keep the typed reading;
    the dissolution column mixing dates, years and text takes python-calamine's values."""
    path = registry_workbook(tmp_path / "registre.xlsx", 3000)
    used = without_calamine_values(monkeypatch)
    bulk = convert_files([path], bulk=True, monkeypatch=monkeypatch)
    assert bulk.problems == [] and len(bulk.bulk) == 2
    assert used == ["acteurs"]
    rows = convert_files([path], bulk=False, monkeypatch=monkeypatch)
    assert set(ntriples(bulk).decode().splitlines()) == set(ntriples(rows).decode().splitlines())
