"""Progress lines on stderr for a person watching a long command, and for nobody else.

At a million triples `build` and `validate` work for tens of seconds: a line at each step says
the command is alive and where it is. Only when stderr is a terminal: logs, pipes and the tests
read the same output as before.
"""

from __future__ import annotations

import sys

from esskg.i18n import say


def note(fr: str, en: str) -> None:
    """Say what the command starts doing now, if someone is watching stderr."""
    if sys.stderr.isatty():
        print(say(f"esskg : {fr}", f"esskg: {en}"), file=sys.stderr, flush=True)
