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
