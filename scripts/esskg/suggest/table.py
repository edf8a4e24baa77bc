"""Suggestions as an SSSOM table, and the accept step that moves reviewed rows into data/.

The suggestions file is an ordinary SSSOM TSV (read back by esskg.sssom): one row per proposed
target, `esskg:contributesToSDG` as the project's SDG links, the UN target IRI, how it was found
(a SEMAPV matching process), a confidence and, in the comment, the words that matched. A pair
the graph already states is written once more, its comment starting with "[déjà présent]"
("[already present]"), so the reviewer sees it was considered; accept never adds it twice.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from esskg import __version__
from esskg.atomic import write_atomically
from esskg.errors import EsskgError, display_path
from esskg.i18n import say
from esskg.namespaces import CONVERTER, ESSKG, PREFIXES
from esskg.sssom import MappingRow, read_mapping_set
from esskg.suggest.evaluate import Ranker
from esskg.suggest.lexical import Candidate
from esskg.suggest.nodes import Node

PREDICATE = ESSKG + "contributesToSDG"
# A pasted --text is no node of the graph; its rows name it so, and accept refuses them.
TEXT_NAMESPACE = "urn:esskg:suggest:text:"
SUGGESTIONS_SET = "https://w3id.org/esskg/mappings/sdg-suggestions"
LINKS_TABLE = Path("mappings") / "sdg-links.sssom.tsv"
COLUMNS = (
    "subject_id", "subject_label", "predicate_id", "object_id", "object_label",
    "mapping_justification", "confidence", "comment",
)  # fmt: skip
_CHUNK = 1000  # nodes prepared at once (the embedding ranker's passages vectors)
PRESENT = {"fr": "[déjà présent] ", "en": "[already present] "}


@dataclass(frozen=True)
class SuggestionRow:
    subject: str
    subject_label: str
    object: str
    object_label: str
    justification: str  # a semapv: CURIE
    confidence: float
    comment: str
    present: bool


# How the comment names the part of a description a word came from.
KINDS = {
    "label": ("libellé", "label"),
    "description": ("description", "description"),
    "priority": ("priorité thématique", "thematic priority"),
    "field": ("champ d'activité", "activity field"),
    "type": ("type d'activité", "activity type"),
    "beneficiary": ("bénéficiaires", "beneficiaries"),
    "axis": ("un de ses axes", "one of its axes"),
    "activity": ("une de ses activités", "one of its activities"),
    "text": ("texte", "text"),
}
_WORDS_SHOWN = 8


class SuggestError(EsskgError):
    """A suggestions file or an accept request esskg cannot act on; says what to do."""


class _Prefixes:
    """CURIEs for the table: the project's prefixes, and ns1, ns2... for any other namespace."""

    def __init__(self) -> None:
        self.used: dict[str, str] = {}
        self._known: dict[str, str] = {}

    def curie(self, iri: str) -> str:
        if iri not in self._known:
            self._known[iri] = self._compact(iri)
        return self._known[iri]

    def _compact(self, iri: str) -> str:
        if iri.startswith(TEXT_NAMESPACE):
            self.used["text"] = TEXT_NAMESPACE
            return "text:" + iri[len(TEXT_NAMESPACE) :]
        compact = CONVERTER.compress(iri)
        if compact is None:
            cut = max(iri.rfind("/"), iri.rfind("#")) + 1
            namespace = iri[:cut]
            prefix = next(
                (p for p, ns in self.used.items() if ns == namespace),
                f"ns{sum(p.startswith('ns') for p in self.used) + 1}",
            )
            self.used[prefix] = namespace
            return f"{prefix}:{iri[cut:]}"
        prefix = compact.split(":", 1)[0]
        self.used[prefix] = CONVERTER.expand(prefix + ":")
        return compact


def render_suggestions(rows: list[SuggestionRow], *, title: str) -> bytes:
    """The SSSOM TSV of the suggestions (UTF-8): a YAML header, then one line per row."""
    prefixes = _Prefixes()
    # Encoded as written: 10,000 nodes make ~40 MB, which as one str would take twice that.
    buffer = io.BytesIO()
    body = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    writer = csv.writer(body, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                prefixes.curie(row.subject),
                _cell(row.subject_label),
                prefixes.curie(PREDICATE),
                prefixes.curie(row.object),
                _cell(row.object_label),
                row.justification,
                f"{row.confidence:.3f}",
                _cell(row.comment),
            ]
        )
    prefixes.used["semapv"] = PREFIXES["semapv"]
    header = ["# curie_map:"]
    header += [f'#   {p}: "{ns}"' for p, ns in sorted(prefixes.used.items())]
    header += [
        f'# mapping_set_id: "{SUGGESTIONS_SET}"',
        f"# mapping_set_title: {_yaml_string(title)}",
        f'# mapping_tool: "esskg suggest sdg {__version__}"',
        '# comment: "Propositions à relire ; esskg suggest accept FICHIER --row N les ajoute '
        'à data/mappings/sdg-links.sssom.tsv"',
    ]
    body.flush()
    return ("\n".join(header) + "\n").encode("utf-8") + buffer.getvalue()


