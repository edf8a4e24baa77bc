"""Who made the release and what it comes from: CITATION.cff, the source document, schema.org.

The creators are the authors of the project's CITATION.cff (the one place a maintainer names
them); the source document is what data/meta says of id:source-document (title, publisher,
date), not a file name. Both feed catalog.ttl and the schema.org `Dataset` JSON-LD that search
engines and data portals read from index.html.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import yaml

from esskg.errors import EsskgError, display_path
from esskg.i18n import say
from esskg.init import slugify
from esskg.namespaces import PREFIXES

__all__ = [
    "CITATION_FILE",
    "Creator",
    "SourceDocument",
    "mint_iri",
    "read_creators",
    "schema_org_jsonld",
    "source_document",
]

CITATION_FILE = "CITATION.cff"
SOURCE_DOCUMENT = "https://w3id.org/esskg/id/source-document"
_ID_SPACE = "https://w3id.org/esskg/id/"


class CitationError(EsskgError):
    """CITATION.cff is missing, not YAML, or does not fit the release."""


@dataclass(frozen=True)
class Creator:
    """An author of CITATION.cff: a person (given + family names) or an entity (name)."""

    iri: str
    name: str
    person: bool
    url: str | None = None


@dataclass(frozen=True)
class SourceDocument:
    """The document esskg's source statements come from, as data/meta describes it."""

    iri: str
    titles: tuple[ox.Literal, ...]
    date: ox.Literal | None
    publishers: tuple[tuple[str, str], ...]  # (IRI, French label or the IRI)
    language: str | None


def read_creators(
    root: Path, version: str, *, id_space: str = _ID_SPACE
) -> tuple[bytes, list[Creator]]:
    """The bytes of `root`/CITATION.cff and its authors; CitationError if it does not fit.

    Authors without an ORCID get an IRI minted under `id_space` (the project's identifiers).
    """
    path = root / CITATION_FILE
    where = display_path(path)
    try:
        data = path.read_bytes()
        cff = yaml.safe_load(data.decode("utf-8"))
    except FileNotFoundError:
        raise CitationError(
            say(
                f"{where} : fichier introuvable\n  conseil : une publication nomme ses auteurs "
                "dans CITATION.cff à la racine du projet (voir celui du dépôt d'esskg)",
                f"{where}: no such file\n  hint: a release names its creators in "
                "CITATION.cff at the project root (see the one in the esskg repository)",
            )
        ) from None
    except (UnicodeDecodeError, yaml.YAMLError) as e:
        raise CitationError(
            say(f"{where} : ce n'est pas du YAML : {e}", f"{where}: not a YAML file: {e}")
        ) from None
    if not isinstance(cff, dict) or not isinstance(cff.get("authors"), list) or not cff["authors"]:
        raise CitationError(
            say(
                f"{where} : pas d'auteurs\n  conseil : listez-les sous authors:",
                f"{where}: no authors\n  hint: list them under authors:",
            )
        )
    if str(cff.get("version")) != version:
        raise CitationError(
            say(
                f"{where} : la version vaut {cff.get('version')!r} mais la publication est en "
                f"{version}\n  conseil : écrivez version: {version} dans CITATION.cff",
                f"{where}: version is {cff.get('version')!r} but the release is "
                f"{version}\n  hint: set version: {version} in CITATION.cff",
            )
        )
    return data, [_creator(path, author, id_space) for author in cff["authors"]]


def mint_iri(id_space: str, name: str) -> str:
    """An agent's IRI under `id_space`, minted from its name (accents dropped: Région -> region)."""
    return id_space + slugify(name)


def _creator(path: Path, author: object, id_space: str) -> Creator:
    if not isinstance(author, dict):
        raise CitationError(
            say(
                f"{display_path(path)} : un auteur doit être une liste de clés",
                f"{display_path(path)}: an author must be a list of keys",
            )
        )
    url = author.get("website")
    orcid = author.get("orcid")
    if author.get("family-names"):
        name = " ".join(str(author[k]) for k in ("given-names", "family-names") if author.get(k))
        person = True
    elif author.get("name"):
        name, person = str(author["name"]), False
    else:
        raise CitationError(
            say(
                f"{display_path(path)} : un auteur sans nom\n  conseil : donnez family-names "
                "(une personne) ou name (une organisation)",
                f"{display_path(path)}: an author without a name\n"
                "  hint: give family-names (a person) or name (an organisation)",
            )
        )
    # An ORCID names a person for good; otherwise an IRI in the project's space, from the name.
    iri = str(orcid) if orcid else mint_iri(id_space, name)
    return Creator(iri=iri, name=name, person=person, url=str(url) if url else None)


