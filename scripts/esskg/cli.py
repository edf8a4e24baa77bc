"""The `esskg` command: one entry point, one subcommand per verb module.

A verb module exposes `add_parser(subparsers)`, which adds its subcommand(s) and sets
`run=<function(args) -> int>` as the parser default. Adding a verb is one import and one entry
in VERBS.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from esskg import __version__
from esskg.errors import EsskgError, display_path, os_message
from esskg.i18n import LANGUAGES, install_argparse_words, say, set_language
from esskg.namespaces import register_prefix
from esskg.resources import project

# Each subcommand's module, imported only when that subcommand runs: importing them all (the web
# server, the spreadsheets, the text search...) cost over a second before `esskg query` began.
VERBS: dict[str, str] = {
    "init": "esskg.init",
    "build": "esskg.build",
    "validate": "esskg.validate",
    "queries": "esskg.query",
    "query": "esskg.query",
    "check": "esskg.check",
    "link": "esskg.link",
    "push": "esskg.push",
    "bench": "esskg.bench",
    "publish": "esskg.publish",
    "suggest": "esskg.suggest",
    "serve": "esskg.serve",
    "template": "esskg.tabular.template",
    "import": "esskg.tabular.importer",
    "export": "esskg.tabular.export",
}
# Options of the main parser that take a value, to find the subcommand in argv.
_VALUED = frozenset({"-C", "--workspace", "--root", "--lang"})
# Verbs that read no graph, so say nothing about which one.
_NO_PROJECT = frozenset({"init", "bench"})


class HelpFormatter(argparse.HelpFormatter):
    """Every option's default in --help, in the language of the messages, except where there is
    none or the help already says (argparse's ArgumentDefaultsHelpFormatter says it in English)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (
            "%(default)" in text
            or not action.option_strings
            or action.default in (None, False, [], argparse.SUPPRESS)
        ):
            return text
        return text + say(" (défaut : %(default)s)", " (default: %(default)s)")


