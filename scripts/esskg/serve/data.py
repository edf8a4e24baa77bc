"""What `esskg serve` serves: the project loaded once, indexed for pages, and on disk for SPARQL.

Pages and RDF representations are read from the in-memory dataset (terms exactly as written: a
typed literal such as "01"^^xsd:integer stays "01"); free and canned SPARQL runs in worker
processes over the project's on-disk store (esskg.store), which they open read-only. A published
release gets a temporary on-disk copy instead, removed when the server stops.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from esskg import __version__, sssom
from esskg.errors import EsskgError, display_path
from esskg.load import load_dataset, load_file
from esskg.namespaces import GRAPH, PREFIXES
from esskg.resources import Project
from esskg.store import input_digest, open_store, store_path

# The home of esskg's IRIs: https://w3id.org/esskg/id/x is served at /id/x.
ESSKG_ORIGIN = "https://w3id.org/esskg"
LABEL_PREDICATES = (
    PREFIXES["skos"] + "prefLabel",
    PREFIXES["rdfs"] + "label",
    PREFIXES["dcterms"] + "title",
    PREFIXES["schema"] + "name",
    PREFIXES["foaf"] + "name",
)


_STORE_PREFIX = "esskg-serve-"
_OWNER = "owner.pid"
_OUT_CACHE = 50_000


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

    dataset: ox.Dataset
    store_path: Path
    temporary: bool
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

    def out(self, subject: ox.NamedNode | ox.BlankNode) -> tuple[ox.Quad, ...]:
        """The subject's quads, kept for the next pages (a lookup costs up to a few hundred
        microseconds on a big dataset, and a page asks for the same subject several times)."""
        found = self._out.get(subject)
        if found is None:
            found = self._out[subject] = tuple(self.dataset.quads_for_subject(subject))
            if len(self._out) > _OUT_CACHE:
                del self._out[next(iter(self._out))]
        return found

    def close(self) -> None:
        if self.temporary:
            shutil.rmtree(self.store_path, ignore_errors=True)

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
    """Load the project (or a published release's esskg.nq) and copy it into an on-disk store."""
    if release is not None:
        dump = release / "esskg.nq"
        if not dump.is_file():
            raise ServeError(
                f"--release {display_path(release)}: no esskg.nq in it; give the folder "
                "`esskg publish` wrote"
            )
        dataset = load_file(dump, user=True)
        digest = _digest(dump)
        description = f"release {display_path(release)}"
        version = _release_version(dataset) or __version__
        # A release is read once: its store is a temporary copy, removed when the server stops.
        path, temporary = _disk_store(dataset), True
    else:
        # The project's persistent store (esskg.store: rebuilt only when an input changed),
        # held for as long as this process lives so that no build removes it meanwhile.
        open_store(layout)
        path, temporary = store_path(layout), False
        dataset = load_dataset(root=layout.root)
        digest = input_digest(layout)
        description = layout.describe()
        version = layout.version
    origins = [ESSKG_ORIGIN]
    if layout.config is not None:
        origins.append(_origin(layout.config.base))
    data = ServedData(
        dataset=dataset,
        store_path=path,
        temporary=temporary,
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
    """A release's version for ETags: esskg's version and the bytes of its dump."""
    hasher = hashlib.sha256(f"{__version__}\0".encode())
    with dump.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            hasher.update(chunk)
    return hasher.hexdigest()[:32]


def _release_version(dataset: ox.Dataset) -> str | None:
    owl_version = ox.NamedNode(PREFIXES["owl"] + "versionInfo")
    for quad in dataset.quads_for_predicate(owl_version):
        return quad.object.value
    return None


def _disk_store(dataset: ox.Dataset) -> Path:
    """The quads in an on-disk store, which the query workers open read-only."""
    _sweep_leftovers()
    path = Path(tempfile.mkdtemp(prefix=_STORE_PREFIX))
    (path / _OWNER).write_text(str(os.getpid()))
    try:
        store = ox.Store(str(path))
        store.bulk_extend(dataset)
        store.flush()
        del store  # closes RocksDB: the workers are the only readers from now on
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    return path


def _sweep_leftovers() -> None:
    """Remove the on-disk copies of servers that were killed outright (SIGKILL, power loss)."""
    for folder in Path(tempfile.gettempdir()).glob(_STORE_PREFIX + "*"):
        try:
            owner = int((folder / _OWNER).read_text())
            os.kill(owner, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError):
            continue  # another user's, or being created right now: not ours to judge


def _index(data: ServedData, layout: Project, release: Path | None) -> None:
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    # The first predicate of LABEL_PREDICATES wins for a language, so skos:prefLabel beats label.
    for predicate in reversed(LABEL_PREDICATES):
        for quad in data.dataset.quads_for_predicate(ox.NamedNode(predicate)):
            if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.Literal):
                labels[quad.subject.value][quad.object.language or ""] = quad.object.value
    data.labels = dict(labels)
    hash_terms: dict[str, set[str]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    for quad in data.dataset:
        counts[getattr(quad.graph_name, "value", "")] += 1
        subject = quad.subject
        if isinstance(subject, ox.NamedNode) and "#" in subject.value:
            document = subject.value.split("#", 1)[0]
            if document.startswith(data.origins):
                hash_terms[document].add(subject.value)
    data.hash_terms = {doc: sorted(terms) for doc, terms in hash_terms.items()}
    data.graph_counts = dict(counts)
    if release is None:
        data.mapping_notes = _mapping_notes(layout)


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
    """The quads matching a pattern (None: any), from the dataset's most selective index."""
    dataset = data.dataset
    if subject is not None:
        found = iter(data.out(subject))
    elif obj is not None:
        found = dataset.quads_for_object(obj)
    elif predicate is not None:
        found = dataset.quads_for_predicate(predicate)
    else:
        found = iter(dataset)
    return [
        q
        for q in found
        if (predicate is None or q.predicate == predicate) and (obj is None or q.object == obj)
    ]


def graph_name(iri: str) -> str:
    """A short name for a graph IRI: source, curated, mappings, or the IRI's last segment."""
    return iri[len(GRAPH) :] if iri.startswith(GRAPH) else iri.rstrip("/").rsplit("/", 1)[-1]
