"""Safe outputs: a reader sees the old file or the new, checked one; never half of it.

The API, for every verb that writes into an output folder:

    with output_folder(outdir):            # lock the folder, sweep what killed runs left
        write_atomically(outdir / "a.ttl", data, verify)   # one file, checked, renamed in
        build = temp_folder(outdir, "1.0")                 # or a whole folder, built aside ...
        ...                                                 # ... written ...
        replace_folder(build, outdir / "1.0")              # ... and swapped in

- `output_folder(folder, wait=False)`: a context manager holding an exclusive `fcntl.flock` on
  the folder itself (no lock file is left behind). A second run on the same folder is refused
  with OutputBusyError, or waits for the first when `wait=True`. Inside, `sweep_leftovers` has
  already run. A folder that cannot be created or written gives OutputError, which names it.
- `sweep_leftovers(folder)`: removes what killed runs left in `folder`: hidden temp files and
  folders (`.<name>.<random>.esskg-tmp`, and publish's `.<version>.build-*`), and finishes an
  interrupted `replace_folder` (puts the old copy back when the new one never arrived). Safe only
  under the lock, which `output_folder` holds; returns what it removed or restored.
- `write_atomically(target, data, verify)`, `write_rdf_atomically(...)`: one file through a temp
  file beside it, fsynced, checked by `verify`, renamed in.
- `temp_folder(parent, name)`: a fresh hidden folder in `parent` that the sweep recognises.
- `replace_folder(build, target)`: `build` renamed to `target`; the old `target` stays under a
  hidden name until the new one is in, then goes.

A SIGKILL at any point leaves the previous outputs whole (each step is a rename on one
filesystem) plus, at worst, hidden leftovers that the next run's sweep removes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox

from esskg.errors import EsskgError, display_path, os_message
from esskg.i18n import say

# Every temp name esskg makes ends so; the sweep removes nothing else but publish's older names.
TEMP_SUFFIX = ".esskg-tmp"
_OLD_SUFFIX = ".esskg-old"


class OutputError(EsskgError):
    """An output folder esskg cannot write into: read-only, full, not a folder."""


class OutputBusyError(OutputError):
    """Another esskg run holds the output folder's lock."""


@contextlib.contextmanager
def output_folder(folder: Path, *, wait: bool = False) -> Iterator[Path]:
    """Lock `folder` for this run (created if missing), sweep leftovers, yield it.

    The lock is released when the block ends, and by the kernel when the process dies, so a
    killed run never leaves the folder locked.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as e:
        raise output_error(folder, e) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            where = display_path(folder)
            raise OutputBusyError(
                say(
                    f"{where} : une autre commande esskg écrit dans ce dossier\n  conseil : "
                    "attendez qu'elle finisse, ou choisissez un autre dossier de sortie",
                    f"{where}: another esskg run is writing into this folder"
                    "\n  hint: wait for it to finish, or choose another output folder",
                )
            ) from None
        try:
            sweep_leftovers(folder)
        except OSError as e:
            raise output_error(folder, e) from None
        yield folder
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def output_error(folder: Path, error: OSError) -> OutputError:
    """An OutputError saying, in a user's words, why nothing could be written into `folder`."""
    where = display_path(folder)
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(
            say(
                f"{where} : esskg ne peut pas écrire dans ce dossier (lecture seule, ou pas à "
                "vous) ; les sorties précédentes y sont intactes\n  conseil : choisissez un "
                "autre dossier avec -o, ou rendez celui-ci accessible en écriture",
                f"{where}: esskg may not write into this folder (read-only or not yours); "
                "previous outputs there are untouched"
                "\n  hint: choose another folder with -o, or make this one writable",
            )
        )
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(
            say(
                f"{where} : plus de place sur le disque de ce dossier ; les sorties précédentes "
                "y sont intactes\n  conseil : libérez de la place, ou choisissez un autre dossier",
                f"{where}: no space left on the disk holding this folder; "
                "previous outputs there are untouched"
                "\n  hint: free some space, or choose another folder",
            )
        )
    if error.errno in (errno.ENOTDIR, errno.EEXIST):
        return OutputError(
            say(
                f"{where} : ce n'est pas un dossier\n  conseil : choisissez un dossier avec -o",
                f"{where}: not a folder\n  hint: choose a folder with -o",
            )
        )
    return OutputError(
        say(
            f"{where} : écriture impossible ici : {os_message(error)}",
            f"{where}: cannot write here: {os_message(error)}",
        )
    )


