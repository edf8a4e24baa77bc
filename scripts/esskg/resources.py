"""Which graph a command reads: a workspace, a checkout of esskg, or the packaged graph.

Three kinds of project, found in this order:
- the folder named by `-C DIR` (or `--root DIR`, or $ESSKG_ROOT);
- else the nearest folder, from the working folder upwards, that holds an `esskg.toml` (a
  workspace made by `esskg init`) or is a checkout of esskg (ontology/, shapes/, data/);
- else the copy of esskg's own graph installed with the package.

A workspace adds its own data graphs (data/<name>/, named under its own base IRI) to esskg's
ontology, shapes, controlled vocabularies and canned queries, which always come from the installed
package; with `include_source = true` it also carries the source document's cases. A checkout and
the packaged copy are read as they are: each data/<name>/ folder is the graph graph:<name>.
"""

from __future__ import annotations

import datetime
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from esskg.errors import EsskgError, display_path, os_message
from esskg.i18n import say
from esskg.namespaces import PREFIXES, graph_iri

ROOT_ENV = "ESSKG_ROOT"
CONFIG_NAME = "esskg.toml"

_PACKAGE_DIR = Path(__file__).resolve().parent
_PACKAGED = _PACKAGE_DIR / "_resources"
_CHECKOUT = _PACKAGE_DIR.parents[1]

# The part of esskg's own data every project reads: without the controlled vocabularies and the
# UN SDG goals and targets, no file means anything. The rest of data/ is the source document's.
VOCABULARY_GRAPHS = ("vocabulary", "un-sdg")
# In data/mappings/, the tables that map esskg's vocabularies (not the source's nodes) outward.
VOCABULARY_MAPPINGS = ("sdg-un.sssom.tsv", "essglobal.sssom.tsv")
RESERVED_GRAPHS = ("inferred", "ontology")
# The files a data folder is read for (esskg.load.folder_files: load.DATA_FORMATS and mapping
# tables), named here because that module imports this one.
DATA_SUFFIXES = (".ttl", ".nt", ".sssom.tsv")


class WorkspaceError(EsskgError):
    """A workspace or project folder that cannot be used as it is; says which and what to do."""


def packaged_root() -> Path:
    """esskg's own knowledge: the copy in the wheel, else (an editable install) the checkout."""
    return _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT


def default_root() -> Path:
    """The root to use when none is given: ESSKG_ROOT, else the packaged copy, else the checkout."""
    from_env = os.environ.get(ROOT_ENV)
    if from_env:
        return Path(from_env).resolve()
    return packaged_root()


@dataclass(frozen=True)
class WorkspaceConfig:
    """The settings of a workspace, from its esskg.toml."""

    name: str
    base: str
    licence: str
    version: str
    include_source: bool
    prefix: str
    path: Path
    # Who makes the graph, named in its releases when the workspace has no CITATION.cff.
    creators: tuple[str, ...] = ()
    date: str | None = None  # the date of `version` (YYYY-MM-DD), for `esskg publish`

    @property
    def graph_base(self) -> str:
        """Where the workspace's graph IRIs live: beside its identifiers (.../id/ -> .../graph/)."""
        base = self.base
        return base[: -len("id/")] + "graph/" if base.endswith("/id/") else base + "graph/"


@dataclass(frozen=True)
class GraphFolder:
    """One data folder and the named graph its files load into."""

    folder: Path
    iri: str
    own: bool = False  # the workspace's own data (not esskg's packaged graph)
    only: tuple[str, ...] | None = field(default=None, compare=False)  # file names, if not all

    @property
    def name(self) -> str:
        return self.folder.name

    def files(self) -> list[Path]:
        """The folder's files in sorted order (hidden files left out), limited to `only`."""
        if not self.folder.is_dir():
            return []
        return [
            p
            for p in sorted(self.folder.iterdir())
            if p.is_file()
            and not p.name.startswith(".")
            and (self.only is None or p.name in self.only)
        ]


