"""A persistent, indexed copy of a project's graph on disk, for the verbs that only read it.

`query` and `check` (and the server) would otherwise parse every file and recompute the closures
at each call: half a minute at a million triples. Instead they open a pyoxigraph Store kept on
disk, built once with `bulk_load` and rebuilt only when an input changed.

- What decides "changed" is a digest of the inputs (each file's graph, path, size and SHA-256;
  esskg's version and the source of the modules that shape the store's content; pyoxigraph's
  version, which fixes the on-disk format), never a clock: a file touched but unchanged costs
  nothing, a file edited within the same second as the build is still seen. Hashing a 1M-triple
  file costs 0.12 s, half of what a query may take, so each file's SHA-256 is kept
  (`.esskg/sha256.json`) with what stat() says of it (size, inode, mtime and ctime in ns), and
  reused while stat() says the same. As git does with its index, a hash is kept only for a file
  last changed over 2 s before it was hashed: a later edit then moves its mtime or ctime even on
  a file system counting in whole seconds (ctime cannot be set back by a program).
- Where it lives: `.esskg/store-<digest>/` inside a workspace or checkout (gitignored); for the
  packaged graph, or a project folder esskg may not write into, under the user's cache folder
  (`$XDG_CACHE_HOME/esskg/`, else `~/.cache/esskg/`).
- A store is built in a hidden temp folder beside and renamed into place, under an exclusive lock
  on its parent folder (esskg.atomic): two commands at once build it once, a killed build leaves
  only a temp folder that the next build sweeps, and a store that has its final name is complete.
- Readers open it read-only (`Store.read_only`, any number of processes at once) and hold a shared
  lock on its folder while the process lives; a build removes the older stores no reader holds.

The content is that of `load.load_project()`: the ontology in graph:ontology, each data folder in
its graph, graph:inferred. Files are parsed as strictly (the same parser, no base IRI); values
their XSD datatype does not allow ("douze"^^xsd:integer) are left to `validate` and `build`, which
report them with their position, since finding them here would mean a scan of every literal.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from esskg import __version__
from esskg.atomic import output_error, output_folder, replace_folder, temp_folder
from esskg.errors import LoadError, display_path, os_message
from esskg.i18n import say
from esskg.infer import INFERRED_GRAPH, inferred_lines
from esskg.load import DATA_FORMATS, file_ntriples, folder_files, load_file, syntax_error
from esskg.namespaces import graph_iri
from esskg.ntlines import ntriples_series, ntriples_text
from esskg.progress import note
from esskg.resources import Project, packaged_root
from esskg.sssom import SSSOM_SUFFIX

__all__ = [
    "bulk_load_file",
    "input_digest",
    "open_held",
    "open_store",
    "open_store_at",
    "remove_unused_stores",
    "store_home",
    "store_path",
    "user_cache",
]

STORE_PREFIX = "store-"
HOME_NAME = ".esskg"
# The modules whose code decides what the store holds: a change there must rebuild it even when
# the version string stays (an editable install between releases).
_CONTENT_MODULES = ("load.py", "infer.py", "ntlines.py", "sssom.py", "store.py")
HASHES_NAME = "sha256.json"
# How long after its last change a file's hash may be kept (see the module's docstring).
_SETTLED_NS = 2_000_000_000
# Store folders this process reads, each with the descriptor holding its shared lock: a build in
# another process then leaves them alone. Released when the process ends.
_held: dict[Path, int] = {}


def input_files(layout: Project) -> list[tuple[Path, str]]:
    """Every file the store is made from, with the graph it goes into, in load order."""
    files = [(layout.ontology, graph_iri("ontology"))]
    for entry in layout.graph_folders():
        files.extend((path, entry.iri) for path in folder_files(entry.folder, only=entry.only))
    return files


def input_digest(layout: Project, home: Path | None = None) -> str:
    """The digest of everything the store's content depends on (see the module's docstring)."""
    digest = hashlib.sha256()
    code = Path(__file__).resolve().parent
    digest.update(f"esskg {__version__}\npyoxigraph {ox.__version__}\n".encode())
    for name in _CONTENT_MODULES:
        digest.update(name.encode() + b"\0" + _file_sha256(code / name).encode() + b"\n")
    hashes = _Hashes(home or store_home(layout))
    for path, graph in input_files(layout):
        try:
            size, sha = path.stat().st_size, hashes.sha256(path)
        except OSError as e:
            raise LoadError(
                path,
                os_message(e),
                hint=say("vérifiez que le fichier est lisible", "check the file is readable"),
            ) from None
        digest.update(f"{graph}\0{path}\0{size}\0{sha}\n".encode())
    hashes.save()
    return digest.hexdigest()[:32]


class _Hashes:
    """The input files' SHA-256, kept in the store's folder while stat() says the file is the
    same (see the module's docstring); a lost or unreadable record only costs a re-hash."""

    def __init__(self, home: Path) -> None:
        self.path = home / HASHES_NAME
        try:
            self.known: dict[str, list] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.known = {}
        self.changed = False

    def sha256(self, path: Path) -> str:
        info = path.stat()
        key = [info.st_size, info.st_ino, info.st_dev, info.st_mtime_ns, info.st_ctime_ns]
        entry = self.known.get(str(path))
        if isinstance(entry, list) and entry[:-1] == key:
            return entry[-1]
        started = time.time_ns()
        sha = _file_sha256(path)
        if max(info.st_mtime_ns, info.st_ctime_ns) < started - _SETTLED_NS:
            self.known[str(path)] = [*key, sha]
            self.changed = True
        return sha

    def save(self) -> None:
        if not self.changed:
            return
        temp = self.path.with_name(f".{HASHES_NAME}.{os.getpid()}")
        with contextlib.suppress(OSError):  # a record not written is only a re-hash next time
            temp.write_text(json.dumps(self.known), encoding="utf-8")
            temp.replace(self.path)


def store_home(layout: Project) -> Path:
    """The folder holding this project's stores (created if missing)."""
    if layout.kind != "packaged":
        home = layout.root / HOME_NAME
        with contextlib.suppress(OSError):
            home.mkdir(exist_ok=True)
            if os.access(home, os.W_OK):
                return home
    # The packaged graph (or a project folder that is not ours): the user's cache, one folder
    # per project so that two installs of esskg never remove each other's stores.
    root = layout.root if layout.kind != "packaged" else packaged_root()
    home = user_cache() / hashlib.sha256(str(root).encode()).hexdigest()[:16]
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise output_error(home, e) from None
    return home


def user_cache() -> Path:
    """esskg's folder in the user's cache ($XDG_CACHE_HOME/esskg, else ~/.cache/esskg)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "esskg"


def store_path(layout: Project) -> Path:
    """The folder of an up-to-date store for `layout`, built first if the inputs changed.

    Raises LoadError (with the file, line and column) when an input cannot be parsed; no store
    is left behind then.
    """
    home = store_home(layout)
    target = home / (STORE_PREFIX + input_digest(layout, home))
    if target.is_dir():
        return target
    with output_folder(home, wait=True):
        if not target.is_dir():  # another command may have built it while this one waited
            _build(layout, home, target)
        remove_unused_stores(home, keep=target)
    return target


def open_store(layout: Project) -> ox.Store:
    """An up-to-date store for `layout`, opened read-only (see store_path())."""
    return open_store_at(layout)[0]


def open_store_at(layout: Project) -> tuple[ox.Store, Path]:
    """open_store() and the store's folder (the server's query workers open it too)."""
    for _ in range(3):
        target = store_path(layout)
        store = open_held(target)
        if store is not None:
            return store, target
    # Only if a build removed the store three times between its creation and this process
    # opening it, which takes several edits within a second.
    raise LoadError(
        target,
        say(
            "l'index du graphe sur le disque ne cesse de changer",
            "the graph's on-disk index keeps changing",
        ),
        hint=say(
            "relancez la commande quand les autres commandes esskg auront fini",
            "run the command again once the other esskg commands have finished",
        ),
    )


def open_held(target: Path) -> ox.Store | None:
    """The store at `target` opened read-only and held by this process (no build removes it
    meanwhile); None if it was removed before it could be held."""
    if not _hold(target):
        return None
    try:
        return ox.Store.read_only(str(target))
    except OSError as e:
        raise LoadError(
            target,
            say(
                f"l'index du graphe sur le disque ne s'ouvre pas : {e}",
                f"the graph's on-disk index cannot be opened: {e}",
            ),
            hint=say(
                f"supprimez le dossier {display_path(target)} ; la commande suivante le refait",
                f"delete the folder {display_path(target)}; the next command rebuilds it",
            ),
        ) from None


def _hold(target: Path) -> bool:
    """Take a shared lock on the store folder; False if it was removed meanwhile."""
    if target in _held:
        return True
    try:
        fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return False
    fcntl.flock(fd, fcntl.LOCK_SH)
    try:
        same = os.path.samestat(os.fstat(fd), os.stat(target))
    except FileNotFoundError:
        same = False
    if not same:
        os.close(fd)
        return False
    _held[target] = fd
    return True


def _build(layout: Project, home: Path, target: Path) -> None:
    build = temp_folder(home, target.name)
    note(
        f"indexation du graphe dans {display_path(target)} (une fois après chaque changement "
        "de ses fichiers)…",
        f"indexing the graph into {display_path(target)} (once after each change to its files)…",
    )
    try:
        _fill(build, layout)
    except BaseException as e:
        # The traceback's frames hold the store open; RocksDB must close before its folder goes.
        traceback.clear_frames(e.__traceback__)
        _remove_tree(build)
        raise
    replace_folder(build, target)


def _fill(folder: Path, layout: Project) -> None:
    store = ox.Store(str(folder))
    # Each file is parsed strictly into N-Triples first (load.file_ntriples: a bad file stops the
    # build before anything is written), and bulk-loaded from that text; the closures are
    # computed from the same text (infer.inferred_lines) and bulk-loaded as N-Triples (read
    # back from RocksDB and added one Python object at a time, they took about half the index's
    # time at a million triples). The closures are computed in a second thread while the bulk
    # loads run: those let go of the GIL and wait on the disk much of their time.
    texts = [
        (name, text)
        for path, graph in input_files(layout)
        for name, text in file_ntriples(path, graph=graph, check_values=False).items()
    ]
    with ThreadPoolExecutor(max_workers=1) as worker:
        closures = worker.submit(_closures, [text for _, text in texts])
        for name, text in texts:
            store.bulk_load(
                input=text,
                format=ox.RdfFormat.N_TRIPLES,
                to_graph=ox.NamedNode(name),
                lenient=True,  # parsed strictly just above
            )
        inferred = closures.result()
    del texts
    store.bulk_load(
        input=inferred,
        format=ox.RdfFormat.N_TRIPLES,
        to_graph=ox.NamedNode(INFERRED_GRAPH),
        lenient=True,
    )
    # Compacting what the bulk loads wrote: the canned queries then read 25-40% faster (100k
    # triples), for a fraction of a second here.
    store.optimize()


def _closures(texts: list[bytes]) -> bytes:
    """graph:inferred's statements over the N-Triples `texts`, as N-Triples."""
    import polars as pl  # here: the commands that only open the store never need polars

    return ntriples_text(inferred_lines(pl.concat([ntriples_series(text) for text in texts])))


