"""esskg push without a server: what it sends for each graph, and its gate.

Pushing to real servers (Oxigraph, Virtuoso) is tested in test_servers.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from esskg.cli import main
from esskg.push import project_graphs, triple_count

ROOT = Path(__file__).resolve().parents[1]
FILES = Path(__file__).parent / "fixtures" / "files"
EX = "https://example.org/"


def _dataset() -> ox.Dataset:
    a, b, p = ox.NamedNode(EX + "a"), ox.NamedNode(EX + "b"), ox.NamedNode(EX + "p")
    g1, g2 = ox.NamedNode(EX + "g1"), ox.NamedNode(EX + "g2")
    blank = ox.BlankNode("x")
    return ox.Dataset(
        [
            ox.Quad(a, p, b, g1),
            ox.Quad(a, p, ox.Literal('line\nbreak "quoted"', language="fr"), g1),
            ox.Quad(a, p, b, g2),  # the same triple in a second graph
            ox.Quad(b, p, blank, g2),
            ox.Quad(blank, p, ox.Literal("02", datatype=ox.NamedNode(EX + "t")), g2),
        ]
    )


def _triples(body: bytes) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)}


def test_each_graph_is_sent_as_its_own_triples_counted_by_line() -> None:
    dataset = _dataset()
    bodies = project_graphs(dataset)
    assert list(bodies) == [EX + "g1", EX + "g2"]
    for name, body in bodies.items():
        expected = {q.triple for q in dataset.quads_for_graph_name(ox.NamedNode(name))}
        assert _triples(body) == expected
        assert triple_count(body) == len(expected)
    assert triple_count(bodies[EX + "g1"]) == 2  # the escaped line break is no line


def test_one_graph_sends_a_triple_held_in_two_graphs_once() -> None:
    (body,) = project_graphs(_dataset(), EX + "all").values()
    assert triple_count(body) == 4
    assert len(_triples(body)) == 4


def test_push_stops_at_the_gate_before_any_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "project"
    for part in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(ROOT / part, root / part)
    shutil.copy(FILES / "actor-without-label.ttl", root / "data" / "source")
    # Nothing listens on port 9: a request would end in a network error (exit 2), not 1.
    args = ["--root", str(root), "push", "--endpoint", "http://127.0.0.1:9/query"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "id:nameless" in err and "rien n'est envoyé" in err
