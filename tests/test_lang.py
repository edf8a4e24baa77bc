"""One language at a time: every --help and the common error paths, in French or in English as
--lang says, never a line mixing the two (issue 12)."""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

import pytest

from esskg import resources
from esskg.cli import VERBS, main, make_parser

# Words only English uses; option names, `commands`, metavars and {choices} are removed first.
ENGLISH = re.compile(
    r"\b(the|and|with|file|files|default|show|write|writes|read|reads|this|from|when|only|"
    r"give|given|check|print|error|not|which|each|every|its|one|none|found|named|should|must|"
    r"required|expected|invalid|unknown|hint|warning|reading|row|rows|line|column)\b"
)
# Marks only French has: accented letters and short words English never writes.
FRENCH = re.compile(
    r"[àâçéèêëîïôûùœÉÀ]|\b(le|la|les|de|des|du|une|et|pour|avec|dans|sur|ou|est|pas|"
    r"erreur|conseil|aucune?)\b"
)
# What is code, not words: options, `commands`, {choices}, CURIEs, IRIs, paths, quoted values,
# and the RDF parser's own words, which esskg quotes « like this » in French (it speaks English).
CODE = re.compile(
    rf"\besskg (?:{'|'.join(VERBS)})(?: (?:sdg|accept|evaluate|bench|generate|run|commands))?\b|"
    r"«[^»]*»|--?[\w-]+|`[^`]*`|\{[^}]*\}|'[^']*'|\"[^\"]*\"|https?://\S+|\b\w+:\w[\w.-]*|\S+/\S*|"
    r"\S+\.(?:ttl|trig|nq|nt|rq|csv|xlsx|json|toml|html)\b"
)


def words(line: str) -> str:
    return CODE.sub(" ", line)


def mixed(text: str, lang: str) -> list[str]:
    """The lines of `text` holding a word of the other language."""
    other = ENGLISH if lang == "fr" else FRENCH
    return [line for line in text.splitlines() if other.search(words(line))]


def verb_paths() -> list[tuple[str, ...]]:
    """Every command path: each verb and each of its subcommands."""
    paths: list[tuple[str, ...]] = []

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    paths.append((*path, name))
                    walk(sub, (*path, name))

    walk(make_parser(["--help"]), ())
    return paths


def test_the_checks_can_fail():
    # The detectors themselves: a mixed line is caught, a clean one is not.
    assert mixed("  --file F   le fichier à lire (default: x)", "fr")
    assert mixed("  --file F   the file to read (défaut : x)", "en")
    assert not mixed("  --file F   le fichier à lire (défaut : `esskg queries`)", "fr")
    assert not mixed("  --file F   the file to read (default: 'Économie')", "en")


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("path", verb_paths(), ids=" ".join)
def test_help_is_in_one_language(path: tuple[str, ...], lang: str, capsys):
    assert main(["--lang", lang, *path, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage : " if lang == "fr" else "usage: ")
    assert not mixed(out, lang), "\n".join(mixed(out, lang))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_top_help_shows_defaults_in_its_language(lang: str, capsys):
    assert main(["query", "--help", "--lang", lang]) == 0
    out = capsys.readouterr().out
    assert ("(défaut : table)" if lang == "fr" else "(default: table)") in out


@pytest.fixture
def packaged(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The real packaged graph (the error paths below need its queries), in an empty folder."""
    monkeypatch.delenv(resources.ROOT_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def broken_csv(folder: Path) -> list[str]:
    (folder / "csv").mkdir()
    (folder / "csv" / "territoires.csv").write_text(
        "id;nom_fr;nature\nt1;Nom;Village;de trop\n", encoding="utf-8"
    )
    assert main(["init", str(folder / "ws")]) == 0
    return ["-C", str(folder / "ws"), "import", str(folder / "csv")]


def broken_turtle(folder: Path) -> list[str]:
    (folder / "broken.ttl").write_text("<a> <b> <c> .\n", encoding="utf-8")
    return ["validate", str(folder / "broken.ttl")]


ERRORS = {
    "syntax error": broken_turtle,
    "unknown query": lambda tmp: ["query", "nope"],
    "missing file": lambda tmp: ["validate", str(tmp / "absent.ttl")],
    "bad option": lambda tmp: ["query", "actors-by-field", "--bogus"],
    "bad choice": lambda tmp: ["query", "actors-by-field", "--format", "pdf"],
    "bad param": lambda tmp: ["query", "actors-by-field", "--param", "field=field:Nowhere"],
    "bad param key": lambda tmp: ["query", "actors-by-field", "--param", "nope=1"],
    "bad endpoint": lambda tmp: ["query", "actors-by-field", "--endpoint", "foo"],
    "broken csv": broken_csv,
    "bad port": lambda tmp: ["serve", "--port", "99999"],
}


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("case", ERRORS)
def test_error_paths_speak_one_language(case: str, lang: str, packaged: Path, capsys):
    argv = ERRORS[case](packaged)
    capsys.readouterr()  # what setting the case up printed
    assert main(["--lang", lang, *argv]) in (1, 2)
    captured = capsys.readouterr()
    text = captured.err + captured.out
    assert "Traceback" not in text and text.strip()
    assert not mixed(text, lang), "\n".join(mixed(text, lang))
    # Said in the chosen language, not just free of the other one.
    if lang == "fr":
        assert FRENCH.search(words(text)), text
    else:
        assert ENGLISH.search(words(text)), text


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["check"], "as esskg validate does"),
        (["import", "x.csv"], "esskg import writes into a workspace"),
        (["suggest", "sdg", "--for", "nope:x"], "UN SDG targets"),
    ],
)
def test_lang_before_the_verb_is_not_overridden_by_the_verb(argv: list[str], words: str, capsys):
    # check, import and suggest sdg declared a --lang of their own, whose French default won.
    main(["--lang", "en", *argv])
    err = capsys.readouterr().err
    assert words in err and not mixed(err, "en"), err


def test_canned_query_titles_follow_the_language() -> None:
    """`esskg queries` lists each canned query's title in the chosen language (issue 12)."""
    from esskg.query import list_queries
    from esskg.resources import packaged_root

    root = packaged_root()
    listed = {
        lang: subprocess.run(
            ["esskg", "-C", str(root), "--lang", lang, "queries"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for lang in ("fr", "en")
    }
    for query in list_queries(root):
        assert query.title and query.title_en, f"{query.name}: a title in French and in English"
        assert query.title in listed["fr"] and query.title_en not in listed["fr"]
        assert query.title_en in listed["en"] and query.title not in listed["en"]
        for param in query.params:
            assert param.description_en, f"{query.name} {param.name}: no English description"