def _cell(text: str) -> str:
    # A tab or a line break would split the row: the TSV has no quoting SSSOM readers agree on.
    return " ".join(text.split())


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def accept(
    suggestions: Path,
    numbers: list[int] | None,
    data_dir: Path,
    *,
    author: str | None,
    stated: frozenset[tuple[str, str, str]] = frozenset(),
) -> tuple[Path, list[MappingRow], list[tuple[MappingRow, str]]]:
    """Append the chosen rows of `suggestions` to data_dir/mappings/sdg-links.sssom.tsv.

    `numbers` are row numbers as `esskg suggest sdg` prints them (1 = the first row), or None
    for all. `stated` holds the (subject, predicate, object) links the graph states already
    (in any of its files): such a row is left out whatever its comment says. Returns the table,
    the rows added and the rows left out with the reason. The table is rewritten atomically and
    read back before it replaces the old one.
    """
    chosen = _chosen_rows(suggestions, numbers)
    table = data_dir / LINKS_TABLE
    existing = read_mapping_set(table) if table.exists() else None
    present = {(r.subject, r.predicate, r.object) for r in existing.rows} if existing else set()
    added: list[MappingRow] = []
    skipped: list[tuple[MappingRow, str]] = []
    for row in chosen:
        if row.subject.startswith(TEXT_NAMESPACE):
            skipped.append(
                (
                    row,
                    say(
                        "un texte collé, pas un nœud : lancez suggest sdg avec --for IRI",
                        "a pasted text, not a node: run suggest sdg with --for IRI",
                    ),
                )
            )
        elif (row.subject, row.predicate, row.object) in present:
            skipped.append((row, say("déjà dans la table", "already in the table")))
        elif (row.subject, row.predicate, row.object) in stated:
            skipped.append(
                (row, say("le graphe énonce déjà ce lien", "the graph states this link already"))
            )
        else:
            present.add((row.subject, row.predicate, row.object))
            added.append(row)
    if added:
        text = table.read_text(encoding="utf-8") if existing else _new_table_header()
        prefixes = dict(existing.prefixes) if existing else dict(PREFIXES)
        new_prefixes: dict[str, str] = {}
        lines = []
        for row in added:
            subject = _curie_for(row.subject_id, row.subject, prefixes, new_prefixes)
            obj = _curie_for(row.object_id, row.object, prefixes, new_prefixes)
            lines.append(_row_line(row, subject, obj, _columns(text), author))
        text = text + ("" if text.endswith("\n") else "\n") + "\n".join(lines) + "\n"
        text = _with_prefixes(text, new_prefixes)
        write_atomically(table, text.encode("utf-8"), verify=read_mapping_set)
    return table, added, skipped


def _chosen_rows(suggestions: Path, numbers: list[int] | None) -> list[MappingRow]:
    rows = read_mapping_set(suggestions).rows
    if numbers is None:
        return [r for r in rows if not _is_present(r)]
    out = []
    for n in numbers:
        if not 1 <= n <= len(rows):
            where = display_path(suggestions)
            raise SuggestError(
                say(
                    f"{where} : pas de ligne {n} (le fichier en a {len(rows)})\n  conseil : les "
                    "lignes sont numérotées à partir de 1 après l'en-tête des colonnes",
                    f"{where}: no row {n} (the file has {len(rows)} rows)"
                    "\n  hint: rows are numbered from 1 after the column header",
                )
            )
        out.append(rows[n - 1])
    return out


def _is_present(row: MappingRow) -> bool:
    return any((row.comment or "").startswith(mark) for mark in PRESENT.values())


def _new_table_header() -> str:
    return (
        "# curie_map:\n"
        f'#   esskg: "{PREFIXES["esskg"]}"\n'
        f'#   unsdg: "{PREFIXES["unsdg"]}"\n'
        f'#   semapv: "{PREFIXES["semapv"]}"\n'
        '# mapping_set_id: "https://w3id.org/esskg/mappings/sdg-links"\n'
        '# mapping_set_title: "Liens vers les ODD et leurs cibles"\n'
        + "\t".join((*COLUMNS[:6], "author_id", *COLUMNS[6:]))
        + "\n"
    )


def _columns(text: str) -> list[str]:
    header = next(line for line in text.splitlines() if not line.startswith("#"))
    return header.split("\t")


