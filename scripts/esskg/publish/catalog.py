"""catalog.ttl: the release in DCAT-AP (dataset, distributions) and VoID (statistics, linksets).

Every figure is computed from the statements themselves (the union of the graphs, terms as
written); nothing is typed in.
IRIs, not blank nodes, name the partitions, linksets, distributions and checksums, so the file is
deterministic and each part can be pointed at.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pyoxigraph as ox

from esskg.namespaces import PREFIXES, RDF_TYPE, prefix_header
from esskg.publish.citation import SourceDocument
from esskg.publish.formats import normal_forms
from esskg.publish.identity import (
    DATA_LICENCE,
    URI_SPACE,
    DatasetIdentity,
)

__all__ = [
    "LINK_TARGETS",
    "URI_SPACE",
    "Distribution",
    "ReleaseInfo",
    "catalog_triples",
    "catalog_turtle",
    "licence_names",
    "link_space",
    "text_statistics",
    "void_statistics",
]

SHAPES_IRI = "https://w3id.org/esskg/shapes"
ONTOLOGY_LICENCE = "https://creativecommons.org/licenses/by/4.0/"

NS = {
    **PREFIXES,
    "spdx": "http://spdx.org/rdf/terms#",
    "adms": "http://www.w3.org/ns/adms#",
    "eu-lang": "http://publications.europa.eu/resource/authority/language/",
    "eu-country": "http://publications.europa.eu/resource/authority/country/",
    "eu-theme": "http://publications.europa.eu/resource/authority/data-theme/",
    "eu-access": "http://publications.europa.eu/resource/authority/access-right/",
    "iana": "https://www.iana.org/assignments/media-types/",
}

ONTOLOGY_SPACE = "https://w3id.org/esskg/ontology"
# Titles and VoID dataset IRIs of the outside datasets esskg is known to link to, by uriSpace
# (the namespace the data uses). They only name the targets: which linksets exist, and their
# sizes, come from the statements (void_statistics); a link to any other space is counted too.
LINK_TARGETS: dict[str, tuple[str, str]] = {
    "http://metadata.un.org/sdg/": (
        "http://metadata.un.org/sdg/void.ttl#SDG",
        "UN SDG Knowledge Organization System",
    ),
    "http://www.wikidata.org/entity/": ("http://www.wikidata.org/", "Wikidata"),
    "http://purl.unep.org/sdg/": ("http://purl.unep.org/sdg/sdgio.owl", "SDGIO"),
    "http://purl.org/essglobal/": ("http://purl.org/essglobal/", "ESSGlobal"),
    "https://w3id.org/essglobal/": ("https://w3id.org/essglobal/", "ESSGlobal"),
    "http://data.europa.eu/nuts/code/": ("http://data.europa.eu/nuts", "NUTS (Eurostat)"),
    "http://publications.europa.eu/resource/authority/country/": (
        "http://publications.europa.eu/resource/authority/country",
        "EU Publications Office authority table: countries",
    ),
    "https://sws.geonames.org/": ("https://www.geonames.org/", "GeoNames"),
}


def link_space(iri: str) -> str:
    """The uriSpace of an outside IRI: a known target's, else its namespace (up to / or #)."""
    known = [space for space in LINK_TARGETS if iri.startswith(space)]
    return max(known, key=len) if known else re.sub(r"[^/#]*$", "", iri)


_FEATURES = {
    "text/turtle": "http://www.w3.org/ns/formats/Turtle",
    "application/n-triples": "http://www.w3.org/ns/formats/N-Triples",
    "application/ld+json": "http://www.w3.org/ns/formats/JSON-LD",
    "application/trig": "http://www.w3.org/ns/formats/TriG",
    "application/n-quads": "http://www.w3.org/ns/formats/N-Quads",
}


@dataclass(frozen=True)
class Distribution:
    """One file of the release as the catalogue states it."""

    name: str
    media_type: str
    title: str
    size: int  # bytes
    sha256: str  # hex digest
    compressed: bool = False
    licence: str = DATA_LICENCE
    # Other licences that apply to part of the file (the ontology inside a merged dump).
    also_under: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReleaseInfo:
    """What the catalogue says of the release as a whole."""

    version: str
    issued: str
    modified: str
    base_url: str
    ontology_iri: str
    ontology_version_iri: str
    shapes_iri: str | None
    identity: DatasetIdentity
    source: SourceDocument | None = None
    sparql_endpoint: str | None = None

    @property
    def dataset(self) -> str:
        return f"{self.identity.dataset_root}/{self.version}"

    @property
    def standards(self) -> tuple[str, ...]:
        """What the data conforms to: esskg's ontology (for a workspace, the version of the model
        it was checked against) and shapes."""
        model = self.ontology_version_iri if self.identity.workspace else self.ontology_iri
        return tuple(filter(None, (model, self.shapes_iri)))


