"""One language at a time: French or English, from --lang, else the locale, else French.

`set_language()` is called once by the CLI; messages then pick their words with `say(fr, en)`,
so a line is never half in one language and half in the other. The locale is read the POSIX way
(LC_ALL, then LC_MESSAGES, then LANG): `en_GB.UTF-8` gives English, anything else French.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

LANGUAGES = ("fr", "en")
DEFAULT = "fr"
_current = DEFAULT


def locale_language(environ: Mapping[str, str] | None = None) -> str:
    """The language the user's locale asks for, among LANGUAGES; French when it names neither."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:  # the first one set decides, as for every POSIX program
            code = value.split("_")[0].split(".")[0].lower()
            return code if code in LANGUAGES else DEFAULT
    return DEFAULT


def set_language(lang: str | None) -> str:
    """Use `lang` (from --lang) or, when None, the locale's; returns the one chosen."""
    global _current
    _current = lang if lang in LANGUAGES else locale_language()
    return _current


def language() -> str:
    """The language messages are in."""
    return _current


def say(fr: str, en: str) -> str:
    """The French or the English text, as the language is."""
    return en if _current == "en" else fr


# argparse's own words (usage:, options:, its errors) come from gettext; the standard library
# ships no French catalogue for them, so their French is here and `argparse_words` stands in for
# gettext in argparse (see install_argparse_words). Keys are argparse's English, exactly.
_ARGPARSE_FR = {
    "usage: ": "usage : ",
    "options": "options",
    "positional arguments": "arguments",
    "show this help message and exit": "affiche cette aide et s'arrête",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "unrecognized arguments: %s": "arguments inconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (choisissez parmi %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "valeur %(type)s invalide : %(value)r",
    "expected one argument": "une valeur attendue",
    "expected at most one argument": "au plus une valeur attendue",
    "expected at least one argument": "au moins une valeur attendue",
    "expected %s argument": "%s valeur attendue",
    "expected %s arguments": "%s valeurs attendues",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ignored explicit argument %r": "valeur %r ignorée : l'option n'en prend pas",
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir '%(filename)s' : %(error)s",
}


def argparse_words(message: str) -> str:
    """argparse's English `message` in the current language."""
    return _ARGPARSE_FR.get(message, message) if _current == "fr" else message


def argparse_plural(singular: str, plural: str, n: int) -> str:
    """argparse's ngettext, in the current language."""
    return argparse_words(singular if n == 1 else plural)


def install_argparse_words() -> None:
    """Make argparse say its words in the current language (it looks `_` up at each call)."""
    import argparse  # only the CLI needs this; the library keeps argparse untouched until then

    argparse._ = argparse_words  # type: ignore[attr-defined]
    argparse.ngettext = argparse_plural  # type: ignore[attr-defined]