def _curie_for(curie: str, iri: str, prefixes: dict[str, str], new: dict[str, str]) -> str:
    """`iri` as a CURIE of the table's prefixes; else the suggestion's own, added to `new`."""
    for prefix, namespace in sorted(prefixes.items(), key=lambda p: (-len(p[1]), p[0])):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    prefix, local = curie.split(":", 1)
    namespace = iri[: len(iri) - len(local)]
    name, n = prefix, 1
    while name in prefixes and prefixes[name] != namespace:
        n += 1
        name = f"{prefix}{n}"
    prefixes[name] = new[name] = namespace
    return f"{name}:{local}"


def _row_line(
    row: MappingRow, subject: str, obj: str, columns: list[str], author: str | None
) -> str:
    cells = {
        "subject_id": subject,
        "subject_label": row.subject_label or "",
        "predicate_id": row.predicate_id,
        "object_id": obj,
        "object_label": row.object_label or "",
        "mapping_justification": row.mapping_justification,
        "author_id": author or "",
        "confidence": "" if row.confidence is None else f"{row.confidence:.3f}",
        "comment": row.comment or "",
    }
    return "\t".join(cells.get(c, "") for c in columns)


def _with_prefixes(text: str, new: dict[str, str]) -> str:
    """The table with a curie_map entry for each prefix its new rows brought."""
    if not new:
        return text
    lines = text.splitlines()
    entries = [f'#   {p}: "{ns}"' for p, ns in sorted(new.items())]
    if "# curie_map:" in lines:
        at = lines.index("# curie_map:") + 1
        lines[at:at] = entries
    else:
        lines[0:0] = ["# curie_map:", *entries]
    return "\n".join(lines) + "\n"


def suggestions(
    nodes: list[Node],
    ranker: Ranker,
    *,
    top: int,
    lang: str,
    present: set[tuple[str, str]],
) -> list[SuggestionRow]:
    """The rows for `nodes`: each node's `top` targets, pairs already stated marked."""
    rows = []
    labels: dict[str, str] = {}  # one string per target, not one per row
    for node, candidates in _ranked(nodes, ranker, top):
        for candidate in candidates:
            target = candidate.target
            already = (node.iri, target.iri) in present
            rows.append(
                SuggestionRow(
                    subject=node.iri,
                    subject_label=_label(node.labels, lang) or "",
                    object=target.iri,
                    object_label=labels.setdefault(
                        target.iri, _target_label(target.notation, target.titles, lang)
                    ),
                    justification=candidate.justification or ranker.justification,
                    confidence=candidate.confidence,
                    comment=(PRESENT[lang] if already else "") + explain(candidate, lang),
                    present=already,
                )
            )
    return rows


def _ranked(nodes: list[Node], ranker: Ranker, top: int) -> Iterator[tuple[Node, list[Candidate]]]:
    # By chunks, so a ranker can prepare many nodes at once without holding all of them.
    for start in range(0, len(nodes), _CHUNK):
        chunk = nodes[start : start + _CHUNK]
        ranker.prepare(node.passages for node in chunk)
        for node in chunk:
            yield node, ranker.rank(node.passages, top)


def explain(candidate: Candidate, lang: str) -> str:
    """The words that matched, grouped by where the description says them."""
    index = 0 if lang == "fr" else 1
    if candidate.chained_from:
        source = next(
            (p for p in candidate.chained_from if p.lang == lang), candidate.chained_from[0]
        )
        kind = KINDS.get(source.kind, (source.kind, source.kind))[index]
        if lang == "fr":
            return f"{kind} « {source.text} » : lien relu dans data/mappings/sdg-links.sssom.tsv"
        return f"{kind} “{source.text}”: a reviewed link in data/mappings/sdg-links.sssom.tsv"
    by_kind: dict[str, list[str]] = {}
    words = [m for m in candidate.matches if not m.passage]
    for match in words[:_WORDS_SHOWN]:
        by_kind.setdefault(match.kind, []).append(match.word)
    parts = [
        f"{', '.join(words)} ({KINDS.get(kind, (kind, kind))[index]})"
        for kind, words in by_kind.items()
    ]
    out = []
    if parts:
        lead = "mots communs avec la cible : " if lang == "fr" else "words shared with the target: "
        out.append(lead + " ; ".join(parts))
    for match in candidate.matches:
        if match.passage:
            lead = "passage le plus proche" if lang == "fr" else "closest passage"
            kind = KINDS.get(match.kind, (match.kind, match.kind))[index]
            colon = " : " if lang == "fr" else ": "
            out.append(f"{lead} ({kind}, {match.weight:.2f}){colon}« {_shorten(match.word)} »")
    return " ; ".join(out)


def _shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _label(labels: dict[str, str], lang: str) -> str | None:
    return labels.get(lang) or next(iter(sorted(labels.items())), (None, None))[1]


def _target_label(notation: str, titles: dict[str, str], lang: str) -> str:
    if "." in notation:
        word = "Cible" if lang == "fr" else "Target"
    else:
        word = "Objectif" if lang == "fr" else "Goal"
    return f"{word} {notation} : {_label(titles, lang) or ''}".strip()
