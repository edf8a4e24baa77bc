"""The `init` verb: make a workspace, a folder for a graph of one's own.

A workspace holds an esskg.toml (its name, the base IRI of the identifiers it mints, its licence
and version, whether the source document's cases come along), a data/ folder whose subfolders are
its named graphs, and an optional queries/ folder of its own canned queries. esskg's ontology,
shapes, vocabularies and canned queries come from the installed package, so a workspace never
holds a copy of them and follows esskg's upgrades.
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
import unicodedata
from pathlib import Path

from esskg.atomic import write_atomically
from esskg.errors import EsskgError, display_path
from esskg.i18n import say
from esskg.resources import CONFIG_NAME, read_config

DEFAULT_LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
PLACEHOLDER_HOST = "https://example.org/"

CONFIG_TEMPLATE = """\
# esskg workspace settings (https://w3id.org/esskg). Edit freely; `esskg validate` checks them.
[workspace]
# The name of your graph, as people will read it.
name = {name}
# Where the identifiers esskg mints for your data live (an IRI your organisation controls, ending
# in /). Set it before you publish: identifiers are meant to last.
base = {base}
# A short prefix to show those identifiers (e.g. {prefix_bare}:cooperation-x).
prefix = {prefix}
# The licence of your data (an IRI).
licence = {licence}
# Who makes this graph: the creator named in its releases (a list for several: ["Région ...",
# "CRESS ..."]). A CITATION.cff beside this file, if you add one, is read instead.
{creator}
# The version of your graph and its date, for `esskg publish`: raise both for each new release.
version = "0.1.0"
date = "{date}"
# true: your graph also carries the four cooperation cases of esskg's source document.
include_source = {include_source}
"""

README_TEMPLATE = """\
# {name}

An esskg workspace: a graph of cooperations of your own, checked against esskg's model.

- `esskg.toml`: the settings (name, base IRI of your identifiers, licence, version).
- `data/<graph>/`: your data, one folder per named graph. `esskg import` writes here from
  spreadsheets; Turtle (`.ttl`) and mapping tables (`.sssom.tsv`) may be added by hand.
- `queries/`: canned SPARQL queries of your own (`NN_name.rq`), beside esskg's.

Every esskg command run in this folder (or with `-C {folder}`) works on this graph:

    esskg template -o modele.xlsx      # the spreadsheet to fill in
    esskg import modele.xlsx           # check it and add it to data/
    esskg validate                     # check the whole graph
    esskg query partnerships-by-sdg --param goal=2
    esskg build                        # dist/esskg.ttl and dist/esskg.nt
    esskg publish                      # an open-data release
