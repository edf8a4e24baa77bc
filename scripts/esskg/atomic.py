"""Safe file writes: a reader sees the old file or the new, checked one; never half of it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox


def write_atomically(
    target: Path, data: bytes, verify: Callable[[Path], None] | None = None
) -> None:
    """Write `data` to `target` through a temp file in the same folder, checked by `verify` first.

    The temp file lives beside the target so os.replace is a rename on one filesystem (atomic).
    If writing or `verify` fails, the temp file is removed and any previous target is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        # mkstemp makes the file private (0600); a dump is for sharing, so give it the mode an
        # ordinary new file would get, or keep the mode of the file it replaces.
        os.fchmod(fd, _mode_for(target))
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if verify is not None:
            verify(temp)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    _fsync_folder(target.parent)


def write_rdf_atomically(target: Path, data: bytes, rdf_format: ox.RdfFormat, triples: int) -> None:
    """Write an RDF file atomically, after checking that it parses back to `triples` triples."""

    def verify(temp: Path) -> None:
        found = count_triples(temp, rdf_format)
        if found != triples:
            raise OSError(f"{target}: wrote {triples} triples but the file parses back to {found}")

    write_atomically(target, data, verify)


def count_triples(path: Path, rdf_format: ox.RdfFormat) -> int:
    """How many distinct statements a file holds, parsed strictly and compared term by term.

    A Dataset, not a Store: the Store compares typed literals by value ("01" = "1"), which would
    hide a changed lexical form.
    """
    return len(ox.Dataset(ox.parse(path=path, format=rdf_format, base_iri=None)))


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not every platform lets a folder be opened.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
