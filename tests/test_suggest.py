"""`esskg suggest sdg` and `esskg suggest accept`, on the packaged graph and in a workspace."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import socket
from pathlib import Path

import pytest

from esskg import resources
from esskg.cli import main
from esskg.load import load_dataset
from esskg.namespaces import ESSKG
from esskg.publish.catalog import void_statistics
from esskg.sssom import read_mapping_set, read_mapping_table

UNSDG = "http://metadata.un.org/sdg/"
ID = "https://w3id.org/esskg/id/"
FOOD_FR = (
    "Projet de sécurité alimentaire au Sahel : lutte contre la faim et la malnutrition des "
    "enfants, appui aux petits producteurs et aux cultures vivrières."
)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Suggestions are made offline: any attempt to connect fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("esskg suggest tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def packaged(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The real packaged graph (the source's four cases, the UN targets), from a folder outside."""
    monkeypatch.delenv(resources.ROOT_ENV, raising=False)
    away = tmp_path / "elsewhere"
    away.mkdir()
    monkeypatch.chdir(away)
    return away


def suggest(tmp_path: Path, *args: str, name: str = "s.sssom.tsv") -> Path:
    out = tmp_path / name
    assert main(["suggest", "sdg", *args, "-o", str(out)]) == 0
    return out


def test_the_source_cases_curated_targets_are_suggested_with_their_reasons(
    packaged: Path, tmp_path: Path
):
    rows = read_mapping_table(suggest(tmp_path, "--top", "5", "--ranker", "lexical"))
    by_pair = {(r.subject, r.object): r for r in rows}
    # Curated in data/mappings/sdg-links.sssom.tsv; found again from the nodes' own words.
    for node, target in (
        ("formation-maraichage-dkhila", "2.3"),
        ("axe-occitanie-oriental-ess", "8.3"),
    ):
        row = by_pair[(ID + node, UNSDG + target)]
        assert row.comment.startswith("[déjà présent] ")
        assert "mots communs avec la cible" in row.comment or "lien relu" in row.comment
    # The axis names the activity field "Activités agricoles durables", which the curated table
    # links to target 2.4: proposed through that link, and said so.
    axis = by_pair[(ID + "axe-normandie-medenine-alimentation", UNSDG + "2.4")]
    assert axis.justification == "https://w3id.org/semapv/vocab/MappingChaining"
    assert axis.comment == (
        "[déjà présent] champ d'activité « Activités agricoles durables » : "
        "lien relu dans data/mappings/sdg-links.sssom.tsv"
    )
    formation = by_pair[(ID + "formation-maraichage-dkhila", UNSDG + "2.3")]
    assert "agricoles" in formation.comment and "(champ d'activité)" in formation.comment
    # Every partnership, axis and activity of the four cases gets suggestions.
    subjects = {r.subject for r in rows}
    for node in (
        "cooperation-normandie-medenine",
        "axe-normandie-medenine-alimentation",
        "cooperation-occitanie-oriental",
        "seconet",
    ):
        assert ID + node in subjects
    normandie = [r for r in rows if r.subject == ID + "cooperation-normandie-medenine"]
    # food self-sufficiency: goal 2 first (sdg:2, through the field's curated link), then its targets
    assert [r.object.rsplit("/", 1)[1].split(".")[0] for r in normandie[:3]] == ["2", "2", "2"]


def test_a_french_food_security_text_ranks_goal_2_first(packaged: Path, tmp_path: Path):
    # hybrid needs esskg[embed] (in the test extra); without it, the lexical ranker alone.
    hybrid = ("hybrid",) if importlib.util.find_spec("wordllama") else ()
    for ranker in ("lexical", *hybrid):
        rows = read_mapping_table(
            suggest(tmp_path, "--text", FOOD_FR, "--ranker", ranker, name=f"{ranker}.tsv")
        )
        assert rows[0].object.rsplit("/", 1)[1].split(".")[0] == "2", ranker
    rows = read_mapping_table(suggest(tmp_path, "--text", FOOD_FR, "--ranker", "lexical"))
    assert rows[0].subject.startswith("urn:esskg:suggest:text:")
    assert rows[0].justification == "https://w3id.org/semapv/vocab/LexicalMatching"
    assert rows[0].predicate == "https://w3id.org/esskg/ontology#contributesToSDG"
    assert 0 < rows[0].confidence <= 1
    assert rows[0].confidence >= rows[-1].confidence
    assert "faim" in rows[0].comment and "(texte)" in rows[0].comment


