"""Work done in a forked process beside the release's main line, its result fetched later.

The release is mostly pyoxigraph and Python work that holds the GIL (parsing, serialising, the
CSV tables' queries, the JSON-LD text): a second thread would not run beside it, and a second
process started anew would have to load the graph again. A fork shares what is already in memory
(the store, the statements, their normal forms) without a copy; the child computes, sends its
result back through a pipe (pickled) and exits. At a million triples this takes the tables, the
example queries and the JSON-LD text (some 30 s of CPU) off the main line, on a second core.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable
from typing import Generic, TypeVar

from esskg.errors import EsskgError
from esskg.i18n import say

__all__ = ["Aside"]

T = TypeVar("T")


class Aside(Generic[T]):
    """`work()` run in a forked child; result() waits for it and returns (or raises) what it
    returned (raised). Use as a context manager: leaving it stops a child still running.

    Start it while this process runs no other thread (a fork copies only the calling one).
    """

    def __init__(self, work: Callable[[], T]) -> None:
        read, write = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the child: compute, send, leave without running the parent's code
            os.close(read)
            try:
                payload = pickle.dumps((True, work()))
            except BaseException as e:  # everything goes to the parent, which raises it
                try:
                    payload = pickle.dumps((False, e))
                except Exception:
                    payload = pickle.dumps((False, RuntimeError(f"{type(e).__name__}: {e}")))
            with contextlib.suppress(OSError), os.fdopen(write, "wb") as out:
                out.write(payload)
            os._exit(0)
        os.close(write)
        self._read = read

    def result(self) -> T:
        with os.fdopen(self._read, "rb") as stream:
            payload = stream.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if not payload:
            raise EsskgError(
                say(
                    f"le processus de travail de la publication s'est arrêté (état {status}) ; "
                    "rien n'a été publié\n  conseil : vérifiez la mémoire libre et relancez",
                    f"the release's worker process stopped (status {status}); nothing was "
                    "published\n  hint: check the free memory and run it again",
                )
            )
        ok, value = pickle.loads(payload)
        if not ok:
            raise value
        return value

    def __enter__(self) -> Aside[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pid:  # result() was not fetched: the release failed, the child is not needed
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            with contextlib.suppress(OSError):
                os.close(self._read)
            self._pid = 0