@dataclass(frozen=True)
class Project:
    """The layout of what one command reads; every path the verbs read comes from here."""

    root: Path
    kind: str = "checkout"  # "workspace", "checkout" or "packaged"
    config: WorkspaceConfig | None = None

    @property
    def knowledge(self) -> Path:
        """Where the ontology, shapes, vocabularies and canned queries come from."""
        return packaged_root() if self.kind == "workspace" else self.root

    @property
    def ontology(self) -> Path:
        return self.knowledge / "ontology" / "esskg.ttl"

    @property
    def shapes(self) -> Path:
        return self.knowledge / "shapes" / "esskg-shapes.ttl"

    @property
    def queries_dir(self) -> Path:
        return self.knowledge / "queries"

    @property
    def queries_dirs(self) -> list[Path]:
        """esskg's canned queries, then the workspace's own (queries/ in the workspace)."""
        own = [self.root / "queries"] if self.kind == "workspace" else []
        return [self.queries_dir, *own]

    @property
    def data_dir(self) -> Path:
        """The data/ folder of this project: where a workspace's own graphs are written."""
        return self.root / "data"

    @property
    def base_iri(self) -> str:
        """Where identifiers minted for this project's data live."""
        return self.config.base if self.config else PREFIXES["id"]

    @property
    def version(self) -> str:
        from esskg import __version__

        return self.config.version if self.config else __version__

    def own_graph_iri(self, name: str) -> str:
        """The IRI of the graph that holds data/<name>/ of this project."""
        return self.config.graph_base + name if self.config else graph_iri(name)

    def data_folders(self) -> list[Path]:
        """The data/<name>/ folders of the project itself, sorted (not esskg's, for a workspace).

        A data file put in data/ itself belongs to no graph and no command would read it: a
        graph that silently lacks it is a wrong answer, so it is refused, saying where it goes.
        """
        if not self.data_dir.is_dir():
            return []
        stray = sorted(
            p for p in self.data_dir.iterdir() if p.is_file() and p.name.endswith(DATA_SUFFIXES)
        )
        if stray:
            names = ", ".join(display_path(p) for p in stray)
            raise WorkspaceError(
                say(
                    f"{names} : aucune commande ne lit un fichier posé dans data/ ; les données "
                    "vont dans un dossier par graphe : déplacez-le dans data/<graphe>/ (par "
                    "exemple data/mes-donnees/)",
                    f"{names}: no command reads a file put in data/ itself; data goes in one "
                    "folder per graph: move it into data/<graph>/ (for example data/my-data/)",
                )
            )
        return sorted(
            p for p in self.data_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
        )

    def graph_folders(self, *, include_data: bool = True) -> list[GraphFolder]:
        """Every data folder this project reads, each with its named graph, in load order.

        `include_data=False` keeps only the vocabulary layer (controlled lists, UN SDG KOS).
        """
        knowledge_data = self.knowledge / "data"
        folders: list[GraphFolder] = []
        with_source = self.config.include_source if self.config else True
        if self.kind == "workspace":
            for folder in _subfolders(knowledge_data):
                entry = _vocabulary_entry(folder)
                if with_source and include_data:
                    folders.append(GraphFolder(folder, graph_iri(folder.name)))
                elif entry is not None:
                    folders.append(entry)
            if include_data:
                folders.extend(
                    GraphFolder(f, self.own_graph_iri(f.name), own=True)
                    for f in self.data_folders()
                )
        else:
            for folder in self.data_folders():
                entry = _vocabulary_entry(folder)
                if include_data:
                    folders.append(GraphFolder(folder, graph_iri(folder.name), own=True))
                elif entry is not None:
                    folders.append(entry)
        for entry in folders:
            if entry.own and entry.name in RESERVED_GRAPHS:
                raise WorkspaceError(
                    say(
                        f"{display_path(entry.folder)} : data/{entry.name}/ est réservé (esskg "
                        f"écrit lui-même le graphe {entry.name}) ; renommez le dossier",
                        f"{display_path(entry.folder)}: data/{entry.name}/ is reserved "
                        f"(esskg writes graph {entry.name} itself); rename the folder",
                    )
                )
        return folders

    def describe(self) -> str:
        """One line for stderr saying which graph this command reads."""
        if self.kind == "workspace" and self.config:
            where = f"{display_path(self.root)} ({self.config.name})"
            if self.config.include_source:
                return say(
                    f"l'espace de travail {where} avec les cas du document source",
                    f"workspace {where} with the source document's cases",
                )
            return say(f"l'espace de travail {where}", f"workspace {where}")
        if self.kind == "checkout":
            return say(f"la copie {display_path(self.root)}", f"checkout {display_path(self.root)}")
        return say(
            f"le graphe installé (esskg {self.version})",
            f"the packaged graph (esskg {self.version})",
        )