def bulk_load_file(
    store: ox.Store,
    path: Path,
    *,
    graph: str | None = None,
    rdf_format: ox.RdfFormat | None = None,
) -> None:
    """One file into `graph` (or the graphs it names: N-Quads), with load.load_file's errors.

    The format is the data folder's by extension unless given; the errors name the file, line,
    column and what to do, as for any file esskg reads.
    """
    if path.name.endswith(SSSOM_SUFFIX):
        store.bulk_extend(load_file(path, graph=graph))
        return
    target = {"to_graph": ox.NamedNode(graph)} if graph else {}
    try:
        store.bulk_load(
            path=path, format=rdf_format or DATA_FORMATS[path.suffix], base_iri=None, **target
        )
    except SyntaxError as e:
        raise syntax_error(path, e) from None
    except OSError as e:
        raise LoadError(
            path,
            os_message(e),
            hint=say("vérifiez que le fichier est lisible", "check the file is readable"),
        ) from None


def remove_unused_stores(home: Path, *, keep: Path) -> None:
    """Remove the stores no process holds any more (their readers hold a shared lock)."""
    for entry in home.iterdir():
        if entry == keep or not entry.name.startswith(STORE_PREFIX) or not entry.is_dir():
            continue
        try:
            fd = os.open(entry, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)  # in use: the next build will try again
            continue
        try:
            _remove_tree(entry)
        finally:
            os.close(fd)


def _remove_tree(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _file_sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()
