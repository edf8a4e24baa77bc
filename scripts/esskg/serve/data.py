"""What `esskg serve` serves: the project's on-disk store, opened read-only, and the indexes
its pages need.

Pages, RDF representations and SPARQL all read the store that `query` and `check` use
(esskg.store: built once per change of the inputs), so start-up costs an open and a few index
scans, not a parse of every file, and memory stays that of RocksDB's caches. The store keeps
typed literals in their canonical form ("01"^^xsd:integer is read back as "1"), as the
Oxigraph server does: a page, a Turtle answer and a SPARQL answer all show the same value.
A published release (its esskg.nq) gets a store of its own in the user's cache, built once per
dump; query workers open the same folder read-only.
"""

from __future__ import annotations

import hashlib
import shutil
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from esskg import __version__, sssom
from esskg.atomic import output_folder, replace_folder, temp_folder
from esskg.errors import EsskgError, display_path
from esskg.i18n import say
from esskg.namespaces import GRAPH, PREFIXES
from esskg.resources import Project
from esskg.store import (
    STORE_PREFIX,
    bulk_load_file,
    open_held,
    open_store_at,
    remove_unused_stores,
    user_cache,
)

# The home of esskg's IRIs: https://w3id.org/esskg/id/x is served at /id/x.
ESSKG_ORIGIN = "https://w3id.org/esskg"
LABEL_PREDICATES = (
    PREFIXES["skos"] + "prefLabel",
    PREFIXES["rdfs"] + "label",
    PREFIXES["dcterms"] + "title",
    PREFIXES["schema"] + "name",
    PREFIXES["foaf"] + "name",
)
_OUT_CACHE = 50_000
_IN_CACHE = 10_000  # fewer: a territory's incoming links can be thousands of quads


class ServeError(EsskgError):
    """The server cannot start: a release folder without a dump, a port in use, ..."""


@dataclass(frozen=True)
class MappingNote:
    """Why a mapping table says a statement: its justification, confidence and comment."""

    table: str
    justification: str
    confidence: str
    comment: str