def project(root: Path | str | None = None) -> Project:
    """The project at `root` (a workspace or a project tree), else found from the working folder.

    With no `root`: $ESSKG_ROOT, else the nearest workspace or checkout from the working folder
    upwards, else the packaged graph.
    """
    if root is None:
        from_env = os.environ.get(ROOT_ENV)
        if from_env:
            return _project_at(Path(from_env), named="ESSKG_ROOT")
        found = find_project(Path.cwd())
        return found if found is not None else Project(packaged_root(), kind="packaged")
    return _project_at(Path(root), named="-C")


def find_project(start: Path) -> Project | None:
    """The nearest workspace or checkout at `start` or above it, or None."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return Project(folder, kind="workspace", config=read_config(folder / CONFIG_NAME))
        if _is_project_tree(folder):
            return Project(folder, kind=_tree_kind(folder))
    return None


def read_config(path: Path, content: str | None = None) -> WorkspaceConfig:
    """A workspace's esskg.toml (or `content`, to be written there); WorkspaceError names the
    file and the setting that is wrong."""
    where = display_path(path)
    try:
        if content is None:
            content = path.read_bytes().decode("utf-8")
        data = tomllib.loads(content)
    except tomllib.TOMLDecodeError as e:
        raise WorkspaceError(
            say(f"{where} : TOML invalide ({e})", f"{where}: not valid TOML ({e})")
        ) from None
    except UnicodeDecodeError:
        raise WorkspaceError(
            say(
                f"{where} : enregistrez le fichier en UTF-8",
                f"{where}: save the file as UTF-8",
            )
        ) from None
    except OSError as e:
        raise WorkspaceError(say(f"{where} : ", f"{where}: ") + os_message(e)) from None
    settings = data.get("workspace", data)
    if not isinstance(settings, dict):
        raise WorkspaceError(
            say(
                f"{where} : [workspace] doit être une table de réglages",
                f"{where}: [workspace] must be a table of settings",
            )
        )

    def text(key: str, default: str | None = None) -> str:
        value = settings.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise WorkspaceError(
                say(
                    f'{where} : écrivez {key} = "..." sous [workspace] (voir esskg init)',
                    f'{where}: set {key} = "..." under [workspace] (see esskg init)',
                )
            )
        return value.strip()

    base = text("base")
    if not base.startswith(("http://", "https://")) or not base.endswith(("/", "#")):
        raise WorkspaceError(
            say(
                f"{where} : base = {base!r} doit être une IRI http(s) finie par / ou #, par ex. "
                '"https://data.example.org/cooperation/id/"',
                f"{where}: base = {base!r} must be an http(s) IRI ending in / or #, "
                'e.g. "https://data.example.org/cooperation/id/"',
            )
        )
    if base.startswith("https://w3id.org/esskg/"):
        raise WorkspaceError(
            say(
                f"{where} : base = {base!r} est l'espace de noms d'esskg lui-même ; choisissez "
                "une IRI que votre organisation contrôle",
                f"{where}: base = {base!r} is esskg's own namespace; "
                "choose an IRI your organisation controls",
            )
        )
    include = settings.get("include_source", False)
    if not isinstance(include, bool):
        raise WorkspaceError(
            say(
                f"{where} : include_source vaut true ou false",
                f"{where}: include_source must be true or false",
            )
        )
    prefix = text("prefix", "my")
    if not prefix.isidentifier() or prefix in PREFIXES:
        raise WorkspaceError(
            say(
                f"{where} : prefix = {prefix!r} doit être un nom court (lettres, chiffres, _) "
                f"qu'esskg n'utilise pas déjà ({', '.join(PREFIXES)})",
                f"{where}: prefix = {prefix!r} must be a short name (letters, digits, _) "
                f"that esskg does not use already ({', '.join(PREFIXES)})",
            )
        )
    creators = settings.get("creator", [])
    if isinstance(creators, str):
        creators = [creators]
    if not isinstance(creators, list) or not all(
        isinstance(c, str) and c.strip() for c in creators
    ):
        raise WorkspaceError(
            say(
                f'{where} : creator est un nom ("Région Occitanie") ou une liste de noms '
                '(["Région Occitanie", "CRESS Occitanie"])',
                f'{where}: creator must be a name ("Région Occitanie") or a list of '
                'names (["Région Occitanie", "CRESS Occitanie"])',
            )
        )
    date = settings.get("date")
    if isinstance(date, datetime.date):  # TOML's own date: date = 2026-12-01
        date = date.isoformat()
    if date is not None and not _is_date(date):
        example = datetime.date(2026, 12, 1).isoformat()
        raise WorkspaceError(
            say(
                f"{where} : date = {date!r} doit être un jour écrit AAAA-MM-JJ, "
                f'par ex. "{example}"',
                f'{where}: date = {date!r} must be a day written YYYY-MM-DD, e.g. "{example}"',
            )
        )
    return WorkspaceConfig(
        name=text("name"),
        base=base,
        licence=text("licence", "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"),
        version=text("version", "0.1.0"),
        include_source=include,
        prefix=prefix,
        path=path,
        creators=tuple(c.strip() for c in creators),
        date=date,
    )


def _is_date(value: object) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _project_at(root: Path, *, named: str) -> Project:
    root = root.expanduser().resolve()
    if not root.is_dir():
        raise WorkspaceError(
            say(
                f"{named} {display_path(root)} : dossier introuvable",
                f"{named} {display_path(root)}: no such folder",
            )
        )
    if (root / CONFIG_NAME).is_file():
        return Project(root, kind="workspace", config=read_config(root / CONFIG_NAME))
    if _is_project_tree(root):
        return Project(root, kind=_tree_kind(root))
    raise WorkspaceError(
        say(
            f"{named} {display_path(root)} : ni un espace de travail (pas de {CONFIG_NAME}), ni "
            "une copie d'esskg (pas d'ontology/esskg.ttl) ; créez-en un avec `esskg init DOSSIER`",
            f"{named} {display_path(root)}: neither a workspace (no {CONFIG_NAME}) nor a "
            "checkout of esskg (no ontology/esskg.ttl); make one with `esskg init DIR`",
        )
    )


def _is_project_tree(folder: Path) -> bool:
    return (folder / "ontology" / "esskg.ttl").is_file() and (folder / "data").is_dir()


def _tree_kind(folder: Path) -> str:
    return "packaged" if folder == _PACKAGED else "checkout"


def _subfolders(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _vocabulary_entry(folder: Path) -> GraphFolder | None:
    """The part of one of esskg's data folders that belongs to the vocabulary layer, if any."""
    if folder.name in VOCABULARY_GRAPHS:
        return GraphFolder(folder, graph_iri(folder.name))
    if folder.name == "mappings":
        return GraphFolder(folder, graph_iri(folder.name), only=VOCABULARY_MAPPINGS)
    return None


__all__ = [
    "CONFIG_NAME",
    "GraphFolder",
    "Project",
    "WorkspaceConfig",
    "WorkspaceError",
    "default_root",
    "find_project",
    "packaged_root",
    "project",
    "read_config",
]
