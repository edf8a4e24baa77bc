"""The `publish` verb: a versioned, described, reproducible open-data release of the graph.

`esskg publish -o DIR` writes DIR/<version>/: the merged graph (Turtle, N-Triples, JSON-LD), the
named graphs (TriG, N-Quads), gzip variants, the ontology and shapes, CSV tables, catalog.ttl
(DCAT-AP + VoID), ontology.html and index.html.

Gate: nothing is written unless the data passes `build`'s gate (validation + quality checks).

Safety: DIR is locked for the run (a second publish into it is refused) and what killed runs
left there is swept first (atomic.output_folder). The release is built in a fresh hidden folder
beside the target (atomic.temp_folder); every file there is written through
atomic.write_atomically and re-parsed strictly before it is kept. Only when all files are
written and checked is the folder swapped in for DIR/<version> (atomic.replace_folder). Any
failure before the swap removes the build folder and leaves the previous release as it was.

Immutability: a version already published with other bytes is refused unless --replace.

Reproducibility: no clock, no random order. The date is --date, else the ontology's
dcterms:modified; blank nodes are named by RDFC-1.0; gzip has mtime 0.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import functools
import hashlib
import io
import json
import logging
import os
import re
import shutil
import sys
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from esskg import __version__
from esskg.atomic import output_folder, replace_folder, temp_folder, write_atomically
from esskg.build import GateOutcome, gate_digest, quality_gate, record_gate, recorded_gate
from esskg.dump import merged_triples, turtle_bytes
from esskg.errors import EsskgError, display_path
from esskg.i18n import say
from esskg.load import load_quads, parse_rdf_file, store_from
from esskg.namespaces import PREFIXES, graph_iri, register_prefix
from esskg.publish.aside import Aside
from esskg.publish.catalog import (
    DATA_LICENCE,
    ONTOLOGY_LICENCE,
    SHAPES_IRI,
    Distribution,
    ReleaseInfo,
    catalog_triples,
    catalog_turtle,
    licence_names,
    text_statistics,
)
from esskg.publish.citation import (
    CITATION_FILE,
    read_creators,
    schema_org_jsonld,
    source_document,
)
from esskg.publish.formats import (
    RDF_FORMATS,
    NormalForms,
    PublishCheckError,
    check_graph,
    gzip_bytes,
    gzip_check,
    jsonld_context,
    normal_form,
    normal_forms,
    same_graph_check,
    serialize,
)
from esskg.publish.identity import DatasetIdentity, esskg_identity, workspace_identity
from esskg.publish.page import (
    ExampleQuery,
    WorkspaceText,
    landing_page,
    ontology_html,
    sdg_chart_svg,
    sdg_coverage,
)
from esskg.publish.tables import TABLES, table_csv
from esskg.resources import GraphFolder, Project, project
from esskg.sssom import PAV, SSSOM_SUFFIX, mapping_set_rdf, read_mapping_set
from esskg.validate import add_engine_argument, render_turtle, validate_store

__all__ = ["GateFailed", "PublishError", "ReleaseExists", "add_parser", "publish", "run"]

log = logging.getLogger(__name__)

_EXAMPLE_ROWS = 10
_EXAMPLE_QUERIES = 3

_DESCRIPTIONS = {
    "ttl": "le graphe fusionné (Turtle)",
    "nt": "le graphe fusionné (N-Triples)",
    "jsonld": "le graphe fusionné (JSON-LD compact, contexte inclus)",
    "trig": "les graphes nommés : source, compléments, correspondances… (TriG)",
    "nq": "les graphes nommés (N-Quads)",
}
_TITLES = {
    "ttl": "Merged graph (Turtle)",
    "nt": "Merged graph (N-Triples)",
    "jsonld": "Merged graph (compact JSON-LD)",
    "trig": "Named graphs (TriG)",
    "nq": "Named graphs (N-Quads)",
}


class PublishError(EsskgError):
    """The release cannot be made (bad option, inconsistent version); the previous one is kept."""


class ReleaseExists(PublishError):
    """The version is already published with other bytes and --replace was not given."""


class GateFailed(PublishError):
    """The data does not pass the quality gate `build` applies: nothing is published."""

    def __init__(self, gate: GateOutcome) -> None:
        super().__init__(
            say(
                "les données ne passent pas le contrôle qualité ; rien n'est publié",
                "the data does not pass the quality gate; nothing published",
            )
        )
        self.gate = gate


def publish(
    outdir: Path | str,
    *,
    root: Path | str | None = None,
    date: str | None = None,
    base_url: str | None = None,
    engine: str = "auto",
    sparql_endpoint: str | None = None,
    replace: bool = False,
) -> Path:
    """Build the release into `outdir`/<version>/ and return that folder.

    GateFailed, before anything is written, when the data fails validation or a quality check;
    ReleaseExists when that version is already there with other bytes, unless `replace`.
    """
    layout = project(root)
    # What the release prints (CURIEs on the page) follows this project alone.
    register_prefix(layout.config and layout.config.prefix, layout.config and layout.config.base)
    if sparql_endpoint is not None:
        _check_endpoint(sparql_endpoint)
    identity = None
    if layout.kind == "workspace":
        # A workspace's release is its own dataset: refused before the (long) gate when it
        # names no creator or no date.
        version, release_date = _workspace_version(layout, date)
        identity = workspace_identity(layout, version, release_date)
    # The gate's report is taken from the record `build` (or an earlier publish) kept when it
    # passed on exactly these inputs, shapes, engine and code: validating the same bytes again
    # would cost some 45 s at a million triples.
    digest = gate_digest(layout, engine)
    # Files are written from the exact terms; the Store (which keeps typed literals by value,
    # "2"^^xsd:nonNegativeInteger as "2"^^xsd:integer) only answers the queries. A list of the
    # statements, not an ox.Dataset: everything below reads them in turn, and a Dataset of a
    # million costs some 11 s and 1 GB to build.
    quads = load_quads(root=root)
    report = recorded_gate(layout, engine, digest)
    if report is None:
        gate = quality_gate(quads, layout.root, engine=engine)
        if not gate.passed:
            raise GateFailed(gate)
        record_gate(layout, engine, digest, gate)
        report = render_turtle(gate.report).encode("utf-8")
    store = store_from(quads)
    esskg_version, version_iri, ontology_iri, modified, created = _ontology_header(store)
    if identity is None:
        version = esskg_version
        release_date = _check_date(date) if date else modified
        citation, creators = read_creators(layout.root, version)
        identity = esskg_identity(creators, citation, version)
    else:
        created = None  # esskg's ontology was created then, not this dataset
    base = base_url or identity.default_base_url
    if not base.endswith("/"):
        base += "/"
    shapes = layout.shapes if layout.shapes.is_file() else None
    if shapes is None:
        log.warning(
            say(
                "pas de fichier de formes en %s : la publication ne contiendra pas shapes.ttl",
                "no shapes file at %s: the release will not include shapes.ttl",
            ),
            layout.shapes,
        )
    release = ReleaseInfo(
        version=version,
        issued=created or release_date,
        modified=release_date,
        base_url=base,
        ontology_iri=ontology_iri,
        ontology_version_iri=version_iri,
        shapes_iri=SHAPES_IRI if shapes else None,
        identity=identity,
        source=source_document(store),
        sparql_endpoint=sparql_endpoint,
    )
    outdir = Path(outdir)
    target = outdir / version
    # The CSV tables, the example queries and the SDG chart need only the store: a forked process
    # makes them (see aside.py) while this one makes the normal forms and the other files.
    # The lock refuses a second publish into the same folder while this one runs; the sweep
    # removes what killed runs left (hidden build folders, an interrupted swap).
    with Aside(lambda: _side_files(store, layout.root)) as side, output_folder(outdir):
        build = temp_folder(outdir, version)
        try:
            _write_release(build, quads, store, side, release, shapes, layout, report)
            os.chmod(build, 0o755)
            if target.exists() and not replace:
                _refuse_a_changed_release(build, target, layout)
            replace_folder(build, target)
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            raise
    return target


def _workspace_version(layout: Project, date: str | None) -> tuple[str, str]:
    """(version, date) of a workspace's release: esskg.toml's, the date --date if given."""
    assert layout.config is not None
    # The version names the release's folder and ends its IRI: no path, no space.
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z.+_-]*", layout.config.version):
        where, version = display_path(layout.config.path), layout.config.version
        raise PublishError(
            say(
                f"{where} : version = {version!r} ne peut pas nommer une publication ; rien n'a "
                'été écrit\n  conseil : écrivez-la comme 1.0.0 (lettres, chiffres, ". + _ -")',
                f"{where}: version = {version!r} cannot name a release; nothing was written"
                '\n  hint: write it as 1.0.0 (letters, digits, ". + _ -")',
            )
        )
    if date:
        return layout.config.version, _check_date(date)
    if layout.config.date is None:
        where, version = display_path(layout.config.path), layout.config.version
        raise PublishError(
            say(
                f"{where} : pas de date pour la version {version} ; rien n'a été écrit\n"
                '  conseil : ajoutez date = "AAAA-MM-JJ" (le jour de cette version) sous '
                "[workspace], ou donnez --date AAAA-MM-JJ",
                f"{where}: no date for version {version}; nothing was written\n"
                '  hint: add date = "YYYY-MM-DD" (the day of this version) under [workspace], '
                "or give --date YYYY-MM-DD",
            )
        )
    return layout.config.version, layout.config.date


def _refuse_a_changed_release(build: Path, target: Path, layout: Project) -> None:
    """ReleaseExists if `target` holds other bytes than `build`: a published version is final."""
    new = {p.name: p.read_bytes() for p in build.iterdir()}
    old = {p.name: p.read_bytes() for p in target.iterdir() if p.is_file()}
    changed = sorted(n for n in new.keys() | old.keys() if new.get(n) != old.get(n))
    if changed:
        more = len(changed) - 5
        shown = ", ".join(changed[:5]) + (
            say(f" et {more} autres", f" and {more} more") if more > 0 else ""
        )
        n, where = len(changed), display_path(target)
        raise ReleaseExists(
            say(
                f"{where} : la version {target.name} est déjà publiée et cette exécution "
                f"changerait {n} fichier{'s' if n > 1 else ''} ({shown}) ; une version publiée "
                "ne change pas, rien n'a été écrit"
                f"\n  conseil : montez la version ({_where_the_version_is(layout)}), "
                "ou donnez --replace pour remplacer quand même cette version",
                f"{where}: version {target.name} is already published and this run "
                f"would change {n} file{'s' if n != 1 else ''} ({shown}); "
                "a published version does not change, nothing was written"
                f"\n  hint: raise the version ({_where_the_version_is(layout)}), "
                "or give --replace to overwrite this version anyway",
            )
        )


def _where_the_version_is(layout: Project) -> str:
    if layout.kind == "workspace" and layout.config is not None:
        where = display_path(layout.config.path)
        if (layout.root / CITATION_FILE).is_file():
            return say(
                f"version et date dans {where} et CITATION.cff",
                f"version and date in {where} and CITATION.cff",
            )
        return say(f"version et date dans {where}", f"version and date in {where}")
    return say(
        "owl:versionInfo et versionIRI de l'ontologie, CITATION.cff, esskg.__version__, CHANGELOG",
        "ontology owl:versionInfo and versionIRI, CITATION.cff, esskg.__version__, CHANGELOG",
    )


def _write_release(
    build: Path,
    quads: list[ox.Quad],
    store: ox.Store,
    side: Aside[_SideFiles],
    release: ReleaseInfo,
    shapes: Path | None,
    layout: Project,
    report: bytes,
) -> None:
    """Write and check every file of the release into `build`; `report` is the gate's (Turtle)."""
    # The normal forms (sorted N-Quads and N-Triples text) the dumps are checked against, made
    # from the statements apart from the serialisations they check.
    forms = normal_forms(quads)
    # The Turtle, JSON-LD and TriG texts (each parsed back and compared with the normal forms)
    # are made in forked processes (see aside.py) while this one writes the files; they are
    # kept in the order the catalogue lists them all the same.
    with contextlib.ExitStack() as stack:
        dumps = {
            key: stack.enter_context(Aside(functools.partial(_checked_dump, key, forms)))
            for key in _MADE_ASIDE
        }
        made = _Made(forms, dumps, side)
        _write_files(build, quads, store, made, release, shapes, layout, report)