@dataclass
class ServedData:
    """The graph as the server sees it, and the indexes its pages need."""

    store: ox.Store
    store_path: Path
    digest: str
    version: str
    description: str
    origins: tuple[str, ...]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    mapping_notes: dict[tuple[str, str, str], MappingNote] = field(default_factory=dict)
    # Documents such as https://w3id.org/esskg/ontology, and the #terms they hold.
    hash_terms: dict[str, list[str]] = field(default_factory=dict)
    graph_counts: dict[str, int] = field(default_factory=dict)
    _out: dict[object, tuple[ox.Quad, ...]] = field(default_factory=dict, repr=False)
    _in: dict[tuple[object, object], tuple[ox.Quad, ...]] = field(default_factory=dict, repr=False)

    @property
    def statements(self) -> int:
        return sum(self.graph_counts.values())

    def out(self, subject: ox.NamedNode | ox.BlankNode) -> tuple[ox.Quad, ...]:
        """The subject's quads, kept for the next pages (a page asks for the same subject
        several times, and each lookup in the store decodes its terms again)."""
        found = self._out.get(subject)
        if found is None:
            found = self._out[subject] = tuple(self.store.quads_for_pattern(subject, None, None))
            if len(self._out) > _OUT_CACHE:
                del self._out[next(iter(self._out))]
        return found

    def into(
        self, predicate: ox.NamedNode | None, obj: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> tuple[ox.Quad, ...]:
        """The quads pointing at `obj` (through `predicate`, or any), kept as out() keeps its
        (a partnership's page asks twice for what lies within it)."""
        key = (predicate, obj)
        found = self._in.get(key)
        if found is None:
            found = self._in[key] = tuple(self.store.quads_for_pattern(None, predicate, obj))
            if len(self._in) > _IN_CACHE:
                del self._in[next(iter(self._in))]
        return found

    def label(self, iri: str) -> tuple[str, str] | None:
        """(fr-first label, en label or '') in the fixed order fr, en, untagged, smallest tag."""
        found = self.labels.get(iri)
        if not found:
            return None
        first = pick_label(found)
        english = found.get("en", "")
        return first, english if english != first else ""


def pick_label(by_language: dict[str, str]) -> str:
    """fr, then en, then the untagged label, then the smallest language tag: never at random."""
    for language in ("fr", "en", ""):
        if language in by_language:
            return by_language[language]
    return by_language[min(by_language)]


def open_data(layout: Project, release: Path | None = None) -> ServedData:
    """Open the project's store (or a published release's), read-only, and index it."""
    if release is not None:
        dump = release / "esskg.nq"
        if not dump.is_file():
            where = display_path(release)
            raise ServeError(
                say(
                    f"--release {where} : il ne contient pas d'esskg.nq ; donnez le dossier "
                    "écrit par `esskg publish`",
                    f"--release {where}: no esskg.nq in it; give the folder `esskg publish` wrote",
                )
            )
        digest = _digest(dump)
        store, path = _release_store(dump, digest)
        description = f"release {display_path(release)}"
        version = _release_version(store) or __version__
    else:
        # The project's persistent store (esskg.store: rebuilt only when an input changed),
        # held for as long as this process lives so that no build removes it meanwhile.
        store, path = open_store_at(layout)
        digest = path.name.removeprefix(STORE_PREFIX)  # the inputs' digest (esskg.store)
        description = layout.describe()
        version = layout.version
    origins = [ESSKG_ORIGIN]
    if layout.config is not None:
        origins.append(_origin(layout.config.base))
    data = ServedData(
        store=store,
        store_path=path,
        digest=digest,
        version=version,
        description=description,
        origins=tuple(origins),
    )
    _index(data, layout, release)
    return data


def _origin(base: str) -> str:
    # scheme://host of a workspace's base: its IRIs are served under their own paths.
    scheme, _, rest = base.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _digest(dump: Path) -> str:
    """A release's version for ETags and its store's name: the versions of esskg and of
    pyoxigraph (which fixes the store's format), and the bytes of its dump."""
    hasher = hashlib.sha256(f"{__version__}\0{ox.__version__}\0".encode())
    with dump.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            hasher.update(chunk)
    return hasher.hexdigest()[:32]


def _release_version(store: ox.Store) -> str | None:
    owl_version = ox.NamedNode(PREFIXES["owl"] + "versionInfo")
    for quad in store.quads_for_pattern(None, owl_version, None):
        return quad.object.value
    return None


def _release_store(dump: Path, digest: str) -> tuple[ox.Store, Path]:
    """The release's store, built once per dump in the user's cache (as esskg.store builds a
    project's: in a temp folder renamed into place, under a lock), opened read-only and held.
    Stores of other releases that no server holds are removed then."""
    home = user_cache() / "releases"
    target = home / (STORE_PREFIX + digest)
    for _ in range(3):
        if not target.is_dir():
            with output_folder(home, wait=True):
                if not target.is_dir():
                    _build_release_store(dump, home, target)
                remove_unused_stores(home, keep=target)
        store = open_held(target)
        if store is not None:
            return store, target
    raise ServeError(
        say(
            f"{display_path(target)} : l'index de la version sur le disque ne cesse de changer ; "
            "relancez le serveur quand les autres serveurs esskg auront démarré",
            f"{display_path(target)}: the release's on-disk index keeps changing; start the "
            "server again once the other esskg servers have started",
        )
    )


def _build_release_store(dump: Path, home: Path, target: Path) -> None:
    build = temp_folder(home, target.name)
    try:
        store = ox.Store(str(build))
        bulk_load_file(store, dump, rdf_format=ox.RdfFormat.N_QUADS)
        store.optimize()
        del store  # closes RocksDB before the folder is renamed
    except BaseException as e:
        # The traceback's frames hold the store open; RocksDB must close before its folder goes.
        traceback.clear_frames(e.__traceback__)
        shutil.rmtree(build, ignore_errors=True)
        raise
    replace_folder(build, target)


def _index(data: ServedData, layout: Project, release: Path | None) -> None:
    store = data.store
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    # The first predicate of LABEL_PREDICATES wins for a language, so skos:prefLabel beats label.
    for predicate in reversed(LABEL_PREDICATES):
        for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None):
            if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.Literal):
                labels[quad.subject.value][quad.object.language or ""] = quad.object.value
    data.labels = dict(labels)
    # Counted and filtered inside the store: a scan in Python would cost seconds at 1M statements.
    counts = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    data.graph_counts = {row["g"].value: int(row["n"].value) for row in counts}
    default = next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))
    if int(default["n"].value):
        data.graph_counts[""] = int(default["n"].value)
    # A document's #terms are found among the typed subjects (every ontology term is typed):
    # the string tests on every subject would take 16 s at 1M statements, these 2 s.
    starts = " || ".join(f"STRSTARTS(STR(?s), {_string(o + '/')})" for o in data.origins)
    terms = store.query(
        "SELECT DISTINCT ?s WHERE { ?s a ?type "
        f'FILTER(isIRI(?s) && CONTAINS(STR(?s), "#") && ({starts})) }}',
        use_default_graph_as_union=True,
    )
    hash_terms: dict[str, list[str]] = defaultdict(list)
    for row in terms:
        iri = row["s"].value
        hash_terms[iri.split("#", 1)[0]].append(iri)
    data.hash_terms = {doc: sorted(found) for doc, found in hash_terms.items()}
    if release is None:
        data.mapping_notes = _mapping_notes(layout)


def _string(text: str) -> str:
    return str(ox.Literal(text))


def _mapping_notes(layout: Project) -> dict[tuple[str, str, str], MappingNote]:
    """Each mapped statement's row in its SSSOM table: the page shows why the link holds."""
    notes: dict[tuple[str, str, str], MappingNote] = {}
    for entry in layout.graph_folders():
        for path in entry.files():
            if not path.name.endswith(sssom.SSSOM_SUFFIX):
                continue
            for row in sssom.read_mapping_table(path):
                notes[(row.subject, row.predicate, row.object)] = MappingNote(
                    table=path.name,
                    justification=row.justification,
                    confidence="" if row.confidence is None else str(row.confidence),
                    comment=row.comment or "",
                )
    return notes


def quads(
    data: ServedData,
    subject: ox.NamedNode | ox.BlankNode | None,
    predicate: ox.NamedNode | None,
    obj: ox.NamedNode | ox.BlankNode | ox.Literal | None,
) -> list[ox.Quad]:
    """The quads matching a pattern (None: any); a subject's, or an object's, from the caches."""
    if subject is None:
        if obj is not None:
            return list(data.into(predicate, obj))
        return list(data.store.quads_for_pattern(None, predicate, obj))
    return [
        q
        for q in data.out(subject)
        if (predicate is None or q.predicate == predicate) and (obj is None or q.object == obj)
    ]


def graph_name(iri: str) -> str:
    """A short name for a graph IRI: source, curated, mappings, or the IRI's last segment."""
    return iri[len(GRAPH) :] if iri.startswith(GRAPH) else iri.rstrip("/").rsplit("/", 1)[-1]
