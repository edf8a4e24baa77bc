"""Bad files: the W3C RDF 1.1 syntax suites and the project's own corpus of bad input.

Every negative-syntax file must end in exit 2 and one message naming file:line:column; every
positive and eval file must load and dump back unchanged, or be refused for the one documented
reason (a relative IRI without a base). No input may ever give a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from esskg.cli import main
from esskg.dump import merged_triples, ntriples_bytes, turtle_bytes
from esskg.errors import LoadError
from esskg.load import load_file

BAD = Path(__file__).parent / "fixtures" / "bad"
W3C = (
    Path(__file__).parents[1]
    / ".."
    / "shared"
    / "reference"
    / "w3c"
    / "rdf-tests"
    / "rdf"
    / "rdf11"
)
SUITES = ("rdf-turtle", "rdf-n-triples", "rdf-n-quads", "rdf-trig")
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
EVAL_RESULT_FORMATS = {".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS}


def _w3c_tests() -> list[tuple[str, Path, Path | None]]:
    """(test kind, action file, expected result file or None) from the four manifests."""
    if not W3C.is_dir():
        return []
    tests = []
    for suite in SUITES:
        manifest = W3C / suite / "manifest.ttl"
        store = ox.Store()
        store.extend(
            list(ox.parse(path=manifest, format=ox.RdfFormat.TURTLE, base_iri=manifest.as_uri()))
        )
        for quad in store.quads_for_pattern(None, ox.NamedNode(MF + "action"), None):
            kind = next(store.quads_for_pattern(quad.subject, RDF_TYPE, None)).object.value
            result = next(
                store.quads_for_pattern(quad.subject, ox.NamedNode(MF + "result"), None), None
            )
            tests.append(
                (
                    kind.rpartition("#")[2],
                    Path(quad.object.value.removeprefix("file://")),
                    Path(result.object.value.removeprefix("file://")) if result else None,
                )
            )
    return sorted(tests, key=lambda t: str(t[1]))


W3C_TESTS = _w3c_tests()
NEGATIVE = [t[1] for t in W3C_TESTS if "Negative" in t[0]]
POSITIVE = [(t[1], t[2]) for t in W3C_TESTS if "Negative" not in t[0]]
needs_w3c = pytest.mark.skipif(
    not W3C_TESTS, reason=f"the W3C RDF test suites are not at {W3C} (../shared absent)"
)


def _validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--lang", "en", "validate", str(path)])
    return code, capsys.readouterr().err


@needs_w3c
def test_the_suites_are_all_there():
    # 272 negative files in the four suites; fewer means the manifests were not read right.
    assert len(NEGATIVE) == 272
    assert len(POSITIVE) > 500


@needs_w3c
@pytest.mark.parametrize("path", NEGATIVE, ids=lambda p: p.name)
def test_w3c_negative_syntax_is_one_positioned_message(path: Path, capsys):
    code, err = _validate(path, capsys)
    assert code == 2
    assert "Traceback" not in err
    assert err.count("esskg: error:") == 1, err
    assert re.search(re.escape(path.name) + r":\d+:\d+: \S", err), err
    assert "hint: " in err


@needs_w3c
@pytest.mark.parametrize(("path", "expected"), POSITIVE, ids=lambda p: getattr(p, "name", ""))
def test_w3c_positive_files_load_and_dump_back_unchanged(path: Path, expected: Path | None):
    try:
        dataset = load_file(path, user=True)
    except LoadError as e:
        # The one documented refusal: esskg resolves no relative IRI (README, "Data safety").
        assert "No scheme found" in e.message and e.line is not None, str(e)
        return
    if expected is not None and expected.suffix in EVAL_RESULT_FORMATS:
        want = ox.Dataset(ox.parse(path=expected, format=EVAL_RESULT_FORMATS[expected.suffix]))
        assert _canonical(dataset, keep_graphs=expected.suffix == ".nq") == _canonical(
            want, keep_graphs=expected.suffix == ".nq"
        )
    triples = merged_triples(dataset)
    for data, rdf_format in (
        (ntriples_bytes(triples), ox.RdfFormat.N_TRIPLES),
        (turtle_bytes(triples), ox.RdfFormat.TURTLE),
    ):
        back = merged_triples(ox.parse(data, format=rdf_format, base_iri=None))
        # Term equality in a Dataset is exact: a literal changed by one byte would differ.
        assert back == triples


def _canonical(dataset: ox.Dataset, *, keep_graphs: bool) -> set[ox.Quad]:
    copy = ox.Dataset(
        q if keep_graphs else ox.Quad(q.subject, q.predicate, q.object) for q in dataset
    )
    copy.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(copy)


# The project's own corpus: always runs. (file, where the error is, words the message must hold)
REFUSED = [
    ("truncated.ttl", "truncated.ttl:3:", "close the open string"),
    ("utf16.ttl", "utf16.ttl:1:1:", "save the file as UTF-8"),
    ("latin1.ttl", "latin1.ttl:3:", "save the file as UTF-8"),
    ("space.ttl", "space.ttl:1:1:", "no spaces"),
    ("braces.ttl", "braces.ttl:1:1:", "no spaces"),
    ("relative.ttl", "relative.ttl:2:", "does not resolve relative IRIs"),
    ("undeclared-prefix.ttl", "undeclared-prefix.ttl:1:", "declare the prefix with @prefix ex:"),
    ("missing-dot.nt", "missing-dot.nt:", "end the statement"),
    ("unclosed-iri.nq", "unclosed-iri.nq:2:", "hint: "),
]


@pytest.mark.parametrize(("name", "where", "hint"), REFUSED, ids=[r[0] for r in REFUSED])
def test_bad_file_is_one_clear_error(name: str, where: str, hint: str, capsys):
    code, err = _validate(BAD / name, capsys)
    assert code == 2
    assert err.count("esskg: error:") == 1 and where in err and hint in err, err
    assert "Traceback" not in err


def test_bad_typed_literals_are_one_message_each(capsys):
    code, err = _validate(BAD / "typed.ttl", capsys)
    assert code == 2
    assert "Traceback" not in err and "Failed to convert" not in err
    lines = [line for line in err.splitlines() if line.startswith("esskg: error:")]
    assert lines == [
        "esskg: error: "
        + str(BAD / "typed.ttl").replace(str(Path.cwd()) + "/", "")
        + ":3:49: 'douze' is not a valid xsd:nonNegativeInteger",
        "esskg: error: "
        + str(BAD / "typed.ttl").replace(str(Path.cwd()) + "/", "")
        + ":4:63: '2020-13-45' is not a valid xsd:date",
    ]


def test_the_typed_literal_message_is_french_by_default(capsys):
    assert main(["validate", str(BAD / "typed.ttl")]) == 2
    err = capsys.readouterr().err
    assert "'douze' n'est pas un xsd:nonNegativeInteger valide" in err
    assert "conseil" in err or "hint: écrivez une valeur de type" in err


@pytest.mark.parametrize("name", ["empty.ttl", "nostatements.ttl"])
def test_a_file_without_statements_is_a_warning(name: str, capsys, caplog):
    code, _ = _validate(BAD / name, capsys)
    assert code == 0
    assert f"{name} holds no statements" in caplog.text


def test_crlf_and_nul_inside_a_string_are_valid_rdf_and_kept():
    crlf = load_file(BAD / "crlf.ttl", user=True)
    assert {q.object.value for q in crlf} == {"ab"}
    nul = load_file(BAD / "nul.ttl", user=True)
    assert {q.object.value for q in nul} == {"a\0b"}
    triples = merged_triples(nul)
    assert (
        merged_triples(ox.parse(ntriples_bytes(triples), format=ox.RdfFormat.N_TRIPLES)) == triples
    )


def test_a_10_mb_literal_loads_whole(tmp_path: Path):
    value = "é" * 5_000_000  # 10 MB in UTF-8
    path = tmp_path / "big.nt"
    path.write_text(f'<https://w3id.org/esskg/id/a> <http://example.org/p> "{value}" .\n', "utf-8")
    [quad] = load_file(path, user=True)
    assert quad.object.value == value


def test_deeply_nested_collections_load(tmp_path: Path):
    path = tmp_path / "nested.ttl"
    depth = 100_000
    path.write_text(
        f"<https://w3id.org/esskg/id/a> <http://example.org/p> {'(' * depth}{')' * depth} .\n"
    )
    # depth - 1 list nodes of two statements each (the innermost () is rdf:nil), and the link
    assert len(load_file(path, user=True)) == 2 * (depth - 1) + 1


def test_a_bad_file_leaves_the_dataset_as_it_was(tmp_path: Path):
    from esskg.load import add_file

    dataset = ox.Dataset()
    add_file(dataset, BAD / "crlf.ttl", user=True)
    before = set(dataset)
    for name, _, _ in REFUSED:
        with pytest.raises(LoadError):
            add_file(dataset, BAD / name, user=True)
    assert set(dataset) == before


@pytest.mark.parametrize(
    ("value", "datatype", "valid"),
    [
        ("+01", "integer", True),
        ("-1", "nonNegativeInteger", False),
        ("-0", "nonNegativeInteger", True),
        ("1.", "decimal", True),
        ("1.5", "integer", False),
        ("2020-02-29", "date", True),
        ("2021-02-29", "date", False),
        ("yes", "boolean", False),
        ("1e3", "double", True),
        ("douze", "double", False),
    ],
)
def test_typed_values_are_judged_by_their_datatype(tmp_path: Path, value, datatype, valid):
    path = tmp_path / "v.nt"
    path.write_text(
        f'<https://w3id.org/esskg/id/a> <http://example.org/p> "{value}"'
        f"^^<http://www.w3.org/2001/XMLSchema#{datatype}> .\n"
    )
    if valid:
        assert len(load_file(path, user=True)) == 1
    else:
        with pytest.raises(LoadError, match=f"xsd:{datatype}"):
            load_file(path, user=True)