# The dumps made and checked in a forked process each; N-Triples and N-Quads are the normal forms.
_MADE_ASIDE = ("ttl", "jsonld", "trig")


def _checked_dump(key: str, forms: NormalForms) -> tuple[bytes, bytes]:
    """The text of format `key`, parsed back and found to hold the graph (PublishCheckError),
    and its gzip."""
    fmt = RDF_FORMATS[key]
    triples = (q.triple for q in ox.parse(forms.ntriples, format=ox.RdfFormat.N_TRIPLES))
    data = serialize(key, triples=triples, forms=forms)
    check_graph(
        f"esskg{fmt.suffix}",
        data,
        forms.nquads if fmt.keeps_graphs else forms.ntriples,
        fmt.rdf_format,
        keeps_graphs=fmt.keeps_graphs,
        written_order=forms.by_graph if fmt.keeps_graphs else None,
    )
    return data, gzip_bytes(data)


@dataclass(frozen=True)
class _Made:
    """What the files are written from: the normal forms, and the forked processes' work."""

    forms: NormalForms
    dumps: dict[str, Aside[tuple[bytes, bytes]]]
    side: Aside[_SideFiles]


def _write_files(
    build: Path,
    quads: list[ox.Quad],
    store: ox.Store,
    made: _Made,
    release: ReleaseInfo,
    shapes: Path | None,
    layout: Project,
    report: bytes,
) -> None:
    identity = release.identity
    forms = made.forms
    distributions: list[Distribution] = []
    downloads: list[tuple[str, str, int]] = []

    def keep(
        name: str,
        data: bytes,
        verify: Callable[[Path], None],
        media: str,
        title: str,
        what: str,
        *,
        compressed: bool = False,
        licence: str = identity.licence,
        also_under: tuple[str, ...] = (),
    ) -> None:
        target = build / name
        write_atomically(target, data, verify)
        os.chmod(target, 0o644)
        # The catalogue needs each file's size and checksum, not its bytes: a million triples
        # make a gigabyte of files.
        distributions.append(
            Distribution(
                name,
                media,
                title,
                len(data),
                hashlib.sha256(data).hexdigest(),
                compressed,
                licence,
                also_under,
            )
        )
        licences = " + ".join(licence_names(x)[0] for x in (licence, *also_under))
        downloads.append((name, what, len(data), licences))

    # The merged files also hold esskg's ontology and, in a workspace, esskg's vocabularies.
    dump_also_under = tuple(x for x in (ONTOLOGY_LICENCE, DATA_LICENCE) if x != identity.licence)

    def keep_dump(key: str, data: bytes) -> None:
        fmt = RDF_FORMATS[key]
        expected = forms.nquads if fmt.keeps_graphs else forms.ntriples
        # The N-Triples and N-Quads files are the normal forms themselves, which this run has
        # parsed line by line (into the triples the Turtle and JSON-LD are made from, and the
        # TriG's quads); the Turtle, JSON-LD and TriG texts were parsed back and compared with
        # them where they were made (_checked_dump). Read back byte for byte, each file holds
        # the graph. Any other text is parsed back from the file.
        verify = (
            _bytes_check(data)
            if data is expected or key in made.dumps
            else same_graph_check(
                expected,
                fmt.rdf_format,
                keeps_graphs=fmt.keeps_graphs,
                written_order=forms.by_graph if fmt.keeps_graphs else None,
            )
        )
        keep(
            f"esskg{fmt.suffix}",
            data,
            verify,
            fmt.media_type,
            _TITLES[key],
            _DESCRIPTIONS[key],
            also_under=dump_also_under,
        )

    def keep_gzip(key: str, data: bytes, compressed: bytes) -> None:
        keep(
            f"esskg{RDF_FORMATS[key].suffix}.gz",
            compressed,
            gzip_check(data),
            RDF_FORMATS[key].media_type,
            f"{_TITLES[key]}, gzip",
            f"{_DESCRIPTIONS[key]}, compressé gzip",
            compressed=True,
            also_under=dump_also_under,
        )

    # gzip at level 9 is a fifth of the work at a million triples. The forked processes
    # compress what they make; the N-Triples and N-Quads texts are ready now, and zlib lets go
    # of the GIL: a thread compresses them while this one waits for the others and writes.
    # Files are kept in the order the catalogue lists them: each dump, then its .gz.
    with ThreadPoolExecutor(max_workers=1) as zipper:
        texts = {
            key: serialize(key, triples=(), forms=forms)
            for key in RDF_FORMATS
            if key not in made.dumps
        }
        zipped = {key: zipper.submit(gzip_bytes, data) for key, data in texts.items()}
        # The VoID figures, while the others work: made last, they were waited for.
        stats = text_statistics(forms.ntriples, forms.nquads, identity.uri_spaces)
        for key in RDF_FORMATS:
            if key in made.dumps:
                data, compressed = made.dumps[key].result()
            else:
                data, compressed = texts[key], zipped[key].result()
            keep_dump(key, data)
            keep_gzip(key, data, compressed)
    context = jsonld_context()
    context_bytes = (
        json.dumps(context, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    ).encode()
    keep(
        "context.jsonld",
        context_bytes,
        _json_check(context),
        "application/ld+json",
        "JSON-LD context of esskg.jsonld",
        "le contexte JSON-LD (préfixes) d'esskg.jsonld",
    )

    ontology_graph = ox.NamedNode(graph_iri("ontology"))
    ontology = [q.triple for q in quads if q.graph_name == ontology_graph]
    ontology_ttl = turtle_bytes(merged_triples(ontology))
    keep(
        "ontology.ttl",
        ontology_ttl,
        _triples_check(ontology),
        "text/turtle",
        "esskg ontology (OWL)",
        "l'ontologie esskg (OWL, Turtle)",
        licence=ONTOLOGY_LICENCE,
    )
    if shapes is not None:
        shape_triples = parse_rdf_file(shapes)
        keep(
            "shapes.ttl",
            turtle_bytes(merged_triples(shape_triples)),
            _triples_check(shape_triples),
            "text/turtle",
            "esskg SHACL shapes",
            "les formes SHACL qui valident les données",
            licence=ONTOLOGY_LICENCE,
        )
    keep(
        "validation-report.ttl",
        report,
        _turtle_check(report),
        "text/turtle",
        "SHACL validation report of this release",
        "le rapport de validation SHACL de cette publication (Turtle)",
    )
    side = made.side.result()
    for table, data in zip(TABLES, side.tables, strict=True):
        keep(
            table.name,
            data,
            _csv_check(data),
            "text/csv",
            f"{table.title} (CSV)",
            f"tableau : {table.title_fr} (CSV, UTF-8 avec BOM, pour Excel)",
        )
    for name, table, own in _mapping_tables(layout):
        _keep_mapping_table(keep, name, table, identity.licence if own else DATA_LICENCE)
    keep(
        "ontology.html",
        ontology_html(ontology_ttl),
        _html_check,
        "text/html",
        "esskg ontology documentation",
        "la documentation de l'ontologie (HTML)",
        licence=ONTOLOGY_LICENCE,
    )

    keep(
        CITATION_FILE,
        identity.citation,
        _bytes_check(identity.citation),
        "application/yaml",
        "How to cite this dataset (Citation File Format)"
        if identity.workspace
        else "How to cite esskg (Citation File Format)",
        "comment citer ce jeu de données (Citation File Format)"
        if identity.workspace
        else "comment citer esskg (Citation File Format)",
    )
    page = landing_page(
        version=release.version,
        date=release.modified,
        base_url=release.base_url,
        downloads=downloads,
        stats=stats,
        examples=side.examples,
        chart_svg=side.chart_svg,
        data_licence=identity.licence,
        ontology_licence=ONTOLOGY_LICENCE,
        creators=[c.name for c in identity.creators],
        workspace=_workspace_text(identity, release) if identity.workspace else None,
        source=release.source,
        sparql_endpoint=release.sparql_endpoint,
        schema_org=schema_org_jsonld(
            title=identity.title,
            description=identity.description,
            version=release.version,
            dataset_iri=release.dataset,
            base_url=release.base_url,
            issued=release.issued,
            modified=release.modified,
            licences=list(dict.fromkeys([identity.licence, DATA_LICENCE, ONTOLOGY_LICENCE]))
            if identity.workspace
            else [DATA_LICENCE, ONTOLOGY_LICENCE],
            creators=list(identity.creators),
            keywords=[word for word, _ in identity.keywords],
            source=release.source,
            downloads=[
                (d.name, "application/gzip" if d.compressed else d.media_type)
                for d in distributions
            ],
            sparql_endpoint=release.sparql_endpoint,
        ),
    )
    keep("index.html", page, _html_check, "text/html", "Landing page", "cette page")

    catalog = catalog_triples(store, release, distributions, stats)
    _check_dcat_ap(catalog)
    write_atomically(build / "catalog.ttl", catalog_turtle(catalog), _triples_check(catalog))
    os.chmod(build / "catalog.ttl", 0o644)


@dataclass(frozen=True)
class _SideFiles:
    """What a forked process makes from the store: the CSV tables (in TABLES' order), the
    landing page's example queries and SDG chart."""

    tables: list[bytes]
    examples: list[ExampleQuery]
    chart_svg: str


def _side_files(store: ox.Store, root: Path) -> _SideFiles:
    return _SideFiles(
        tables=[table_csv(store, table) for table in TABLES],
        examples=_examples(store, root),
        chart_svg=sdg_chart_svg(sdg_coverage(store, root)),
    )


def _workspace_text(identity: DatasetIdentity, release: ReleaseInfo) -> WorkspaceText:
    return WorkspaceText(
        title=identity.title["fr"],
        model_version=__version__,
        licence_name=licence_names(identity.licence)[0],
        with_source=release.source is not None,
    )


def _mapping_tables(layout: Project) -> list[tuple[str, Path, bool]]:
    """(name in the release, path, the project's own) of every SSSOM table the graph loads.

    In a workspace, esskg's tables are named esskg-<name>, so that they never clash with the
    workspace's own (a workspace may keep its own sdg-links.sssom.tsv).
    """
    tables = [
        (_release_name(layout, entry, p), p, entry.own)
        for entry in layout.graph_folders()
        for p in entry.files()
        if p.name.endswith(SSSOM_SUFFIX)
    ]
    return sorted(tables)


def _release_name(layout: Project, entry: GraphFolder, table: Path) -> str:
    return "esskg-" + table.name if layout.kind == "workspace" and not entry.own else table.name


def _keep_mapping_table(keep: Callable[..., None], name: str, table: Path, licence: str) -> None:
    """The table as it is kept in the repository, and its SSSOM/RDF form beside it."""
    raw = table.read_bytes()
    stem = name[: -len(SSSOM_SUFFIX)]
    keep(
        name,
        raw,
        _bytes_check(raw),
        "text/tab-separated-values",
        f"SSSOM mapping table {stem} (TSV)",
        f"la table de correspondances {stem} avec ses justifications (SSSOM/TSV)",
        licence=licence,
    )
    mapping_set = read_mapping_set(table)
    triples = mapping_set_rdf(mapping_set)
    prefixes = {**PREFIXES, **mapping_set.curie_map, "pav": PAV}
    keep(
        f"{stem}.sssom.ttl",
        turtle_bytes(merged_triples(triples), prefixes=prefixes),
        _triples_check(triples),
        "text/turtle",
        f"SSSOM mapping table {stem} (SSSOM/RDF)",
        "la même table en RDF (SSSOM/RDF : justification, confiance, auteur, commentaire)",
        licence=licence,
    )


def _ontology_header(store: ox.Store) -> tuple[str, str, str, str, str | None]:
    """(versionInfo, versionIRI, ontology IRI, modified, created) of the ontology, checked."""
    graph = ox.NamedNode(graph_iri("ontology"))
    rows = list(
        store.query(
            "SELECT ?g ?o ?vi ?info ?mod ?created { GRAPH ?g { "
            "?o a <http://www.w3.org/2002/07/owl#Ontology> "
            "OPTIONAL { ?o <http://www.w3.org/2002/07/owl#versionIRI> ?vi } "
            "OPTIONAL { ?o <http://www.w3.org/2002/07/owl#versionInfo> ?info } "
            "OPTIONAL { ?o <http://purl.org/dc/terms/modified> ?mod } "
            "OPTIONAL { ?o <http://purl.org/dc/terms/created> ?created } } }",
            substitutions={ox.Variable("g"): graph},
        )
    )
    if len(rows) != 1:
        raise PublishError(
            say(
                "ontology/esskg.ttl doit déclarer exactement une owl:Ontology",
                "ontology/esskg.ttl must declare exactly one owl:Ontology",
            )
        )
    row = rows[0]
    info = row["info"].value if row["info"] else None
    if info != __version__:
        raise PublishError(
            say(
                f"l'owl:versionInfo de l'ontologie vaut {info!r} mais esskg est en "
                f"{__version__} : mettez-les à la même version avant de publier",
                f"the ontology's owl:versionInfo is {info!r} but esskg is {__version__}: "
                "set them to the same version before publishing",
            )
        )
    version_iri = row["vi"].value if row["vi"] else ""
    if not version_iri.rstrip("/").endswith("/" + __version__):
        raise PublishError(
            say(
                f"l'owl:versionIRI <{version_iri}> de l'ontologie doit finir par /{__version__}",
                f"the ontology's owl:versionIRI <{version_iri}> must end with /{__version__}",
            )
        )
    if row["mod"] is None:
        raise PublishError(
            say(
                "l'ontologie n'a pas de dcterms:modified ; donnez --date AAAA-MM-JJ",
                "the ontology has no dcterms:modified; give --date YYYY-MM-DD",
            )
        )
    created = row["created"].value if row["created"] else None
    return __version__, version_iri, row["o"].value, _check_date(row["mod"].value), created


def _check_endpoint(url: str) -> None:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise PublishError(
            say(
                f"--sparql-endpoint {url!r} n'est pas une URL http(s)\n  conseil : donnez "
                "l'URL de requête du serveur où la publication a été envoyée, par ex. "
                "https://example.org/sparql",
                f"--sparql-endpoint {url!r} is not an http(s) URL\n"
                "  hint: give the query URL of the server the release was pushed to, "
                "e.g. https://example.org/sparql",
            )
        )


def _check_date(value: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise PublishError(
            say(f"date {value!r} : écrivez AAAA-MM-JJ", f"date {value!r}: write YYYY-MM-DD")
        )
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise PublishError(
            say(
                f"date {value!r} : ce n'est pas un jour du calendrier",
                f"date {value!r} is not a day of the calendar",
            )
        ) from None
    return value


def _examples(store: ox.Store, root: Path | str | None) -> list[ExampleQuery]:
    """The first canned SELECT queries that need no parameter, run on the store."""
    from esskg.errors import QueryError
    from esskg.query import execute, list_queries, solution_rows, term_text, tidy
    from esskg.render import Solutions

    try:
        queries = list_queries(root)
    except QueryError as e:
        log.warning(
            say(
                "pas d'exemples de requêtes sur la page d'accueil : %s",
                "no example queries on the landing page: %s",
            ),
            e,
        )
        return []
    examples = []
    for query in queries:
        if len(examples) == _EXAMPLE_QUERIES:
            break
        try:
            result = tidy(query, execute(store, query))
        except QueryError as e:
            log.info(
                say("exemple de requête %s laissé de côté : %s", "example query %s left out: %s"),
                query.name,
                e,
            )
            continue
        if not isinstance(result, ox.QuerySolutions | Solutions):
            continue
        columns = tuple(
            result.variables
            if isinstance(result, Solutions)
            else (v.value for v in result.variables)
        )
        rows = [tuple(term_text(row.get(c)) for c in columns) for row in solution_rows(result)]
        examples.append(
            ExampleQuery(
                title=query.title or query.name,
                description=query.description,
                text=query.text,
                columns=columns,
                rows=tuple(rows[:_EXAMPLE_ROWS]),
                total=len(rows),
            )
        )
    return examples


def _triples_check(triples: list[ox.Triple]) -> Callable[[Path], None]:
    expected = normal_form((ox.Quad(*t) for t in triples), keeps_graphs=False)
    return same_graph_check(expected, ox.RdfFormat.TURTLE, keeps_graphs=False)


DCAT_AP_CLASSES = Path(__file__).with_name("dcat-ap-classes.ttl")


def _check_dcat_ap(catalog: list[ox.Triple]) -> None:
    """PublishCheckError unless the catalogue meets the DCAT-AP 3.0.0 ranges esskg keeps."""
    report = validate_store(
        [ox.Quad(t.subject, t.predicate, t.object) for t in catalog],
        DCAT_AP_CLASSES,
        engine="pyshacl",
    )
    if not report.conforms:
        first = report.results[0]
        raise PublishCheckError(
            say(
                f"catalog.ttl : {report.violations} violation(s) de DCAT-AP 3.0.0, la première : "
                f"{first.focus} {first.path_text} : {first.message()} (un défaut d'esskg : "
                "merci de le signaler)",
                f"catalog.ttl: {report.violations} DCAT-AP 3.0.0 violation(s), first: "
                f"{first.focus} {first.path_text}: {first.message()} (a bug in esskg: report it)",
            )
        )


def _turtle_check(data: bytes) -> Callable[[Path], None]:
    """The file on disk must hold what the bytes written hold."""
    return _triples_check([q.triple for q in ox.parse(data, format=ox.RdfFormat.TURTLE)])


def _bytes_check(data: bytes) -> Callable[[Path], None]:
    def verify(temp: Path) -> None:
        if temp.read_bytes() != data:
            raise PublishCheckError(
                say(
                    f"{temp.name} : ne se relit pas tel qu'écrit",
                    f"{temp.name}: does not read back as written",
                )
            )

    return verify


def _json_check(expected: object) -> Callable[[Path], None]:
    def verify(temp: Path) -> None:
        try:
            found = json.loads(temp.read_bytes().decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise PublishCheckError(
                say(f"{temp.name} : JSON invalide : {e}", f"{temp.name}: not valid JSON: {e}")
            ) from e
        if found != expected:
            raise PublishCheckError(
                say(
                    f"{temp.name} : le JSON diffère de ce qui devait être écrit",
                    f"{temp.name}: JSON differs from what was meant",
                )
            )

    return verify


def _csv_check(data: bytes) -> Callable[[Path], None]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))

    def verify(temp: Path) -> None:
        with open(temp, encoding="utf-8-sig", newline="") as f:
            if list(csv.reader(f)) != rows:
                raise PublishCheckError(
                    say(
                        f"{temp.name} : le CSV ne se relit pas tel qu'écrit",
                        f"{temp.name}: CSV does not read back as written",
                    )
                )

    return verify


def _html_check(temp: Path) -> None:
    text = temp.read_bytes().decode("utf-8")
    if not text.lstrip().lower().startswith("<!doctype html") or "</html>" not in text:
        raise PublishCheckError(
            say(
                f"{temp.name} : ce n'est pas un document HTML complet",
                f"{temp.name}: not a complete HTML document",
            )
        )


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "publish",
        help=say(
            "écrit une publication versionnée en données ouvertes (RDF, CSV, DCAT/VoID, HTML)",
            "write a versioned open-data release (RDF, CSV, DCAT/VoID, HTML)",
        ),
        description=say(
            "Écrit DOSSIER/<version>/ : le graphe en Turtle, N-Triples, JSON-LD, TriG et "
            "N-Quads (avec .gz), l'ontologie et les formes, des tables CSV, catalog.ttl "
            "(DCAT-AP + VoID), la documentation de l'ontologie et index.html. Deux exécutions "
            "sur les mêmes sources écrivent les mêmes octets.",
            "Write DIR/<version>/: the graph in Turtle, N-Triples, JSON-LD, TriG and N-Quads "
            "(with .gz), the ontology and shapes, CSV tables, catalog.ttl (DCAT-AP + VoID), "
            "the ontology documentation and index.html. Two runs from the same sources write "
            "the same bytes.",
        ),
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("dist"),
        metavar=say("DOSSIER", "DIR"),
        help=say("dossier qui contient les publications", "folder that holds the releases"),
    )
    parser.add_argument(
        "--date",
        metavar=say("AAAA-MM-JJ", "YYYY-MM-DD"),
        help=say(
            "date de publication (défaut : le dcterms:modified de l'ontologie)",
            "release date (default: the ontology's dcterms:modified)",
        ),
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help=say(
            "remplace DOSSIER/<version> même s'il contient d'autres octets (une version "
            "publiée est sinon définitive : la republier doit donner les mêmes fichiers)",
            "overwrite DIR/<version> even if it holds other bytes (a published version "
            "is otherwise final: publishing it again must give the same files)",
        ),
    )
    parser.add_argument(
        "--sparql-endpoint",
        metavar="URL",
        help=say(
            "le point d'accès SPARQL où la publication a été envoyée (esskg push) ; indiqué "
            "comme void:sparqlEndpoint et sur la page d'accueil",
            "the SPARQL endpoint the release was pushed to (esskg push); "
            "stated as void:sparqlEndpoint and on the landing page",
        ),
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help=say(
            "d'où les fichiers seront téléchargés "
            "(défaut : https://w3id.org/esskg/dataset/<version>/)",
            "where the files will be downloaded from "
            "(default: https://w3id.org/esskg/dataset/<version>/)",
        ),
    )
    add_engine_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        target = publish(
            args.output,
            root=args.root,
            date=args.date,
            base_url=args.base_url,
            engine=args.engine,
            sparql_endpoint=args.sparql_endpoint,
            replace=args.replace,
        )
    except GateFailed as e:
        sys.stderr.write(e.gate.explain())
        print(say(f"publish arrêté : {e}", f"publish stopped: {e}"), file=sys.stderr)
        return 1
    files = sorted(p for p in target.iterdir() if p.is_file())
    total = sum(p.stat().st_size for p in files)
    print(
        say(
            f"{len(files)} fichiers publiés, {total} octets, dans {target}",
            f"published {len(files)} files, {total} bytes, in {target}",
        ),
        file=sys.stderr,
    )
    print(target)
    return 0
