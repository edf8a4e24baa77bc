"""The HTML side: what a page shows, gathered by index lookups, rendered by Jinja2 templates.

A resource page is built from the dataset's indexes (quads by subject, by object), not from
DESCRIBE: its labels in a fixed language order, every statement with the graph that says it
(and, for a mapping, the row that justifies it), blank nodes inline, incoming links counted and
paged, where it sits, and the SDGs it serves. Links in HTML are local; IRIs are shown as minted.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from esskg.namespaces import ESSKG, PREFIXES, RDF_TYPE, SDG, UNSDG, to_curie
from esskg.publish.page import SDG_COLOURS, sdg_chart_svg
from esskg.serve.data import ServedData, graph_name, quads

TEMPLATES = Path(__file__).parent / "templates"
INCOMING_PAGE = 20
HOME_LIST = 60
BLANK_DEPTH = 3
# IRIs whose view and HTML are kept (a page shows a few dozen; the graph has up to millions).
_VIEW_CACHE = 100_000
_INFERRED = "inferred"
_LIES_WITHIN_ALL = ESSKG + "liesWithinTransitive"
_WITHIN = ESSKG + "within"
_CONTRIBUTES = ESSKG + "contributesToSDG"
# Predicates that say where something is, in the order the page lists them.
_PLACE_PREDICATES = (
    ESSKG + "involvesTerritory",
    "https://schema.org/location",
    ESSKG + "basedIn",
    ESSKG + "governs",
    ESSKG + "liesWithin",
)
_FIRST_PREDICATES = (RDF_TYPE, PREFIXES["skos"] + "prefLabel", PREFIXES["rdfs"] + "label")


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        auto_reload=False,  # templates are package files: no stat() per page
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


@dataclass(frozen=True)
class TermView:
    """A term as a page shows it: text (fr first), its English beside, a local link."""

    kind: str  # iri, bnode, literal
    text: str
    href: str | None = None
    iri: str | None = None
    english: str = ""
    language: str = ""
    datatype: str = ""
    external: bool = False


@dataclass
class Value:
    term: TermView
    graphs: list[TermView] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    nested: list[Group] = field(default_factory=list)


@dataclass
class Group:
    predicate: TermView
    values: list[Value]


@dataclass
class Incoming:
    predicate: TermView
    count: int
    subjects: list[TermView]
    more: str | None


@dataclass
class Participant:
    actor: TermView
    role: TermView | None
    where: TermView


@dataclass
class Badge:
    goal: int
    colour: str
    goal_view: TermView
    targets: list[TermView]


class Site:
    """Links and labels for pages, from the served data."""

    def __init__(self, data: ServedData, env: Environment) -> None:
        self.data = data
        self._views: dict[str, TermView] = {}
        self._html: dict[tuple[str, str], Markup] = {}
        env.globals["term"] = self.term_html  # before the macros load: they call it too
        self._macro = env.get_template("_macros.html").module.render_term  # type: ignore[attr-defined]

    def local_path(self, iri: str) -> str | None:
        """/id/x for https://w3id.org/esskg/id/x (and a workspace's own IRIs); else None."""
        for origin in self.data.origins:
            if iri.startswith(origin + "/"):
                return urllib.parse.quote(iri[len(origin) :], safe="/#:@!$&'()*+,;=-._~%")
        return None

    def iris_for_path(self, path: str) -> list[str]:
        return [origin + path for origin in self.data.origins]

    def known(self, iri: str) -> bool:
        node = ox.NamedNode(iri)
        return (
            bool(self.data.out(node))
            or iri in self.data.hash_terms
            or iri in self.data.graph_counts
            or next(self.data.store.quads_for_pattern(None, None, node), None) is not None
        )

    def href(self, iri: str) -> tuple[str, bool]:
        """A local link when the server can answer for the IRI, else the IRI itself (external)."""
        local = self.local_path(iri)
        if local is not None:
            return local, False
        if iri in self.data.labels or self.data.out(ox.NamedNode(iri)):
            return "/resource?" + urllib.parse.urlencode({"iri": iri}), False
        return iri, True

    def view(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> TermView:
        if isinstance(term, ox.NamedNode):
            return self.iri_view(term.value)
        if isinstance(term, ox.BlankNode):
            return TermView("bnode", f"_:{term.value}")
        datatype = term.datatype.value
        shown = "" if term.language or datatype.endswith(("#string", "#langString")) else datatype
        return TermView(
            "literal",
            term.value,
            language=term.language or "",
            datatype=to_curie(shown) if shown else "",
        )

    def iri_view(self, iri: str) -> TermView:
        """The view of an IRI (cached: the data never changes while the server runs)."""
        view = self._views.get(iri)
        if view is None:
            view = self._views[iri] = self._iri_view(iri)
            if len(self._views) > _VIEW_CACHE:
                del self._views[next(iter(self._views))]
        return view

    def term_html(self, term: TermView | None) -> Markup:
        """The term macro's output; an IRI's is cached, as most pages show the same few."""
        if term is None:
            return Markup("")
        if term.kind != "iri" or term.iri is None:
            return self._macro(term)
        html = self._html.get((term.iri, term.text))
        if html is None:
            html = self._html[(term.iri, term.text)] = self._macro(term)
            if len(self._html) > _VIEW_CACHE:
                del self._html[next(iter(self._html))]
        return html

    def sort_key(self, node: ox.NamedNode | ox.BlankNode) -> str:
        """A node's place in a list: by its label (fr first), without building its view."""
        label = self.data.label(node.value) if isinstance(node, ox.NamedNode) else None
        return (label[0] if label else node.value).lower()

    def _iri_view(self, iri: str) -> TermView:
        href, external = self.href(iri)
        label = self.data.label(iri)
        text, english = label if label else (to_curie(iri), "")
        return TermView("iri", text, href=href, iri=iri, english=english, external=external)

    def graph_view(self, graph: object) -> TermView:
        iri = getattr(graph, "value", "")
        if not iri:
            return TermView("literal", "default")
        return dataclasses.replace(self.iri_view(iri), text=graph_name(iri))


def resource_page(site: Site, iri: str) -> dict[str, object]:
    """Everything the resource template shows for `iri`."""
    data = site.data
    node = ox.NamedNode(iri)
    title = site.iri_view(iri)
    labels = data.labels.get(iri, {})
    other_labels = sorted((lang, text) for lang, text in labels.items() if lang not in ("fr", "en"))
    sections = [
        (site.iri_view(t), statements(site, ox.NamedNode(t))) for t in data.hash_terms.get(iri, [])
    ]
    return {
        "title": title,
        "iri": iri,
        "label_fr": labels.get("fr") or labels.get("") or title.text,
        "label_en": labels.get("en", ""),
        "other_labels": other_labels,
        "types": [
            site.view(q.object) for q in _unique(quads(data, node, ox.NamedNode(RDF_TYPE), None))
        ],
        "groups": statements(site, node),
        "places": places(site, node),
        "badges": sdg_badges(site, node),
        "participants": participants(site, node),
        "incoming": incoming(site, node),
        "sections": sections,
        "graph_count": data.graph_counts.get(iri),
        "curie": to_curie(iri),
    }


def _unique(quads: object) -> list[ox.Quad]:
    seen: dict[tuple[object, object], ox.Quad] = {}
    for quad in quads:  # type: ignore[attr-defined]
        seen.setdefault((quad.predicate, quad.object), quad)
    return list(seen.values())


def statements(
    site: Site,
    node: ox.NamedNode | ox.BlankNode,
    depth: int = 0,
    seen: frozenset[str] = frozenset(),
) -> list[Group]:
    """The node's statements grouped by predicate; each value with the graphs that state it."""
    data = site.data
    by_predicate: dict[str, dict[object, Value]] = defaultdict(dict)
    for quad in data.out(node):
        values = by_predicate[quad.predicate.value]
        value = values.get(quad.object)
        if value is None:
            value = Value(site.view(quad.object))
            if (
                isinstance(quad.object, ox.BlankNode)
                and depth < BLANK_DEPTH
                and quad.object.value not in seen
            ):
                value.nested = statements(site, quad.object, depth + 1, seen | {quad.object.value})
            values[quad.object] = value
        value.graphs.append(site.graph_view(quad.graph_name))
        note = data.mapping_notes.get(
            (getattr(node, "value", ""), quad.predicate.value, getattr(quad.object, "value", ""))
        )
        if (
            note
            and graph_name(getattr(quad.graph_name, "value", "")) == "mappings"
            and not value.notes
        ):
            confidence = f", confidence {note.confidence}" if note.confidence else ""
            value.notes.append(
                f"{note.table}: {to_curie(note.justification)}{confidence}. {note.comment}".strip()
            )
    groups = []
    for predicate, values in by_predicate.items():
        ordered = sorted(
            values.values(),
            key=lambda v: (
                v.term.language not in ("fr", ""),
                v.term.language != "fr",
                v.term.text.lower(),
            ),
        )
        groups.append(Group(site.iri_view(predicate), ordered))
    groups.sort(
        key=lambda g: (
            _FIRST_PREDICATES.index(g.predicate.iri)
            if g.predicate.iri in _FIRST_PREDICATES
            else len(_FIRST_PREDICATES),
            _inferred_only(g),
            g.predicate.text.lower(),
        )
    )
    return groups


def _inferred_only(group: Group) -> bool:
    # What esskg computed goes after what was stated.
    return all(g.text == _INFERRED for v in group.values for g in v.graphs)


def places(site: Site, node: ox.NamedNode) -> list[list[TermView]]:
    """Each territory the resource is in, followed by what that territory lies within."""
    chains = []
    for predicate in _PLACE_PREDICATES:
        for quad in _unique(quads(site.data, node, ox.NamedNode(predicate), None)):
            place = quad.object
            if not isinstance(place, ox.NamedNode):
                continue
            within = [
                q.object
                for q in _unique(quads(site.data, place, ox.NamedNode(_LIES_WITHIN_ALL), None))
            ]
            # Nearest first: a territory that lies within more others is the smaller one.
            within.sort(
                key=lambda t: (
                    -sum(1 for _ in quads(site.data, t, ox.NamedNode(_LIES_WITHIN_ALL), None))
                )
            )
            chains.append([site.view(place), *(site.view(t) for t in within if t != place)])
    return chains


def sdg_badges(site: Site, node: ox.NamedNode) -> list[Badge]:
    """The goals the resource (and its axes and activities) serves, with the UN targets."""
    scopes = [node] + [
        q.subject for q in quads(site.data, None, ox.NamedNode(_WITHIN), node) if q.subject != node
    ]
    goals: dict[int, set[str]] = defaultdict(set)
    for scope in scopes:
        for quad in quads(site.data, scope, ox.NamedNode(_CONTRIBUTES), None):
            value = quad.object.value
            if value.startswith(SDG) and value[len(SDG) :].isdigit():
                goals[int(value[len(SDG) :])]
            elif value.startswith(UNSDG) and value[len(UNSDG) :].split(".")[0].isdigit():
                goals[int(value[len(UNSDG) :].split(".")[0])].add(value)
    return [
        Badge(
            goal,
            SDG_COLOURS[goal - 1] if 1 <= goal <= 17 else "#666",
            site.iri_view(SDG + str(goal)),
            [_target_view(site, t) for t in sorted(targets)],
        )
        for goal, targets in sorted(goals.items())
    ]


def participants(site: Site, node: ox.NamedNode) -> list[Participant]:
    """Who takes part in the resource or in what it contains (its axes, their activities)."""
    association = ox.NamedNode(PREFIXES["prov"] + "qualifiedAssociation")
    agent = ox.NamedNode(PREFIXES["prov"] + "agent")
    role = ox.NamedNode(PREFIXES["prov"] + "hadRole")
    scopes = [node] + [
        q.subject for q in quads(site.data, None, ox.NamedNode(_WITHIN), node) if q.subject != node
    ]
    found: dict[tuple[str, str, str], Participant] = {}
    for scope in scopes:
        for link in _unique(quads(site.data, scope, association, None)):
            roles = [q.object for q in _unique(quads(site.data, link.object, role, None))] or [None]
            for actor in _unique(quads(site.data, link.object, agent, None)):
                for each in roles:
                    key = (str(actor.object), str(each), str(scope))
                    found.setdefault(
                        key,
                        Participant(
                            site.view(actor.object),
                            site.view(each) if each is not None else None,
                            site.view(scope),
                        ),
                    )
    return sorted(found.values(), key=lambda p: (p.actor.text.lower(), p.where.text.lower()))


def _target_view(site: Site, iri: str) -> TermView:
    return dataclasses.replace(site.iri_view(iri), text=iri[len(UNSDG) :])


def incoming(
    site: Site,
    node: ox.NamedNode,
    predicate: str | None = None,
    page: int = 0,
    size: int = INCOMING_PAGE,
) -> list[Incoming]:
    """What points at the node, by predicate: a count and one page of subjects each."""
    by_predicate: dict[str, dict[object, None]] = defaultdict(dict)
    pattern = ox.NamedNode(predicate) if predicate else None
    for quad in quads(site.data, None, pattern, node):
        if quad.subject != node:
            by_predicate[quad.predicate.value][quad.subject] = None
    result = []
    for p, subjects in sorted(by_predicate.items(), key=lambda item: -len(item[1])):
        ordered = sorted(subjects, key=site.sort_key)
        shown = list(islice(ordered, page * size, (page + 1) * size))
        more = None
        if (page + 1) * size < len(ordered):
            more = "/incoming?" + urllib.parse.urlencode(
                {"iri": node.value, "p": p, "page": page + 1}
            )
        result.append(Incoming(site.iri_view(p), len(ordered), [site.view(s) for s in shown], more))
    return result


def home_page(site: Site, coverage: list[tuple[int, str, int]]) -> dict[str, object]:
    """Counts and entry points: regions, partnerships, actors, SDGs; and the SDG chart."""
    data = site.data

    def members(class_iri: str) -> tuple[int, list[TermView]]:
        nodes = {
            q.subject
            for q in quads(site.data, None, ox.NamedNode(RDF_TYPE), ox.NamedNode(class_iri))
        }
        return len(nodes), [site.view(n) for n in sorted(nodes, key=site.sort_key)[:HOME_LIST]]

    kinds = {
        q.subject
        for q in quads(
            data,
            None,
            ox.NamedNode(PREFIXES["skos"] + "broaderTransitive"),
            ox.NamedNode("https://w3id.org/esskg/concept/territory-kind/region"),
        )
    } | {
        ox.NamedNode("https://w3id.org/esskg/concept/territory-kind/region"),
        ox.NamedNode("https://w3id.org/esskg/concept/territory-kind/region-francaise"),
    }
    regions = {
        q.subject
        for kind in kinds
        for q in quads(site.data, None, ox.NamedNode(ESSKG + "territoryKind"), kind)
    }
    return {
        "triples": data.statements,
        "graphs": sorted(
            ((site.graph_view(ox.NamedNode(g)), n) for g, n in data.graph_counts.items() if g),
            key=lambda item: item[0].text,
        ),
        "regions": (len(regions), [site.view(r) for r in sorted(regions, key=site.sort_key)]),
        "partnerships": members(ESSKG + "Partnership"),
        "actors": members(ESSKG + "Actor"),
        "goals": [site.iri_view(SDG + str(n)) for n in range(1, 18)],
        "colours": SDG_COLOURS,
        "chart": sdg_chart_svg(coverage) if coverage else "",
    }