def _q(store: ox.Store, text: str) -> list[dict[str, ox.NamedNode | ox.Literal]]:
    result = store.query(prefix_header() + text, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [{n: row[n] for n in names if row[n] is not None} for row in result]


def void_statistics(
    dataset: ox.Dataset, uri_spaces: tuple[str, ...] = (URI_SPACE,)
) -> dict[str, object]:
    """The VoID figures of the union of the graphs, counted on the terms as written."""
    forms = normal_forms(dataset)
    return text_statistics(forms.ntriples, forms.nquads, uri_spaces)


def text_statistics(
    ntriples: bytes, nquads: bytes, uri_spaces: tuple[str, ...] = (URI_SPACE,)
) -> dict[str, object]:
    """The VoID figures, from the normal forms of the union (`ntriples`) and of the graphs.

    Entities are the subjects under `uri_spaces` (the dataset's own); a link points outside them
    and outside esskg.

    Counted in one pass over the text the release ships, not by SPARQL on a Store: the Store keeps
    typed literals by value, so "2"^^xsd:positiveInteger and "2"^^xsd:nonNegativeInteger would
    count as one object, and its union of the graphs repeats a statement held in two. One line is
    one distinct statement "s p o ." (subject and predicate hold no space); the lines are sorted,
    so a subject's statements follow each other.
    """
    rdf_type = f"<{RDF_TYPE}>".encode()
    own = tuple(f"<{space}".encode() for space in uri_spaces)
    inside = (*own, f"<{URI_SPACE}".encode())
    ontology = f"<{ONTOLOGY_SPACE}".encode()
    examples_of = {f"<{NS['esskg']}{cls}>".encode(): cls for cls in _EXAMPLE_CLASSES}
    lines = ntriples.splitlines()
    subjects = entities = 0
    objects: set[bytes] = set()
    properties: Counter[bytes] = Counter()
    classes: Counter[bytes] = Counter()
    targets: Counter[tuple[bytes, bytes]] = Counter()
    first: dict[tuple[str, bool], str] = {}
    subject, entity, linking = b"", False, False
    for line in lines:
        s, p, o = line[:-2].split(b" ", 2)
        if s != subject:
            subject, subjects = s, subjects + 1
            entity = s.startswith(own)
            entities += entity
            # An ontology term's references to other vocabularies are void:vocabulary, no link.
            linking = entity and not s.startswith(ontology)
        objects.add(o)
        properties[p] += 1
        if p == rdf_type:
            classes[o] += 1
            cls = examples_of.get(o)
            if cls is not None:
                # In IRI order, which is not the lines' order: "<…/10>" sorts before "<…/1>".
                value, key = _term_value(s), (cls, entity)
                if key not in first or value < first[key]:
                    first[key] = value
        elif linking and o[:1] == b"<" and not o.startswith(inside):
            targets[(o, p)] += 1
    links: Counter[tuple[str, str]] = Counter()
    for (o, p), count in targets.items():
        links[(link_space(_term_value(o)), _term_value(p))] += count
    # The first (in IRI order) Actor, Partnership and Territory, the dataset's own if it has one.
    examples = [
        first.get((cls, True)) or first[(cls, False)]
        for cls in _EXAMPLE_CLASSES
        if (cls, True) in first or (cls, False) in first
    ]
    graphs = Counter(line.rsplit(b" ", 2)[1] for line in nquads.splitlines())
    return {
        "triples": len(lines),
        "entities": entities,
        "distinctSubjects": subjects,
        "distinctObjects": len(objects),
        "properties": len(properties),
        "classes": len(classes),
        "classPartitions": dict(sorted(_values(classes).items())),
        "propertyPartitions": dict(sorted(_values(properties).items())),
        "linksets": dict(sorted(links.items())),
        "graphs": dict(sorted(_values(graphs).items())),
        "examples": examples,
    }


_EXAMPLE_CLASSES = ("Actor", "Partnership", "Territory")


def _values(counts: Counter[bytes]) -> dict[str, int]:
    """The counts keyed by each term's value (an IRI without its <>, a literal's text)."""
    return {_term_value(term): count for term, count in counts.items()}


def _term_value(term: bytes) -> str:
    """The value of one N-Triples term: an IRI's text, a blank node's label, a literal's text."""
    if term[:1] == b"<" and b"\\" not in term:
        return term[1:-1].decode("utf-8")
    # Rare (a class that is not a plain IRI): parsed for its escapes.
    (quad,) = ox.parse(b"<x:s> <x:p> " + term + b" .", format=ox.RdfFormat.N_TRIPLES)
    return quad.object.value


def _vocabularies(stats: dict[str, object]) -> list[str]:
    terms = [*stats["classPartitions"], *stats["propertyPartitions"]]  # type: ignore[misc]
    return sorted({re.sub(r"[^/#]*$", "", t) for t in terms})


def _slug(iri: str) -> str:
    for prefix, namespace in sorted(NS.items(), key=lambda p: -len(p[1])):
        if iri.startswith(namespace):
            iri = f"{prefix}-{iri[len(namespace) :]}"
            break
    return re.sub(r"[^A-Za-z0-9._-]+", "-", iri).strip("-")


LICENCE_NAMES = {
    DATA_LICENCE: ("Licence Ouverte 2.0 (Etalab)", "Etalab Open Licence 2.0"),
    ONTOLOGY_LICENCE: ("CC BY 4.0", "CC BY 4.0"),
    # Licences a workspace is likely to choose for its data; any other is named by its IRI.
    "https://creativecommons.org/publicdomain/zero/1.0/": ("CC0 1.0", "CC0 1.0"),
    "https://creativecommons.org/licenses/by-sa/4.0/": ("CC BY-SA 4.0", "CC BY-SA 4.0"),
    "https://opendatacommons.org/licenses/odbl/1-0/": ("ODbL 1.0", "ODbL 1.0"),
}


def licence_names(licence: str) -> tuple[str, str]:
    """(French, English) name of a licence; its IRI when esskg does not know it."""
    return LICENCE_NAMES.get(licence, (licence, licence))


# What part of a merged file each further licence covers: esskg's ontology, and, in a
# workspace's release, esskg's vocabularies (and the source document's cases, if included).
_PART_UNDER = {
    ONTOLOGY_LICENCE: ("l'ontologie", "the ontology"),
    DATA_LICENCE: ("les vocabulaires et données d'esskg", "esskg's vocabularies and data"),
}


def _rights_text(dist: Distribution) -> dict[str, str]:
    first_fr, first_en = licence_names(dist.licence)
    fr = [f"{_PART_UNDER[x][0]} que le fichier contient sous {licence_names(x)[0]}"
          for x in dist.also_under]  # fmt: skip
    en = [f"{_PART_UNDER[x][1]} the file holds under {licence_names(x)[1]}"
          for x in dist.also_under]  # fmt: skip
    return {
        "fr": f"Données sous {first_fr} ; " + " ; ".join(fr) + ".",
        "en": f"Data under the {first_en}; " + "; ".join(en) + ".",
    }


def _spatial(store: ox.Store, release_of_workspace: bool) -> dict[str, list[ox.Literal]]:
    """The countries the data covers, as EU country-authority IRIs, with the countries' labels.

    Whatever property links a country to its authority IRI (data/mappings/territories) counts;
    in a workspace, whose own countries have no such link (esskg's links are in its source
    data), their ISO codes count too.
    """
    rows = _q(
        store,
        "SELECT DISTINCT ?country ?label { ?t esskg:territoryKind"
        " <https://w3id.org/esskg/concept/territory-kind/pays> ; ?link ?country"
        f' FILTER(STRSTARTS(STR(?country), "{NS["eu-country"]}"))'
        " OPTIONAL { ?t rdfs:label ?label } }",
    )
    countries: dict[str, list[ox.Literal]] = {}
    for row in rows:
        labels = countries.setdefault(row["country"].value, [])
        if "label" in row:
            labels.append(row["label"])  # type: ignore[arg-type]
    if release_of_workspace:
        for country, labels in _spatial_from_iso(store).items():
            countries.setdefault(country, []).extend(labels)
    return dict(sorted(countries.items()))


def _spatial_from_iso(store: ox.Store) -> dict[str, list[ox.Literal]]:
    """A workspace's countries by their ISO 3166-1 code (what `esskg import` writes), as the EU
    country table names them: its codes are ISO alpha-3 (FR -> FRA), looked up with pycountry."""
    import pycountry

    rows = _q(
        store,
        "SELECT DISTINCT ?code ?label { ?t esskg:territoryKind"
        " <https://w3id.org/esskg/concept/territory-kind/pays> ; esskg:iso3166Code ?code"
        " OPTIONAL { ?t rdfs:label ?label } }",
    )
    countries: dict[str, list[ox.Literal]] = {}
    for row in rows:
        country = pycountry.countries.get(alpha_2=row["code"].value.upper())
        if country is None:
            continue
        labels = countries.setdefault(NS["eu-country"] + country.alpha_3, [])
        if "label" in row:
            labels.append(row["label"])  # type: ignore[arg-type]
    return countries


# The EU authority-table concepts the catalogue uses, with their labels in those tables.
_EU_LABELS = {
    NS["eu-access"] + "PUBLIC": ("Public", "Public"),
    NS["eu-lang"] + "FRA": ("français", "French"),
    NS["eu-lang"] + "ENG": ("anglais", "English"),
    NS["eu-theme"] + "ECON": ("Économie et finances", "Economy and finance"),
    NS["eu-theme"] + "SOCI": ("Population et société", "Population and society"),
    NS["eu-theme"] + "INTR": ("Questions internationales", "International issues"),
    NS["eu-theme"] + "REGI": ("Régions et villes", "Regions and cities"),
}


def catalog_triples(
    store: ox.Store,
    release: ReleaseInfo,
    distributions: list[Distribution],
    stats: dict[str, object],
) -> list[ox.Triple]:
    """The DCAT-AP and VoID statements of the release."""
    out: list[ox.Triple] = []
    n = ox.NamedNode

    def add(s: str, p: str, o: str | ox.Literal) -> None:
        prefix, _, local = p.partition(":")
        obj = o if isinstance(o, ox.Literal) else n(o)
        out.append(ox.Triple(n(s), n(NS[prefix] + local), obj))

    def lit(value: object, datatype: str | None = None, lang: str | None = None) -> ox.Literal:
        if lang:
            return ox.Literal(str(value), language=lang)
        if datatype:
            prefix, _, local = datatype.partition(":")
            return ox.Literal(str(value), datatype=n(NS[prefix] + local))
        return ox.Literal(str(value))

    def typed(iri: str, *classes: str) -> None:
        for cls in classes:
            prefix, _, local = cls.partition(":")
            add(iri, "rdf:type", NS[prefix] + local)

    def concept(
        iri: str, cls: str | None, scheme: str, labels: list[ox.Literal] | None = None
    ) -> None:
        """An EU authority-table concept: skos:Concept in its scheme, and `cls` if DCAT-AP asks."""
        typed(iri, "skos:Concept", *([cls] if cls else []))
        add(iri, "skos:inScheme", scheme)
        if labels is None:
            fr, en = _EU_LABELS[iri]
            labels = [lit(fr, lang="fr"), lit(en, lang="en")]
        for label in labels:
            add(iri, "skos:prefLabel", label)

    ds = release.dataset
    who = release.identity
    catalog = who.catalog
    add(catalog, "rdf:type", NS["dcat"] + "Catalog")
    for lang, title in who.catalog_title.items():
        add(catalog, "dcterms:title", lit(title, lang=lang))
    for lang, text in who.catalog_description.items():
        add(catalog, "dcterms:description", lit(text, lang=lang))
    add(catalog, "dcterms:publisher", who.publisher)
    add(catalog, "dcterms:license", who.licence)
    add(catalog, "dcterms:modified", lit(release.modified, "xsd:date"))
    add(catalog, "dcat:dataset", ds)

    add(ds, "rdf:type", NS["dcat"] + "Dataset")
    add(ds, "rdf:type", NS["void"] + "Dataset")
    for lang, title in who.title.items():
        add(ds, "dcterms:title", lit(title, lang=lang))
    for lang, text in who.description.items():
        add(ds, "dcterms:description", lit(text, lang=lang))
    add(ds, "dcterms:identifier", lit(ds))
    add(ds, "dcterms:isVersionOf", who.dataset_root)
    add(ds, "owl:versionIRI", ds)
    add(ds, "owl:versionInfo", lit(release.version))
    add(ds, "dcat:version", lit(release.version))
    add(ds, "dcterms:issued", lit(release.issued, "xsd:date"))
    add(ds, "dcterms:modified", lit(release.modified, "xsd:date"))
    add(ds, "dcterms:publisher", who.publisher)
    add(who.publisher, "rdf:type", NS["foaf"] + "Agent")
    add(who.publisher, "foaf:name", lit(who.publisher_name))
    for creator in who.creators:
        add(ds, "dcterms:creator", creator.iri)
        typed(creator.iri, "foaf:Agent", "foaf:Person" if creator.person else "foaf:Organization")
        add(creator.iri, "foaf:name", lit(creator.name))
        if creator.url:
            add(creator.iri, "foaf:homepage", creator.url)
            typed(creator.url, "foaf:Document")
    if release.source is not None:
        source = release.source
        add(ds, "prov:wasDerivedFrom", source.iri)
        typed(source.iri, "dcterms:BibliographicResource")
        for title in source.titles:
            add(source.iri, "dcterms:title", title)
        if source.date is not None:
            add(source.iri, "dcterms:date", source.date)
        for publisher, _ in source.publishers:
            add(source.iri, "dcterms:publisher", publisher)
    if release.sparql_endpoint:
        add(ds, "void:sparqlEndpoint", release.sparql_endpoint)
    add(ds, "dcterms:license", who.licence)
    for licence in (who.licence, DATA_LICENCE, ONTOLOGY_LICENCE):
        add(licence, "rdf:type", NS["dcterms"] + "LicenseDocument")
    # DCAT-AP 3.0.0 checks every value against a class (sh:class): the EU authority-table concepts
    # and the other resources pointed at are typed here, as a portal harvesting this file alone
    # would otherwise have no statement saying what they are.
    public = NS["eu-access"] + "PUBLIC"
    add(ds, "dcterms:accessRights", public)
    concept(public, "dcterms:RightsStatement", NS["eu-access"][:-1])
    for language in ("FRA", "ENG"):
        add(ds, "dcterms:language", NS["eu-lang"] + language)
        concept(NS["eu-lang"] + language, "dcterms:LinguisticSystem", NS["eu-lang"][:-1])
    for country, labels in _spatial(store, who.workspace).items():
        add(ds, "dcterms:spatial", country)
        concept(country, "dcterms:Location", NS["eu-country"][:-1], labels)
    themes = NS["eu-theme"][:-1]
    add(catalog, "dcat:themeTaxonomy", themes)
    typed(themes, "skos:ConceptScheme")
    add(themes, "dcterms:title", lit("Thème des données", lang="fr"))
    add(themes, "dcterms:title", lit("Data theme", lang="en"))
    for theme in ("ECON", "SOCI", "INTR", "REGI"):
        add(ds, "dcat:theme", NS["eu-theme"] + theme)
        concept(NS["eu-theme"] + theme, None, NS["eu-theme"][:-1])
    for word, lang in who.keywords:
        add(ds, "dcat:keyword", lit(word, lang=lang))
    for standard in release.standards:
        add(ds, "dcterms:conformsTo", standard)
        typed(standard, "dcterms:Standard")
    add(ds, "dcat:landingPage", release.base_url + "index.html")
    add(ds, "foaf:homepage", release.base_url + "index.html")
    typed(release.base_url + "index.html", "foaf:Document")

    for dist in distributions:
        d = f"{ds}#{_slug(dist.name)}"
        url = release.base_url + dist.name
        add(ds, "dcat:distribution", d)
        add(d, "rdf:type", NS["dcat"] + "Distribution")
        add(d, "dcterms:title", lit(dist.title, lang="en"))
        add(d, "dcat:downloadURL", url)
        add(d, "dcat:accessURL", url)
        typed(url, "rdfs:Resource")
        add(d, "dcat:mediaType", NS["iana"] + dist.media_type)
        typed(NS["iana"] + dist.media_type, "dcterms:MediaType")
        if dist.compressed:
            add(d, "dcat:compressFormat", NS["iana"] + "application/gzip")
            typed(NS["iana"] + "application/gzip", "dcterms:MediaType")
        add(d, "dcat:byteSize", lit(dist.size, "xsd:nonNegativeInteger"))
        add(d, "dcterms:license", dist.licence)
        if dist.also_under:
            # DCAT-AP allows one licence per distribution; the rights statement says the rest.
            rights = f"{ds}#rights-{'-'.join(_slug(x) for x in (dist.licence, *dist.also_under))}"
            add(d, "dcterms:rights", rights)
            typed(rights, "dcterms:RightsStatement")
            for lang, text in _rights_text(dist).items():
                add(rights, "rdfs:label", lit(text, lang=lang))
            for licence in (dist.licence, *dist.also_under):
                add(rights, "rdfs:seeAlso", licence)
        add(d, "dcterms:issued", lit(release.issued, "xsd:date"))
        add(d, "dcterms:modified", lit(release.modified, "xsd:date"))
        checksum = f"{d}-sha256"
        add(d, "spdx:checksum", checksum)
        add(checksum, "rdf:type", NS["spdx"] + "Checksum")
        add(checksum, "spdx:algorithm", NS["spdx"] + "checksumAlgorithm_sha256")
        typed(NS["spdx"] + "checksumAlgorithm_sha256", "spdx:ChecksumAlgorithm")
        add(checksum, "spdx:checksumValue", lit(dist.sha256, "xsd:hexBinary"))
        if dist.name.startswith("esskg.") and dist.media_type in _FEATURES and not dist.compressed:
            add(ds, "void:dataDump", url)
            add(ds, "void:feature", _FEATURES[dist.media_type])

    # VoID statistics
    for space in who.uri_spaces:
        add(ds, "void:uriSpace", lit(space))
        add(ds, "void:uriRegexPattern", lit("^" + re.escape(space)))
    for key in (
        "triples",
        "entities",
        "distinctSubjects",
        "distinctObjects",
        "properties",
        "classes",
    ):
        add(ds, f"void:{key}", lit(stats[key], "xsd:integer"))
    for vocabulary in _vocabularies(stats):
        add(ds, "void:vocabulary", vocabulary)
    for example in stats["examples"]:  # type: ignore[attr-defined]
        add(ds, "void:exampleResource", example)
    for cls, count in sorted(stats["classPartitions"].items()):  # type: ignore[attr-defined]
        part = f"{ds}#class-{_slug(cls)}"
        add(ds, "void:classPartition", part)
        add(part, "void:class", cls)
        add(part, "void:entities", lit(count, "xsd:integer"))
    for prop, count in sorted(stats["propertyPartitions"].items()):  # type: ignore[attr-defined]
        part = f"{ds}#property-{_slug(prop)}"
        add(ds, "void:propertyPartition", part)
        add(part, "void:property", prop)
        add(part, "void:triples", lit(count, "xsd:integer"))
    for graph, count in sorted(stats["graphs"].items()):  # type: ignore[attr-defined]
        subset = f"{ds}#graph-{_slug(graph)}"
        add(ds, "void:subset", subset)
        add(subset, "rdf:type", NS["void"] + "Dataset")
        add(subset, "rdfs:seeAlso", graph)
        add(subset, "void:triples", lit(count, "xsd:integer"))
    for (space, predicate), count in sorted(stats["linksets"].items()):  # type: ignore[attr-defined]
        target, title = LINK_TARGETS.get(space, (space, space))
        linkset = f"{ds}#linkset-{_slug(space)}-{_slug(predicate)}"
        add(ds, "void:subset", linkset)
        add(linkset, "rdf:type", NS["void"] + "Linkset")
        add(linkset, "void:subjectsTarget", ds)
        add(linkset, "void:objectsTarget", target)
        add(target, "rdf:type", NS["void"] + "Dataset")
        add(target, "dcterms:title", lit(title))
        add(target, "void:uriSpace", lit(space))
        add(linkset, "void:linkPredicate", predicate)
        add(linkset, "void:triples", lit(count, "xsd:integer"))
    return sorted(set(out), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def catalog_turtle(triples: list[ox.Triple]) -> bytes:
    """The catalogue as Turtle with the prefixes it uses."""
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=dict(sorted(NS.items())))