def sweep_leftovers(folder: Path) -> list[Path]:
    """Remove temp files and folders killed esskg runs left in `folder`; call under the lock."""
    swept = []
    for entry in sorted(Path(folder).iterdir()):
        name = entry.name
        if not name.startswith("."):
            continue
        if name.endswith(_OLD_SUFFIX) or _is_publish_old(name):
            original = entry.with_name(_original_name(name))
            if not original.exists():  # killed between the two renames of replace_folder
                os.rename(entry, original)
            else:
                _remove(entry)
            swept.append(entry)
        elif name.endswith(TEMP_SUFFIX) or ".build-" in name:
            _remove(entry)
            swept.append(entry)
    return swept


def temp_folder(parent: Path, name: str) -> Path:
    """A new, empty, hidden folder in `parent` for building `name`; the sweep knows its name."""
    return Path(tempfile.mkdtemp(dir=parent, prefix=f".{name}.", suffix=TEMP_SUFFIX))


def replace_folder(build: Path, target: Path) -> None:
    """Put the finished `build` folder at `target`; the old one stays until the new is in."""
    old = target.with_name(f".{target.name}{_OLD_SUFFIX}")
    if old.exists():
        _remove(old)
    had_old = target.exists()
    if had_old:
        os.rename(target, old)
    try:
        os.rename(build, target)
    except BaseException:
        if had_old:
            os.rename(old, target)
        raise
    if had_old:
        _remove(old)
    _fsync_folder(target.parent)


def _is_publish_old(name: str) -> bool:
    # publish's own swap names the old release .<version>.old-<pid>
    head, sep, pid = name.rpartition(".old-")
    return bool(sep and head and pid.isdigit())


def _original_name(name: str) -> str:
    if name.endswith(_OLD_SUFFIX):
        return name[1 : -len(_OLD_SUFFIX)]
    return name[1:].rpartition(".old-")[0]


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry)
    else:
        entry.unlink(missing_ok=True)


def write_atomically(
    target: Path, data: bytes, verify: Callable[[Path], None] | None = None
) -> None:
    """Write `data` to `target` through a temp file in the same folder, checked by `verify` first.

    The temp file lives beside the target so os.replace is a rename on one filesystem (atomic).
    If writing or `verify` fails, the temp file is removed and any previous target is untouched.
    """
    commit(stage(target, data, verify), target)


def stage(target: Path, data: bytes, verify: Callable[[Path], None] | None = None) -> Path:
    """The first half of write_atomically: `data` written, synced and verified in a temp file
    beside `target`, whose path is returned for commit() or discard(). A run killed before
    either leaves the temp file, which sweep_leftovers() removes."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX
        )
    except OSError as e:
        raise output_error(target.parent, e) from None
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
    except BaseException as e:
        discard(temp)
        _raise_output_error(e, target.parent)
        raise
    return temp


def commit(temp: Path, target: Path) -> None:
    """The second half of write_atomically: the staged `temp` becomes `target`."""
    try:
        os.replace(temp, target)
    except BaseException as e:
        discard(temp)
        _raise_output_error(e, Path(target).parent)
        raise
    _fsync_folder(Path(target).parent)


def _raise_output_error(error: BaseException, folder: Path) -> None:
    """A full, over-quota or read-only disk is said in a user's words."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        raise output_error(folder, error) from None


def discard(temp: Path) -> None:
    """Remove a staged temp file that will not be committed."""
    with contextlib.suppress(FileNotFoundError):
        Path(temp).unlink()


def write_rdf_atomically(target: Path, data: bytes, rdf_format: ox.RdfFormat, triples: int) -> None:
    """Write an RDF file atomically, after checking that it parses back to `triples` triples."""
    commit(stage_rdf(target, data, rdf_format, triples), target)


def stage_rdf(target: Path, data: bytes, rdf_format: ox.RdfFormat, triples: int) -> Path:
    """stage() of an RDF file, checked to parse back to `triples` triples."""

    def verify(temp: Path) -> None:
        found = count_triples(temp, rdf_format)
        if found != triples:
            raise OSError(
                say(
                    f"{target} : {triples} triplets écrits mais le fichier se relit en {found}",
                    f"{target}: wrote {triples} triples but the file parses back to {found}",
                )
            )

    return stage(target, data, verify)


def count_triples(path: Path, rdf_format: ox.RdfFormat) -> int:
    """How many distinct statements a file holds, parsed strictly and compared term by term.

    Term by term, not as a Store compares typed literals (by value: "01" = "1"), which would
    hide a changed lexical form. The statements' hashes are counted rather than the statements
    kept (a Dataset of a million costs 11 s and 1 GB); two distinct statements sharing a 64-bit
    hash would make a good file look short, which stops the write, never loses data.
    """
    return len({hash(q) for q in ox.parse(path=path, format=rdf_format, base_iri=None)})


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