"""


def init_workspace(
    folder: Path,
    *,
    name: str | None = None,
    base: str | None = None,
    prefix: str | None = None,
    licence: str = DEFAULT_LICENCE,
    include_source: bool = False,
    creator: str | None = None,
) -> list[Path]:
    """Make a workspace in `folder` (created if needed); returns the files written.

    Refuses a folder that is a workspace already, so settings are never overwritten.
    """
    folder = Path(folder)
    config_path = folder / CONFIG_NAME
    if config_path.exists():
        raise EsskgError(
            say(
                f"{display_path(config_path)} existe : {display_path(folder)} est déjà un espace "
                "de travail",
                f"{display_path(config_path)} exists: {display_path(folder)} is a workspace "
                "already",
            )
        )
    if folder.exists() and not folder.is_dir():
        raise EsskgError(
            say(
                f"{display_path(folder)} est un fichier ; nommez un dossier pour l'espace de "
                "travail",
                f"{display_path(folder)} is a file; name a folder for the workspace",
            )
        )
    slug = slugify(folder.resolve().name) or "workspace"
    name = name or folder.resolve().name or "workspace"
    base = base or f"{PLACEHOLDER_HOST}{slug}/id/"
    prefix = prefix or "my"
    config_text = CONFIG_TEMPLATE.format(
        name=_toml_string(name),
        base=_toml_string(base),
        prefix=_toml_string(prefix),
        prefix_bare=prefix,
        licence=_toml_string(licence),
        include_source="true" if include_source else "false",
        creator=f"creator = {_toml_string(creator)}" if creator else '# creator = "..."',
        # The day the workspace is made: the date of its first version, until it is raised.
        date=datetime.date.today().isoformat(),
    )
    # Check the settings before anything is written, with the reader every verb uses.
    read_config(config_path, config_text)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "queries").mkdir(exist_ok=True)
    write_atomically(config_path, config_text.encode("utf-8"))
    written = [config_path]
    readme = folder / "README.md"
    if not readme.exists():
        text = README_TEMPLATE.format(name=name, folder=display_path(folder))
        write_atomically(readme, text.encode("utf-8"))
        written.append(readme)
    return written


def slugify(text: str) -> str:
    """An ASCII identifier segment: lowercase letters, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "init",
        help=say(
            "crée un espace de travail : un dossier pour un graphe à vous",
            "make a workspace: a folder for a graph of your own",
        ),
        description=say(
            "Crée un espace de travail dans DOSSIER : esskg.toml (nom, IRI de base, licence, "
            "version), data/ pour vos graphes, queries/ pour vos propres requêtes. Toute "
            "commande esskg lancée dedans (ou avec -C DOSSIER) travaille alors sur votre graphe "
            "avec le modèle d'esskg.",
            "Make a workspace in DIR: esskg.toml (name, base IRI, licence, version), data/ for "
            "your graphs, queries/ for your own queries. Every esskg command run inside it (or "
            "with -C DIR) then works on your graph with esskg's model.",
        ),
    )
    parser.add_argument(
        "folder",
        type=_folder,
        metavar=say("DOSSIER", "DIR"),
        help=say("le dossier à créer", "the folder to make"),
    )
    parser.add_argument(
        "--name",
        metavar=say("NOM", "NAME"),
        help=say(
            "le nom du graphe (défaut : celui du dossier)",
            "the graph's name (default: the folder's name)",
        ),
    )
    parser.add_argument(
        "--base",
        metavar="IRI",
        help=say(
            "IRI de base des identifiants que vous créez, finie par / (défaut : "
            f"{PLACEHOLDER_HOST}<dossier>/id/, à changer avant de publier)",
            "base IRI of the identifiers you mint, ending in / "
            f"(default: {PLACEHOLDER_HOST}<folder>/id/, to change before you publish)",
        ),
    )
    parser.add_argument(
        "--prefix",
        metavar=say("PRÉFIXE", "PREFIX"),
        help=say(
            "préfixe court de vos identifiants (défaut : my)",
            "short prefix for your identifiers (default: my)",
        ),
    )
    parser.add_argument(
        "--creator",
        metavar=say("NOM", "NAME"),
        help=say(
            "qui fait le graphe (votre organisation), cité dans ses versions publiées ; "
            "esskg publish le demande",
            "who makes the graph (your organisation), named in its releases; "
            "esskg publish asks for it",
        ),
    )
    parser.add_argument(
        "--licence",
        default=DEFAULT_LICENCE,
        metavar="IRI",
        help=say("licence des données", "licence of the data"),
    )
    parser.add_argument(
        "--include-source",
        action="store_true",
        help=say(
            "reprend aussi les quatre cas de coopération du document source d'esskg",
            "also carry the four cooperation cases of esskg's source document",
        ),
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    written = init_workspace(
        args.folder,
        name=args.name,
        base=args.base,
        prefix=args.prefix,
        licence=args.licence,
        include_source=args.include_source,
        creator=args.creator,
    )
    for path in written:
        print(display_path(path))
    if not args.base:
        print(
            say(
                f"esskg : vos identifiants commenceront par {PLACEHOLDER_HOST}... : avant de "
                f"publier, mettez dans base de {display_path(written[0])} une IRI que votre "
                "organisation contrôle",
                f"esskg: the identifiers you mint will start with {PLACEHOLDER_HOST}...: set "
                f"base in {display_path(written[0])} to an IRI your organisation controls "
                "before you publish",
            ),
            file=sys.stderr,
        )
    next_step = f"cd {display_path(args.folder)} && esskg template -o modele.xlsx"
    print(
        say(
            f"esskg : espace de travail prêt ; ensuite : {next_step}",
            f"esskg: workspace ready; next: {next_step}",
        ),
        file=sys.stderr,
    )
    return 0


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _folder(text: str) -> Path:
    # An empty argument (`esskg init ""`) would make the working folder a workspace unasked.
    if not text.strip():
        raise argparse.ArgumentTypeError(
            say(
                "nommez le dossier à créer, par ex. esskg init ma-region",
                "name the folder to make, e.g. esskg init ma-region",
            )
        )
    return Path(text)
