"""Whose release it is: the names, IRIs, licence and creators a release states.

esskg's own graph is published as esskg's dataset (w3id.org/esskg, Licence Ouverte, the creators
of the repository's CITATION.cff). A workspace is published as its own dataset: its name, its
version, its licence, IRIs under its own base, its creators (its CITATION.cff, else the `creator`
setting of esskg.toml); esskg's ontology and shapes still ship, under esskg's licence, and the
release says which version of esskg's model it conforms to.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from esskg.errors import display_path
from esskg.i18n import say
from esskg.namespaces import PREFIXES
from esskg.publish.citation import CITATION_FILE, CitationError, Creator, mint_iri, read_creators
from esskg.resources import Project

# esskg's own dataset: what its releases say about themselves.
URI_SPACE = "https://w3id.org/esskg/"
DATASET_ROOT = "https://w3id.org/esskg/dataset"
DATA_LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
PUBLISHER = "https://w3id.org/esskg/id/esskg-contributors"
TITLE = {
    "fr": "esskg : l'ESS dans la coopération européenne et internationale",
    "en": "esskg: the SSE in European and international cooperation",
}
DESCRIPTION = {
    "fr": "Graphe de connaissances des acteurs de l'économie sociale et solidaire, des "
    "territoires et des partenariats de coopération décentralisée, européenne et "
    "internationale, avec leurs liens aux Objectifs de développement durable.",
    "en": "A knowledge graph of social and solidarity economy actors, territories and "
    "decentralised, European and international cooperation partnerships, linked to the "
    "Sustainable Development Goals.",
}
KEYWORDS = (
    ("économie sociale et solidaire", "fr"), ("coopération décentralisée", "fr"), ("ODD", "fr"),
    ("social and solidarity economy", "en"), ("decentralised cooperation", "en"), ("SDG", "en"),
)  # fmt: skip

__all__ = ["DatasetIdentity", "esskg_identity", "workspace_identity"]

_ESSKG_CATALOG_TITLE = {"fr": "Catalogue esskg", "en": "esskg catalogue"}
_ESSKG_CATALOG_DESCRIPTION = {
    "fr": "Les publications du graphe de connaissances esskg.",
    "en": "The releases of the esskg knowledge graph.",
}


@dataclass(frozen=True)
class DatasetIdentity:
    """What a release says of the dataset it publishes, apart from its files and figures."""

    title: dict[str, str]  # by language; a workspace's name has no language of its own
    description: dict[str, str]
    catalog_title: dict[str, str]
    catalog_description: dict[str, str]
    keywords: tuple[tuple[str, str], ...]
    dataset_root: str  # the dataset across versions; a release is <dataset_root>/<version>
    publisher: str
    publisher_name: str
    licence: str  # the data's
    uri_spaces: tuple[str, ...]  # where the dataset's own entities live (VoID entities, links)
    default_base_url: str  # where the files are downloaded from, unless --base-url
    creators: tuple[Creator, ...]
    citation: bytes  # CITATION.cff as shipped
    workspace: bool = False

    @property
    def catalog(self) -> str:
        return f"{self.dataset_root}/catalog"


def esskg_identity(creators: list[Creator], citation: bytes, version: str) -> DatasetIdentity:
    """esskg's own dataset, as every release of it has said."""
    return DatasetIdentity(
        title=TITLE,
        description=DESCRIPTION,
        catalog_title=_ESSKG_CATALOG_TITLE,
        catalog_description=_ESSKG_CATALOG_DESCRIPTION,
        keywords=KEYWORDS,
        dataset_root=DATASET_ROOT,
        publisher=PUBLISHER,
        publisher_name="esskg contributors",
        licence=DATA_LICENCE,
        uri_spaces=(URI_SPACE,),
        default_base_url=f"{DATASET_ROOT}/{version}/",
        creators=tuple(creators),
        citation=citation,
    )


def workspace_identity(layout: Project, version: str, date: str) -> DatasetIdentity:
    """A workspace's dataset; CitationError (nothing written yet) when it names no creator."""
    config = layout.config
    assert config is not None, "workspace_identity needs a workspace"
    root = dataset_root(config.base)
    if (layout.root / CITATION_FILE).is_file():
        citation, creators = read_creators(layout.root, version, id_space=config.base)
    elif config.creators:
        creators = [
            Creator(iri=mint_iri(config.base, name), name=name, person=False)
            for name in config.creators
        ]
        citation = _citation_cff(config.name, version, date, config.creators, root)
    else:
        where, cff = display_path(config.path), "https://citation-file-format.github.io"
        raise CitationError(
            say(
                f"{where} : une publication nomme ses auteurs, et cet espace de travail n'en "
                "nomme aucun ; rien n'a été écrit\n"
                '  conseil : ajoutez creator = "Votre organisation" sous [workspace] dans '
                f"esskg.toml (une liste s'il y en a plusieurs), ou un {CITATION_FILE} à côté "
                f"({cff})",
                f"{where}: a release names its creators, and this workspace names none; "
                "nothing was written\n"
                '  hint: add creator = "Your organisation" under [workspace] in esskg.toml '
                f"(a list for several), or a {CITATION_FILE} beside it ({cff})",
            )
        )
    # One creator is the publisher too (a region publishing its own cooperations); several are
    # published together, as esskg's contributors are.
    if len(creators) == 1:
        publisher, publisher_name = creators[0].iri, creators[0].name
    else:
        publisher = mint_iri(config.base, "contributors")
        publisher_name = f"{config.name}: contributors"
    name = config.name
    return DatasetIdentity(
        title={"fr": name},
        description={
            "fr": f"{name} : graphe de connaissances de partenariats de coopération, de leurs "
            "acteurs et territoires et des Objectifs de développement durable qu'ils servent, "
            "décrits avec le modèle esskg de l'économie sociale et solidaire.",
            "en": f"{name}: a knowledge graph of cooperation partnerships, their actors and "
            "territories and the Sustainable Development Goals they serve, described with the "
            "esskg model of the social and solidarity economy.",
        },
        catalog_title={"fr": f"Catalogue : {name}", "en": f"{name}: catalogue"},
        catalog_description={
            "fr": f"Les publications du graphe {name}.",
            "en": f"The releases of the graph {name}.",
        },
        keywords=KEYWORDS,
        dataset_root=root,
        publisher=publisher,
        publisher_name=publisher_name,
        licence=config.licence,
        # With include_source the source document's cases (esskg's id: space) are part of it too.
        uri_spaces=(config.base, *((PREFIXES["id"],) if config.include_source else ())),
        default_base_url=f"{root}/{version}/",
        creators=tuple(creators),
        citation=citation,
        workspace=True,
    )


def dataset_root(base: str) -> str:
    """The dataset IRI (no version) beside a workspace's identifiers: .../id/ -> .../dataset."""
    if base.endswith("/id/"):
        return base[: -len("id/")] + "dataset"
    return base.rstrip("/#") + "/dataset"


def _citation_cff(name: str, version: str, date: str, creators: tuple[str, ...], url: str) -> bytes:
    """A CITATION.cff for a workspace that names its creators in esskg.toml only."""
    cff = {
        "cff-version": "1.2.0",
        "message": "Si vous utilisez ces données, citez-les ainsi. / If you use this data, "
        "please cite it as below.",
        "type": "dataset",
        "title": name,
        "version": version,
        "date-released": date,
        "url": url,
        "authors": [{"name": creator} for creator in creators],
    }
    return yaml.safe_dump(cff, allow_unicode=True, sort_keys=False, width=100).encode("utf-8")