def test_english_labels_and_comments_with_lang_en(packaged: Path, tmp_path: Path):
    text = "Food security: fighting hunger and child malnutrition, support to smallholders."
    rows = read_mapping_table(
        suggest(tmp_path, "--text", text, "--lang", "en", "--top", "2", "--ranker", "lexical")
    )
    assert rows[0].object.startswith(UNSDG + "2.")
    assert rows[0].object_label.startswith("Target 2.")
    assert rows[0].comment.startswith("words shared with the target: ")


def test_output_is_valid_sssom_and_the_same_bytes_twice(packaged: Path, tmp_path: Path):
    first = suggest(tmp_path, name="a.sssom.tsv")
    second = suggest(tmp_path, name="b.sssom.tsv")
    assert first.read_bytes() == second.read_bytes()
    table = read_mapping_set(first)
    assert table.metadata["mapping_set_id"] == "https://w3id.org/esskg/mappings/sdg-suggestions"
    assert len(table.rows) > 20


def test_suggest_writes_nothing_into_data(packaged: Path, tmp_path: Path, capsys):
    data = resources.packaged_root() / "data"

    def digest() -> str:
        files = sorted(p for p in data.rglob("*") if p.is_file())
        return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()

    before = digest()
    assert main(["suggest", "sdg", "--top", "2"]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("# curie_map:")  # stdout by default
    assert "proposition(s) pour 9 nœud(s)" in out.err
    assert digest() == before


def test_for_an_unknown_node_says_so(packaged: Path, capsys):
    assert main(["suggest", "sdg", "--for", "id:no-such-partnership"]) == 2
    err = capsys.readouterr().err
    assert "rien ne décrit https://w3id.org/esskg/id/no-such-partnership" in err
    assert "Traceback" not in err
    assert main(["suggest", "sdg", "--for", "nope:x"]) == 2
    assert "ni une IRI, ni un CURIE" in capsys.readouterr().err


# --- accept, in a workspace ------------------------------------------------------------------

OWN = """\
@prefix esskg: <https://w3id.org/esskg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix occ: <https://data.example.org/coop/id/> .

occ:sahel a esskg:Partnership ;
    rdfs:label "Coopération Occitanie - Sahel"@fr ;
    dcterms:description "Systèmes de production alimentaire durables et pratiques agricoles résilientes face aux sécheresses."@fr .
"""


@pytest.fixture
def workspace(packaged: Path) -> Path:
    folder = packaged / "ws"
    assert (
        main(
            ["init", str(folder), "--base", "https://data.example.org/coop/id/", "--prefix", "occ"]
        )
        == 0
    )
    (folder / "data" / "cooperations").mkdir(parents=True, exist_ok=True)
    (folder / "data" / "cooperations" / "sahel.ttl").write_text(OWN, encoding="utf-8")
    return folder


def test_accepted_rows_land_in_the_workspace_table_and_the_graph(
    workspace: Path, tmp_path: Path, capsys
):
    node = "https://data.example.org/coop/id/sahel"
    out = tmp_path / "s.sssom.tsv"
    assert main(["suggest", "sdg", "-C", str(workspace), "--for", "occ:sahel", "-o", str(out)]) == 0
    rows = read_mapping_table(out)
    assert rows[0].subject_id == "occ:sahel"
    number = next(i for i, r in enumerate(rows, 1) if r.object == UNSDG + "2.4")
    table = workspace / "data" / "mappings" / "sdg-links.sssom.tsv"
    assert not table.exists()  # nothing written before accept

    argv = ["suggest", "accept", str(out), "--row", str(number), "-C", str(workspace)]
    assert main([*argv, "--author", "occ:equipe"]) == 0
    assert "1 ligne(s) ajoutée(s)" in capsys.readouterr().err
    accepted = read_mapping_table(table)
    assert [(r.subject, r.object, r.author_id) for r in accepted] == [
        (node, UNSDG + "2.4", "occ:equipe")
    ]
    assert main(argv) == 0  # twice: not added again
    err = capsys.readouterr().err
    assert "laissée de côté : déjà dans la table" in err and "0 ligne(s) ajoutée(s)" in err
    assert len(read_mapping_table(table)) == 1

    dataset = load_dataset(root=workspace)
    link = [
        q
        for q in dataset
        if q.subject.value == node and q.predicate.value.endswith("contributesToSDG")
    ]
    assert [q.object.value for q in link] == [UNSDG + "2.4"]
    assert main(["query", "partnerships-by-sdg", "--param", "goal=2", "-C", str(workspace)]) == 0
    assert "Coopération Occitanie - Sahel" in capsys.readouterr().out

    # A second suggestion run marks the accepted pair as present.
    again = read_mapping_table(
        suggest(tmp_path, "-C", str(workspace), "--for", "occ:sahel", name="t.sssom.tsv")
    )
    marked = [r for r in again if r.object == UNSDG + "2.4"]
    assert marked and marked[0].comment.startswith("[déjà présent]")


def test_accept_refuses_a_bad_row_number_and_pasted_texts(workspace: Path, tmp_path: Path, capsys):
    out = suggest(tmp_path, "-C", str(workspace), "--text", FOOD_FR, "--top", "2")
    assert main(["suggest", "accept", str(out), "--row", "9", "-C", str(workspace)]) == 2
    assert "pas de ligne 9 (le fichier en a 2)" in capsys.readouterr().err
    assert main(["suggest", "accept", str(out), "-C", str(workspace)]) == 0
    err = capsys.readouterr().err
    assert "un texte collé, pas un nœud" in err and "0 ligne(s) ajoutée(s)" in err
    assert not (workspace / "data" / "mappings" / "sdg-links.sssom.tsv").exists()


def test_accept_leaves_out_a_link_the_graph_states_even_when_its_row_is_named(
    workspace: Path, tmp_path: Path, capsys
):
    # Regression: a link stated in the workspace's Turtle (or an import), not in the table, was
    # added to the table again when its row was named with --row.
    own = workspace / "data" / "cooperations" / "sahel.ttl"
    own.write_text(
        own.read_text(encoding="utf-8").replace(
            "occ:sahel a esskg:Partnership ;",
            "occ:sahel a esskg:Partnership ;\n    esskg:contributesToSDG "
            "<http://metadata.un.org/sdg/2.4> ;",
        ),
        encoding="utf-8",
    )
    out = tmp_path / "s.sssom.tsv"
    assert main(["suggest", "sdg", "-C", str(workspace), "--for", "occ:sahel", "-o", str(out)]) == 0
    rows = read_mapping_table(out)
    number = next(i for i, r in enumerate(rows, 1) if r.object == UNSDG + "2.4")
    assert main(["suggest", "accept", str(out), "--row", str(number), "-C", str(workspace)]) == 0
    err = capsys.readouterr().err
    assert "le graphe énonce déjà ce lien" in err and "0 ligne(s) ajoutée(s)" in err
    assert not (workspace / "data" / "mappings" / "sdg-links.sssom.tsv").exists()


def test_suggestions_are_never_written_into_data(workspace: Path, capsys):
    target = workspace / "data" / "mappings" / "s.sssom.tsv"
    assert main(["suggest", "sdg", "-C", str(workspace), "-o", str(target)]) == 2
    assert "ne s'écrivent jamais dans data/" in capsys.readouterr().err
    assert not target.exists()


# --- the embedding ranker (wordllama, from its wheel) ------------------------------------------


def test_wordllama_loads_from_its_wheel_with_sockets_blocked(packaged: Path, tmp_path: Path):
    pytest.importorskip("wordllama", reason="pip install 'esskg[embed]' for the embedding ranker")
    text = "Food security: fighting hunger and child malnutrition, support to smallholders."
    for ranker, how in (
        ("embedding", "SemanticSimilarityThresholdMatching"),
        ("hybrid", "CompositeMatching"),
    ):
        rows = read_mapping_table(
            suggest(
                tmp_path, "--text", text, "--ranker", ranker, "--lang", "en", name=f"{ranker}.tsv"
            )
        )
        assert rows[0].object.startswith(UNSDG + "2."), ranker
        assert rows[0].justification == "https://w3id.org/semapv/vocab/" + how
        assert "closest passage (text" in rows[0].comment
        assert all(0 <= r.confidence <= 1 for r in rows)


def test_bench_times_synthetic_nodes(packaged: Path, capsys):
    assert main(["suggest", "bench", "--nodes", "40"]) == 0
    out = capsys.readouterr().out
    assert "| **total, 49 nodes, ranker lexical** |" in out  # 40 made + the source's 9
    rows = int(out.split("| rank (")[1].split(" rows)")[0].replace(",", ""))
    assert 200 <= rows <= 400  # 5 per node, plus the targets of their fields' curated links
    assert "peak memory" in out


def test_evaluate_prints_recall_against_the_baseline(packaged: Path, capsys):
    descriptions = Path(__file__).parent / "fixtures" / "suggest" / "descriptions.tsv"
    assert main(["suggest", "evaluate", str(descriptions)]) == 0
    out = capsys.readouterr().out
    lines = {
        line.split(" | ")[0] + " | " + line.split(" | ")[1]: line for line in out.splitlines()[2:]
    }
    assert "| lexical | descriptions, fr (35)" in lines
    lexical_fr = lines["| lexical | descriptions, fr (35)"]
    baseline_fr = lines["| baseline: goal titles only | descriptions, fr (35)"]

    def goal_recall(line: str) -> int:
        return int(line.split(" | ")[2].split("%")[0])

    assert goal_recall(lexical_fr) > goal_recall(baseline_fr)


UN_KOS = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "sdg"
UN_KOS = UN_KOS / "un-sdg-kos-metadata.un.org.ttl"


@pytest.mark.skipif(not UN_KOS.is_file(), reason="../shared (the full UN SDG KOS) is not here")
def test_source_takes_the_169_targets_from_the_full_un_kos(packaged: Path, tmp_path: Path):
    # The full KOS also has indicators, series and zero-padded codes (02.02): targets only, once.
    rows = read_mapping_table(
        suggest(
            tmp_path,
            "--source",
            str(UN_KOS),
            "--text",
            FOOD_FR,
            "--top",
            "8",
            "--ranker",
            "lexical",
        )
    )
    objects = [r.object for r in rows]
    assert len(objects) == len(set(objects)) == 8
    assert all(o.startswith(UNSDG) and o.removeprefix(UNSDG).count(".") == 1 for o in objects)
    assert objects[0].startswith(UNSDG + "2.")


def test_source_without_targets_says_so(packaged: Path, tmp_path: Path, capsys):
    empty = tmp_path / "empty.ttl"
    empty.write_text("<http://example.org/a> <http://example.org/b> 1 .\n", encoding="utf-8")
    assert main(["suggest", "sdg", "--source", str(empty), "--text", FOOD_FR]) == 2
    assert "pas de cibles ODD dans" in capsys.readouterr().err


def test_accepted_rows_count_in_the_catalogues_linkset(packaged: Path, tmp_path: Path):
    """In a copy of esskg's own tree: an accepted target adds one link to the UN SDG linkset."""
    tree = tmp_path / "checkout"
    for part in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(resources.packaged_root() / part, tree / part)
    key = ("http://metadata.un.org/sdg/", ESSKG + "contributesToSDG")
    before = void_statistics(load_dataset(root=tree))["linksets"][key]

    out = suggest(tmp_path, "-C", str(tree), "--for", "id:seconet", "--ranker", "lexical")
    rows = read_mapping_table(out)
    number = next(
        i for i, r in enumerate(rows, 1) if not r.comment.startswith("[") and "." in r.object_id
    )
    assert main(["suggest", "accept", str(out), "--row", str(number), "-C", str(tree)]) == 0
    table = read_mapping_table(tree / "data" / "mappings" / "sdg-links.sssom.tsv")
    assert table[-1].subject == ID + "seconet" and table[-1].object == rows[number - 1].object
    assert void_statistics(load_dataset(root=tree))["linksets"][key] == before + 1
    assert main(["validate", "-C", str(tree)]) == 0
