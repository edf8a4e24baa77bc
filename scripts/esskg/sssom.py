"""Reads SSSOM mapping tables (TSV with a commented YAML header) into rows, triples and SSSOM/RDF.

The header is YAML (PyYAML reads it); its curie_map expands the CURIEs of the rows. Every
`mapping_justification` must be a SEMAPV matching process and every `predicate_id` a mapping
predicate SSSOM recommends or one of esskg's assertion properties: a typo fails the load with
the file, line and column, and the nearest valid value.

`mapping_set_rdf` gives a table in the SSSOM/RDF form (mapping-commons.github.io/sssom,
spec-formats-rdf): the set an IRI (its mapping_set_id) typed sssom:MappingSet, each row an
owl:Axiom with owl:annotatedSource/Property/Target and the sssom: slots (pav:authoredBy for
author_id, rdfs:comment for comment, xsd:double confidence), as sssom-py writes it.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import yaml

from esskg.errors import LoadError
from esskg.i18n import say
from esskg.namespaces import PREFIXES

REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
OPTIONAL_COLUMNS = ("author_id", "confidence", "comment", "subject_label", "object_label")
CURIE_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")

SSSOM_SUFFIX = ".sssom.tsv"
SEMAPV = "https://w3id.org/semapv/vocab/"
# The matching processes of SEMAPV a mapping may be justified by (semapv-terms.tsv: the
# semapv:Matching branch, plus MappingReview), kept here so a build needs no network.
JUSTIFICATIONS = frozenset(
    SEMAPV + name
    for name in (
        "BackgroundKnowledgeBasedMatching",
        "CompositeMatching",
        "InstanceBasedMatching",
        "LexicalMatching",
        "LexicalSimilarityThresholdMatching",
        "LogicalReasoning",
        "ManualMappingCuration",
        "MappingChaining",
        "MappingInversion",
        "MappingReview",
        "SemanticSimilarityThresholdMatching",
        "StructuralMatching",
        "UnspecifiedMatching",
    )
)
# The mapping predicates SSSOM recommends (its mapping-predicates guide), and the esskg
# properties whose statements are kept as reviewable tables (links to SDGs and levers).
PREDICATES = frozenset(
    {
        PREFIXES["skos"] + name
        for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
    }
    | {
        PREFIXES["owl"] + name
        for name in ("sameAs", "equivalentClass", "equivalentProperty", "differentFrom")
    }
    | {PREFIXES["rdfs"] + name for name in ("subClassOf", "subPropertyOf", "seeAlso")}
    | {
        "http://www.geneontology.org/formats/oboInOwl#hasDbXref",
        PREFIXES["schema"] + "sameAs",
        PREFIXES["esskg"] + "contributesToSDG",
        PREFIXES["esskg"] + "illustratesLever",
    }
)

_CURIE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*)?:(\S*)$")
# dct is a common spelling of dcterms; SSSOM files in the wild use both.
_ALIASES = {"dct": PREFIXES["dcterms"]}


@dataclass(frozen=True)
class MappingRow:
    """One row of a mapping table, with its CURIEs expanded and the line it came from."""

    path: Path
    line: int
    subject_id: str
    predicate_id: str
    object_id: str
    mapping_justification: str
    subject: str
    predicate: str
    object: str
    justification: str
    author_id: str | None = None
    confidence: float | None = None
    comment: str | None = None
    subject_label: str | None = None
    object_label: str | None = None


@dataclass(frozen=True)
class MappingSet:
    """A mapping table: its header metadata (YAML, curie_map aside), prefixes and rows.

    `prefixes` expand the table's CURIEs (the project's, the usual aliases, its curie_map).
    """

    path: Path
    metadata: dict[str, object]
    curie_map: dict[str, str]
    prefixes: dict[str, str]
    rows: list[MappingRow] = field(default_factory=list)


def read_header(path: Path, header_lines: list[str]) -> dict[str, object]:
    """The YAML metadata block of an SSSOM TSV file (its lines with the leading # stripped)."""
    text = "\n".join(header_lines)
    try:
        metadata = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or e
        raise LoadError(
            path,
            say(
                f"les métadonnées # ne sont pas du YAML valide : {problem}",
                f"the # metadata is not valid YAML: {problem}",
            ),
            line=mark.line + 1 if mark else None,
            column=mark.column + 2 if mark else None,  # + the "#" stripped
            hint=say(
                'écrivez une "clé: valeur" par ligne ; indentez les entrées de curie_map',
                'write one "key: value" per line; indent the curie_map entries',
            ),
        ) from None
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or not isinstance(metadata.get("curie_map", {}), dict):
        raise LoadError(
            path,
            say(
                "les métadonnées # doivent être des clés YAML (mapping_set_id: ..., "
                "curie_map: ...)",
                "the # metadata must be YAML keys (mapping_set_id: ..., curie_map: ...)",
            ),
            line=1,
            hint=say(
                "voir la forme dans data/mappings/*.sssom.tsv",
                "see data/mappings/*.sssom.tsv for the form",
            ),
        )
    return metadata


def read_mapping_table(path: Path) -> list[MappingRow]:
    """The rows of an SSSOM TSV file; LoadError names the line and column of the first bad cell."""
    return read_mapping_set(path).rows


def read_mapping_set(path: Path) -> MappingSet:
    """An SSSOM TSV file with its metadata; LoadError names the line and column of a bad cell."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise LoadError(
            path,
            say("fichier introuvable", "no such file"),
            hint=say("vérifiez que le fichier existe", "check the file exists"),
        ) from None
    except UnicodeDecodeError as e:
        raise LoadError(
            path,
            say(f"ce n'est pas du texte UTF-8 ({e.reason})", f"not UTF-8 text ({e.reason})"),
            hint=say("enregistrez le fichier en UTF-8", "save the file as UTF-8"),
        ) from None

    header_end = 0
    while header_end < len(lines) and lines[header_end].startswith("#"):
        header_end += 1
    metadata = read_header(path, [line[1:] for line in lines[:header_end]])
    curie_map = {str(k): str(v) for k, v in (metadata.pop("curie_map", None) or {}).items()}
    prefixes = _prefix_map(path, curie_map)

    if header_end >= len(lines) or not lines[header_end].strip():
        raise LoadError(
            path,
            say(
                "pas d'en-tête de colonnes après les métadonnées #",
                "no column header after the # metadata",
            ),
            line=header_end + 1,
            hint=say(
                "ajoutez une ligne d'en-tête séparée par des tabulations : ",
                "add a tab-separated header line: ",
            )
            + "\t".join(REQUIRED_COLUMNS),
        )
    columns = next(csv.reader([lines[header_end]], delimiter="\t"))
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise LoadError(
            path,
            say(
                f"colonne manquante : {', '.join(missing)}",
                f"missing column {', '.join(missing)}",
            ),
            line=header_end + 1,
            hint=say("l'en-tête doit nommer au moins ", "the header must name at least ")
            + ", ".join(REQUIRED_COLUMNS),
        )

    rows: list[MappingRow] = []
    for index in range(header_end + 1, len(lines)):
        text = lines[index]
        if not text.strip():
            continue
        line = index + 1
        if text.startswith("#"):
            raise LoadError(
                path,
                say(
                    "ligne de métadonnées après l'en-tête des colonnes",
                    "metadata line after the column header",
                ),
                line=line,
                hint=say(
                    "remontez les lignes # en tête du fichier",
                    "move # lines to the top of the file",
                ),
            )
        cells = next(csv.reader([text], delimiter="\t"))
        if len(cells) != len(columns):
            raise LoadError(
                path,
                say(
                    f"{len(cells)} cellules là où l'en-tête a {len(columns)} colonnes",
                    f"{len(cells)} cells where the header has {len(columns)} columns",
                ),
                line=line,
                hint=say(
                    "séparez les cellules par une tabulation chacune ; laissez vides les "
                    "cellules vides",
                    "separate cells with one tab each; leave empty cells empty",
                ),
            )
        rows.append(_make_row(path, line, columns, cells, prefixes))
    return MappingSet(path, metadata, curie_map, prefixes, rows)


def mapping_triples(rows: list[MappingRow]) -> list[ox.Triple]:
    """One triple per row: subject predicate object, as the table states the mapping."""
    return [
        ox.Triple(ox.NamedNode(r.subject), ox.NamedNode(r.predicate), ox.NamedNode(r.object))
        for r in rows
    ]


def _prefix_map(path: Path, curie_map: dict[str, str]) -> dict[str, str]:
    prefixes = {**PREFIXES, **_ALIASES}
    for prefix, iri in curie_map.items():
        # A table must not quietly give a project prefix another meaning: its triples would
        # land in the wrong namespace.
        if prefix in prefixes and prefixes[prefix] != iri:
            raise LoadError(
                path,
                say(
                    f"curie_map donne à {prefix}: l'IRI {iri}, le projet utilise "
                    f"{prefixes[prefix]}",
                    f"curie_map gives {prefix}: the IRI {iri}, the project uses {prefixes[prefix]}",
                ),
                hint=say(
                    f"prenez l'IRI du projet pour {prefix}: ou renommez le préfixe",
                    f"use the project IRI for {prefix}: or rename the prefix",
                ),
            )
        prefixes[prefix] = iri
    return prefixes


def _make_row(
    path: Path, line: int, columns: list[str], values: list[str], prefixes: dict[str, str]
) -> MappingRow:
    cells = dict(zip(columns, values, strict=True))
    # 1-based character column where each cell starts (cells are separated by one tab)
    starts = {c: sum(len(v) + 1 for v in values[:i]) + 1 for i, c in enumerate(columns)}
    expanded: dict[str, str] = {}
    for column in CURIE_COLUMNS:
        expanded[column] = _expand(path, line, column, cells[column].strip(), prefixes)
    _check_term(
        path, line, starts, "mapping_justification", cells, expanded, JUSTIFICATIONS, prefixes
    )
    _check_term(path, line, starts, "predicate_id", cells, expanded, PREDICATES, prefixes)
    confidence = None
    raw_confidence = cells.get("confidence", "").strip()
    if raw_confidence:
        try:
            confidence = float(raw_confidence)
        except ValueError:
            confidence = -1.0
        if not 0.0 <= confidence <= 1.0:
            raise LoadError(
                path,
                say(
                    f"confidence {raw_confidence!r} n'est pas un nombre entre 0 et 1",
                    f"confidence {raw_confidence!r} is not a number between 0 and 1",
                ),
                line=line,
                field="confidence",
            )
    return MappingRow(
        path=path,
        line=line,
        subject_id=cells["subject_id"].strip(),
        predicate_id=cells["predicate_id"].strip(),
        object_id=cells["object_id"].strip(),
        mapping_justification=cells["mapping_justification"].strip(),
        subject=expanded["subject_id"],
        predicate=expanded["predicate_id"],
        object=expanded["object_id"],
        justification=expanded["mapping_justification"],
        author_id=cells.get("author_id", "").strip() or None,
        confidence=confidence,
        comment=cells.get("comment", "").strip() or None,
        subject_label=cells.get("subject_label", "").strip() or None,
        object_label=cells.get("object_label", "").strip() or None,
    )


def _check_term(
    path: Path,
    line: int,
    starts: dict[str, int],
    column: str,
    cells: dict[str, str],
    expanded: dict[str, str],
    allowed: frozenset[str],
    prefixes: dict[str, str],
) -> None:
    """LoadError unless the cell's IRI is one of `allowed`; the nearest allowed CURIE as hint."""
    if expanded[column] in allowed:
        return
    choices = {_compact(iri, prefixes): iri for iri in allowed}
    value = cells[column].strip()
    nearest = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    if column == "mapping_justification":
        what = say("un processus de correspondance SEMAPV", "a SEMAPV matching process")
    else:
        what = say("un prédicat de correspondance", "a mapping predicate")
    listed = ", ".join(sorted(choices))
    hint = (
        say(f"vouliez-vous dire {nearest[0]} ?", f"did you mean {nearest[0]}?")
        if nearest
        else say(f"prenez l'un de : {listed}", f"use one of: {listed}")
    )
    raise LoadError(
        path,
        say(
            f"{value!r} n'est pas {what} qu'esskg accepte", f"{value!r} is not {what} esskg accepts"
        ),
        line=line,
        column=starts[column] + len(cells[column]) - len(cells[column].lstrip()),
        field=column,
        hint=hint,
    )


def _compact(iri: str, prefixes: dict[str, str]) -> str:
    for prefix, namespace in sorted(prefixes.items(), key=lambda p: -len(p[1])):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def _expand(path: Path, line: int, column: str, value: str, prefixes: dict[str, str]) -> str:
    match = _CURIE.match(value)
    if not value or not match or match.group(1) is None:
        raise LoadError(
            path,
            say(f"{value!r} n'est pas un CURIE", f"{value!r} is not a CURIE"),
            line=line,
            field=column,
            hint=say(
                "écrivez préfixe:local, par ex. sdg:2, avec le préfixe dans curie_map",
                "write prefix:local, e.g. sdg:2, with the prefix in the curie_map",
            ),
        )
    prefix, local = match.groups()
    if prefix not in prefixes:
        raise LoadError(
            path,
            say(
                f"préfixe inconnu {prefix}: dans {value!r}",
                f"unknown prefix {prefix}: in {value!r}",
            ),
            line=line,
            field=column,
            hint=say(
                f'déclarez-le dans l\'en-tête : #   {prefix}: "https://..." sous curie_map:',
                f'declare it in the header: #   {prefix}: "https://..." under curie_map:',
            ),
        )
    iri = prefixes[prefix] + local
    try:
        ox.NamedNode(iri)
    except ValueError as e:
        raise LoadError(
            path,
            say(f"{value!r} donne une IRI invalide : {e}", f"{value!r} expands to a bad IRI: {e}"),
            line=line,
            field=column,
        ) from None
    return iri


# --- SSSOM/RDF ------------------------------------------------------------------------------

SSSOM = "https://w3id.org/sssom/"
PAV = "http://purl.org/pav/"
_XSD = "http://www.w3.org/2001/XMLSchema#"
# Set-level slots with their own property in the SSSOM LinkML model (slot_uri); others are sssom:.
_SET_SLOTS = {
    "mapping_set_title": PREFIXES["dcterms"] + "title",
    "mapping_set_description": PREFIXES["dcterms"] + "description",
    "mapping_set_version": PREFIXES["owl"] + "versionInfo",
    "license": PREFIXES["dcterms"] + "license",
    "creator_id": PREFIXES["dcterms"] + "creator",
    "publication_date": PREFIXES["dcterms"] + "issued",
    "comment": PREFIXES["rdfs"] + "comment",
    "see_also": PREFIXES["rdfs"] + "seeAlso",
}
# Slots SSSOM propagates from the set to every mapping; written on the mappings, as the spec
# asks for RDF meant for applications that do not know SSSOM.
_PROPAGATED = (
    "mapping_date",
    "mapping_provider",
    "mapping_tool",
    "mapping_tool_version",
    "object_source",
    "object_source_version",
    "object_type",
    "subject_source",
    "subject_source_version",
    "subject_type",
)
_MAPPING_SLOTS = {"mapping_date": PAV + "authoredOn", "author_id": PAV + "authoredBy"}
_IRI_SLOTS = {"license", "creator_id", "see_also", "mapping_provider", "object_source",
              "subject_source"}  # fmt: skip
_DATE_SLOTS = {"mapping_date", "publication_date"}
# EntityTypeEnum of the SSSOM model: the value and the class it means.
_ENTITY_TYPES = {
    "owl class": PREFIXES["owl"] + "Class",
    "owl object property": PREFIXES["owl"] + "ObjectProperty",
    "owl data property": PREFIXES["owl"] + "DatatypeProperty",
    "owl annotation property": PREFIXES["owl"] + "AnnotationProperty",
    "owl named individual": PREFIXES["owl"] + "NamedIndividual",
    "skos concept": PREFIXES["skos"] + "Concept",
    "rdfs resource": PREFIXES["rdfs"] + "Resource",
    "rdfs class": PREFIXES["rdfs"] + "Class",
    "rdfs literal": PREFIXES["rdfs"] + "Literal",
    "rdfs datatype": PREFIXES["rdfs"] + "Datatype",
    "rdf property": PREFIXES["rdf"] + "Property",
}


def mapping_set_rdf(mapping_set: MappingSet) -> list[ox.Triple]:
    """The table in SSSOM/RDF: the set (named by its mapping_set_id) and one owl:Axiom per row."""
    meta = mapping_set.metadata
    set_id = meta.get("mapping_set_id")
    if not isinstance(set_id, str) or not set_id:
        raise LoadError(
            mapping_set.path,
            say(
                "pas de mapping_set_id dans les métadonnées #",
                "no mapping_set_id in the # metadata",
            ),
            line=1,
            hint=say(
                "ajoutez une ligne : # mapping_set_id: https://w3id.org/esskg/mappings/<nom>",
                "add a line: # mapping_set_id: https://w3id.org/esskg/mappings/<name>",
            ),
        )
    the_set = _iri(mapping_set, "mapping_set_id", set_id)
    out = [_t(the_set, PREFIXES["rdf"] + "type", ox.NamedNode(SSSOM + "MappingSet"))]
    for key, value in sorted(meta.items()):
        if key in ("mapping_set_id", *_PROPAGATED):
            continue
        predicate = _SET_SLOTS.get(key, SSSOM + key)
        for one in value if isinstance(value, list) else [value]:
            out.append(_t(the_set, predicate, _slot_value(mapping_set, key, one)))
    for row in mapping_set.rows:
        axiom = ox.BlankNode()
        out.append(_t(the_set, SSSOM + "mappings", axiom))
        slots: list[tuple[str, ox.NamedNode | ox.Literal]] = [
            (PREFIXES["rdf"] + "type", ox.NamedNode(PREFIXES["owl"] + "Axiom")),
            (PREFIXES["owl"] + "annotatedSource", ox.NamedNode(row.subject)),
            (PREFIXES["owl"] + "annotatedProperty", ox.NamedNode(row.predicate)),
            (PREFIXES["owl"] + "annotatedTarget", ox.NamedNode(row.object)),
            (SSSOM + "mapping_justification", ox.NamedNode(row.justification)),
        ]
        if row.subject_label:
            slots.append((SSSOM + "subject_label", ox.Literal(row.subject_label)))
        if row.object_label:
            slots.append((SSSOM + "object_label", ox.Literal(row.object_label)))
        if row.confidence is not None:
            slots.append((SSSOM + "confidence", _double(row.confidence)))
        if row.author_id:
            slots.append((PAV + "authoredBy", _iri(mapping_set, "author_id", row.author_id)))
        if row.comment:
            slots.append((PREFIXES["rdfs"] + "comment", ox.Literal(row.comment)))
        for key in _PROPAGATED:
            if key in meta:
                predicate = _MAPPING_SLOTS.get(key, SSSOM + key)
                slots.append((predicate, _slot_value(mapping_set, key, meta[key])))
        out.extend(ox.Triple(axiom, ox.NamedNode(p), o) for p, o in slots)
    return out


def _t(subject: ox.NamedNode | ox.BlankNode, predicate: str, obj: object) -> ox.Triple:
    return ox.Triple(subject, ox.NamedNode(predicate), obj)  # type: ignore[arg-type]


def _double(value: float) -> ox.Literal:
    # xsd:double in its canonical form (9.5E-1), as the SSSOM/RDF examples write it
    mantissa, exponent = f"{value:.15E}".split("E")
    mantissa = mantissa.rstrip("0")
    mantissa += "0" if mantissa.endswith(".") else ""
    return ox.Literal(f"{mantissa}E{int(exponent)}", datatype=ox.NamedNode(_XSD + "double"))


def _slot_value(mapping_set: MappingSet, key: str, value: object) -> ox.NamedNode | ox.Literal:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)  # YAML reads dates
    if key in _IRI_SLOTS:
        return _iri(mapping_set, key, text)
    if key in _DATE_SLOTS:
        return ox.Literal(text, datatype=ox.NamedNode(_XSD + "date"))
    if key in ("subject_type", "object_type") and text in _ENTITY_TYPES:
        return ox.NamedNode(_ENTITY_TYPES[text])
    return ox.Literal(text)


def _iri(mapping_set: MappingSet, key: str, value: str) -> ox.NamedNode:
    """A CURIE of the table's prefixes, or a full IRI, as a NamedNode; LoadError otherwise."""
    match = _CURIE.match(value)
    if match and match.group(1) in mapping_set.prefixes:
        value = mapping_set.prefixes[match.group(1)] + match.group(2)
    try:
        return ox.NamedNode(value)
    except ValueError:
        raise LoadError(
            mapping_set.path,
            say(
                f"{key} : {value!r} n'est ni un CURIE d'un préfixe déclaré, ni une IRI",
                f"{key}: {value!r} is neither a CURIE with a declared prefix nor an IRI",
            ),
            field=key,
            hint=say(
                "écrivez une IRI complète (https://...) ou préfixe:local avec le préfixe dans "
                "curie_map",
                "write a full IRI (https://...) or prefix:local with the prefix in curie_map",
            ),
        ) from None