def source_document(store: ox.Store) -> SourceDocument | None:
    """id:source-document's titles, date, publishers and language, as the data states them."""
    subject = ox.NamedNode(SOURCE_DOCUMENT)

    def values(predicate: str) -> list[ox.NamedNode | ox.Literal]:
        return sorted(
            (q.object for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None)),
            key=str,
        )

    titles = tuple(v for v in values(PREFIXES["dcterms"] + "title") if isinstance(v, ox.Literal))
    if not titles:
        return None
    dates = [v for v in values(PREFIXES["dcterms"] + "date") if isinstance(v, ox.Literal)]
    languages = values(PREFIXES["dcterms"] + "language")
    return SourceDocument(
        iri=SOURCE_DOCUMENT,
        titles=titles,
        date=dates[0] if dates else None,
        publishers=tuple(
            (p.value, _label(store, p)) for p in values(PREFIXES["dcterms"] + "publisher")
        ),
        language=languages[0].value if languages else None,
    )


def _label(store: ox.Store, term: ox.NamedNode | ox.Literal) -> str:
    labels = sorted(
        (
            q.object
            for q in store.quads_for_pattern(term, ox.NamedNode(PREFIXES["rdfs"] + "label"), None)
        ),
        key=lambda lit: (lit.language != "fr", lit.value),
    )
    return labels[0].value if labels else term.value


def schema_org_jsonld(
    *,
    title: dict[str, str],
    description: dict[str, str],
    version: str,
    dataset_iri: str,
    base_url: str,
    issued: str,
    modified: str,
    licences: list[str],
    creators: list[Creator],
    keywords: list[str],
    source: SourceDocument | None,
    downloads: list[tuple[str, str]],
    sparql_endpoint: str | None,
) -> str:
    """The schema.org `Dataset` of the release as JSON-LD, safe inside a <script> element.

    `downloads` holds (file name, media type).
    """
    document: dict[str, object] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": dataset_iri,
        "name": title["fr"],
        "description": description["fr"],
        "version": version,
        "url": base_url + "index.html",
        "identifier": dataset_iri,
        "datePublished": issued,
        "dateModified": modified,
        "inLanguage": ["fr", "en"],
        "isAccessibleForFree": True,
        "license": licences,
        "keywords": keywords,
        "creator": [_agent(c) for c in creators],
        "distribution": [
            {"@type": "DataDownload", "contentUrl": base_url + name, "encodingFormat": media}
            for name, media in downloads
        ],
    }
    if "en" in title:  # a workspace's name is one string, in no language of its own
        document["alternateName"] = title["en"]
    if source is not None:
        work: dict[str, object] = {
            "@type": "CreativeWork",
            "@id": source.iri,
            "name": next((t.value for t in source.titles if t.language == "fr"), None)
            or source.titles[0].value,
        }
        if source.date is not None:
            work["datePublished"] = source.date.value
        if source.language:
            work["inLanguage"] = source.language
        if source.publishers:
            work["publisher"] = [
                {"@type": "Organization", "@id": iri, "name": name}
                for iri, name in source.publishers
            ]
        document["isBasedOn"] = work
    if sparql_endpoint:
        document["potentialAction"] = {
            "@type": "SearchAction",
            "target": sparql_endpoint,
            "name": "SPARQL endpoint",
        }
    text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True)
    # Inside <script>, "</script" or "<!--" would change how the HTML parser reads on; JSON
    # says the same strings with < > & escaped as \u003c \u003e \u0026.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _agent(creator: Creator) -> dict[str, object]:
    agent: dict[str, object] = {
        "@type": "Person" if creator.person else "Organization",
        "@id": creator.iri,
        "name": creator.name,
    }
    if creator.url:
        agent["url"] = creator.url
    return agent