def make_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: with just the subcommand it names, else (help, a typo) all of them.

    The language is chosen first, from --lang in `argv` or the locale: help texts are written
    when the parser is made."""
    argv = sys.argv[1:] if argv is None else argv
    set_language(_lang_in(argv))
    install_argparse_words()
    parser = argparse.ArgumentParser(
        prog="esskg",
        formatter_class=HelpFormatter,
        description=say(
            "Construire, valider et interroger le graphe de connaissances esskg. Codes de "
            "sortie : 0 réussi, 1 données non conformes ou contrôle échoué, 2 erreur d'usage "
            "ou d'exécution.",
            "Build, validate and query the esskg knowledge graph. Exit codes: 0 ok, 1 data "
            "does not conform or a check failed, 2 usage or runtime error.",
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"esskg {__version__}",
        help=say("affiche la version d'esskg et s'arrête", "show esskg's version and exit"),
    )
    add_project_argument(parser, default=None)
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help=say("détaille l'avancement sur stderr", "log progress to stderr"),
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help=say(
            "sur une erreur interne, affiche la trace Python (à joindre au signalement)",
            "on an internal error, print the Python traceback (to attach to a bug report)",
        ),
    )
    add_language_argument(parser, default=None)
    subparsers = parser.add_subparsers(
        dest="verb", metavar=say("COMMANDE", "COMMAND"), required=True
    )
    verb = _verb_in(argv)
    for name in [VERBS[verb]] if verb in VERBS else dict.fromkeys(VERBS.values()):
        importlib.import_module(name).add_parser(subparsers)
    _add_to_subcommands(subparsers)
    return parser


def _verb_in(argv: Sequence[str]) -> str | None:
    args = iter(argv)
    for arg in args:
        if arg in _VALUED:
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def _lang_in(argv: Sequence[str]) -> str | None:
    """The value of the last --lang in `argv` (before or after the verb), if any."""
    lang = None
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.removeprefix("--lang=")
    return lang


def add_project_argument(parser: argparse.ArgumentParser, default: object) -> None:
    """-C DIR: the workspace or checkout to read; accepted before or after the verb."""
    parser.add_argument(
        "-C",
        "--workspace",
        "--root",
        dest="root",
        type=Path,
        default=default,
        metavar=say("DOSSIER", "DIR"),
        help=say(
            "l'espace de travail (créé par `esskg init`) ou la copie d'esskg à utiliser (défaut : "
            "celui qui contient le dossier courant, sinon $ESSKG_ROOT, sinon le graphe installé "
            "avec esskg)",
            "the workspace (made by `esskg init`) or esskg checkout to work on (default: the "
            "one the working folder is in, else $ESSKG_ROOT, else the graph installed with esskg)",
        ),
    )


def add_language_argument(parser: argparse.ArgumentParser, default: object) -> None:
    """--lang: the language of messages; accepted before or after the verb."""
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=default,
        help=say(
            "langue des messages (défaut : celle de la locale, LC_ALL ou LANG ; sinon fr)",
            "language of the messages (default: from the locale, LC_ALL or LANG; else fr)",
        ),
    )


def _add_to_subcommands(subparsers: argparse._SubParsersAction) -> None:
    # SUPPRESS: a -C given after the verb overrides one given before it; absent, it leaves it.
    for sub in set(subparsers.choices.values()):
        sub.formatter_class = HelpFormatter
        for action in sub._actions:
            # argparse prints no line for an option without help, so its default would not show.
            if (
                action.help is None
                and action.option_strings
                and action.default
                not in (
                    None,
                    False,
                    [],
                    argparse.SUPPRESS,
                )
            ):
                action.help = say("défaut : %(default)s", "default: %(default)s")
        add_project_argument(sub, default=argparse.SUPPRESS)
        if "--lang" not in sub._option_string_actions:  # a verb may declare its own
            add_language_argument(sub, default=argparse.SUPPRESS)
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                _add_to_subcommands(action)


def main(argv: Sequence[str] | None = None) -> int:
    """Run esskg with `argv` (default: sys.argv[1:]) and return the exit code; never raises."""
    parser = make_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version and usage errors: argparse has printed already
        return e.code if isinstance(e.code, int) else 2
    args.lang = set_language(args.lang)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format=say("esskg : %(message)s", "esskg: %(message)s"),
        stream=sys.stderr,
    )
    try:
        if args.verb not in _NO_PROJECT:
            layout = project(args.root)
            config = layout.config
            register_prefix(config and config.prefix, config and config.base)
            # `serve --release DIR` reads the release, not the project it is run in.
            release = getattr(args, "release", None)
            what = (
                say(
                    f"la version publiée {display_path(release)}",
                    f"the published release {display_path(release)}",
                )
                if release
                else layout.describe()
            )
            print(say(f"esskg : lecture : {what}", f"esskg: reading {what}"), file=sys.stderr)
        return args.run(args)
    except EsskgError as e:
        print(say("esskg : erreur : ", "esskg: error: ") + str(e), file=sys.stderr)
    except BrokenPipeError:
        # The reader went away (`esskg publish | head -0`): the work is done, nothing to say.
        return _reader_gone()
    except OSError as e:
        where = f"{display_path(e.filename)}: " if e.filename else ""
        print(say("esskg : erreur : ", "esskg: error: ") + where + os_message(e), file=sys.stderr)
    except KeyboardInterrupt:
        print(say("esskg : interrompu", "esskg: interrupted"), file=sys.stderr)
        return 130
    except Exception as e:
        # The last line of defence: an error esskg did not expect is a bug, said in one line.
        if args.debug:
            traceback.print_exc(file=sys.stderr)
        print(internal_error(e, args.verb, debug=args.debug), file=sys.stderr)
    return 2


def internal_error(error: Exception, verb: str, *, debug: bool) -> str:
    """One line for a bug: what failed, the version, and how to report it."""
    what = f"{type(error).__name__}: {error}".strip().splitlines()[0][:200]
    return say(
        f"esskg : erreur interne dans 'esskg {verb}' ({what}). C'est un défaut d'esskg "
        f"{__version__} : merci de le signaler avec la commande lancée"
        + ("" if debug else " ; la même commande avec --debug donne le détail")
        + " (README, 'Reporting a problem')",
        f"esskg: internal error in 'esskg {verb}' ({what}). This is a bug in esskg "
        f"{__version__}: please report it with the command you ran"
        + ("" if debug else "; the same command with --debug shows the details")
        + " (README, 'Reporting a problem')",
    )


# Exit status of a command stopped because its reader closed the pipe, as the shell reports for
# tools killed by SIGPIPE (128 + 13): `set -o pipefail` scripts see it, the terminal shows nothing.
EXIT_READER_GONE = 141


def _reader_gone() -> int:
    # Further writes (and Python's flush at exit) would raise again: send them nowhere.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_READER_GONE


def main_entry() -> None:
    """The console script: exit with main()'s code."""
    code = main()
    try:
        sys.stdout.flush()  # what is still buffered may find the reader gone too
    except BrokenPipeError:
        code = _reader_gone()
    sys.exit(code)
