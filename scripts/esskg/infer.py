"""The closures esskg's queries rely on, computed once and kept in their own graph (graph:inferred).

skos:broaderTransitive is the transitive closure of skos:broader and of skos:narrower read
backwards (SKOS makes them inverses, so a hierarchy written either way is followed),
esskg:liesWithinTransitive that of esskg:liesWithin, and esskg:within ties each partnership,
axis and activity to itself and to everything that contains it. Materialising them lets every
query say `?field skos:broaderTransitive field:x` instead of `skos:broader+`: the same answer on
any SPARQL server, including those whose property paths are unreliable (Virtuoso 7.2 loses rows
when two path closures meet in one query), and cheaper at scale. What is inferred stays apart
from what the source states or esskg curates: one named graph, regenerated from the others on
every load.

The same graph carries the participations as W3C ORG reads them (org:Membership): each
participation's org:member (its prov:agent), org:role (its prov:hadRole) and org:organization (the
partnership it takes place in, directly or through an axis or activity), so that ORG consumers
find the data without knowing PROV's qualified associations.

Last, what the canned queries would otherwise join at every call, each a few index lookups once
said (pyoxigraph joins by scanning, a few microseconds a statement: at a million statements a
query took seconds where these take milliseconds):
- esskg:activityFieldTransitive and esskg:actorKindTransitive: a node's field of activity (an
  actor's kind) and every broader one, so "on this field or a narrower one" is one lookup;
- esskg:linkedPartnershipCount and esskg:linkedActorCount on each SDG of sdg:goals: how many
  partnerships are linked to it (a link to the goal, or to a UN target below the UN goal it
  matches, on the partnership, an axis or an activity) and how many actors (taking part in such
  a partnership at any level, or linked to the goal themselves), counted once here;
- esskg:startYear of each partnership: the year of its schema:startDate, else the earliest of
  its axes' and activities'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING

import pyoxigraph as ox

from esskg.namespaces import PREFIXES, graph_iri
from esskg.namespaces import RDF_TYPE as RDF_TYPE_IRI
from esskg.ntlines import ntriples_series, ntriples_text

if TYPE_CHECKING:
    import polars as pl

INFERRED_GRAPH = graph_iri("inferred")

RDF_TYPE = ox.NamedNode(RDF_TYPE_IRI)
_INTEGER = PREFIXES["xsd"] + "integer"
_TYPE = f"<{RDF_TYPE_IRI}>"


@dataclass(frozen=True)
class Closure:
    """`closure` holds from x to every node reached from x through `asserted` and through
    `asserted_inverse` read backwards, and from every instance of a `reflexive_for` class to
    itself."""

    asserted: tuple[str, ...]
    closure: str
    asserted_inverse: tuple[str, ...] = ()
    reflexive_for: tuple[str, ...] = ()


CLOSURES: tuple[Closure, ...] = (
    Closure(
        (PREFIXES["skos"] + "broader",),
        PREFIXES["skos"] + "broaderTransitive",
        asserted_inverse=(PREFIXES["skos"] + "narrower",),
    ),
    Closure((PREFIXES["esskg"] + "liesWithin",), PREFIXES["esskg"] + "liesWithinTransitive"),
    # a partnership, its axes and activities: each node is within itself and what contains it
    Closure(
        (),
        PREFIXES["esskg"] + "within",
        asserted_inverse=(PREFIXES["esskg"] + "hasAxis", PREFIXES["esskg"] + "hasActivity"),
        reflexive_for=tuple(
            PREFIXES["esskg"] + c for c in ("Partnership", "CooperationAxis", "Activity")
        ),
    ),
)


_AGENT = PREFIXES["prov"] + "agent"
# participation -> what ORG calls it: prov:agent is org:member, prov:hadRole is org:role
_ORG_COPIES = {
    _AGENT: PREFIXES["org"] + "member",
    PREFIXES["prov"] + "hadRole": PREFIXES["org"] + "role",
}
_QUALIFIED_ASSOCIATION = PREFIXES["prov"] + "qualifiedAssociation"
_PARTNERSHIP = PREFIXES["esskg"] + "Partnership"
_WITHIN = PREFIXES["esskg"] + "within"
_BROADER_TRANSITIVE = PREFIXES["skos"] + "broaderTransitive"

# value -> its transitive reading: the value and every concept broader than it
_TRANSITIVE_VALUES = {
    PREFIXES["esskg"] + "activityField": PREFIXES["esskg"] + "activityFieldTransitive",
    PREFIXES["esskg"] + "actorKind": PREFIXES["esskg"] + "actorKindTransitive",
}
# what the SDG counts read
_CONTRIBUTES = PREFIXES["esskg"] + "contributesToSDG"
_IN_SCHEME = PREFIXES["skos"] + "inScheme"
_EXACT_MATCH = PREFIXES["skos"] + "exactMatch"
_GOALS = PREFIXES["sdg"] + "goals"
_ACTOR = PREFIXES["esskg"] + "Actor"
_START_DATE = PREFIXES["schema"] + "startDate"
_COUNTED = (_CONTRIBUTES, _IN_SCHEME, _EXACT_MATCH, _START_DATE)


def closure_predicates() -> list[str]:
    """The predicates whose statements the closures follow."""
    return [
        *(p for c in CLOSURES for p in (*c.asserted, *c.asserted_inverse)),
        _QUALIFIED_ASSOCIATION,
        *_ORG_COPIES,
        *_TRANSITIVE_VALUES,
        *_COUNTED,
    ]


def closure_classes() -> list[str]:
    """The classes whose instances (rdf:type statements) the closures follow."""
    return [*(k for c in CLOSURES for k in c.reflexive_for), _PARTNERSHIP, _ACTOR]


def closure_input(source: ox.Dataset | ox.Store) -> Iterator[ox.Quad]:
    """Just the statements the closures follow, looked up by predicate rather than scanned."""
    predicates = [ox.NamedNode(p) for p in closure_predicates()]
    classes = [ox.NamedNode(k) for k in closure_classes()]
    if isinstance(source, ox.Store):
        return chain(
            chain.from_iterable(source.quads_for_pattern(None, p, None) for p in predicates),
            chain.from_iterable(source.quads_for_pattern(None, RDF_TYPE, k) for k in classes),
        )
    return chain(
        chain.from_iterable(source.quads_for_predicate(p) for p in predicates),
        (q for k in classes for q in source.quads_for_object(k) if q.predicate == RDF_TYPE),
    )


def inferred_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The closure statements of CLOSURES over `quads` (all graphs), in graph:inferred, sorted.

    A cycle (a concept broader than itself through others) yields the statement that says so;
    the shapes report cycles, this only follows the links.
    """
    import polars as pl  # here: `esskg query` imports this module and never needs polars

    inferred = ox.NamedNode(INFERRED_GRAPH)
    # In and out as text, parsed and written by pyoxigraph: a Python string a term, or a Quad
    # built a statement, cost more than the closures themselves.
    text = ox.serialize(
        (q.triple for q in quads if q.graph_name != inferred), format=ox.RdfFormat.N_TRIPLES
    )
    found = (
        inferred_frame(closure_statements(ntriples_series(text)))
        .unique()
        .sort(pl.col("p").str.strip_prefix("<").str.strip_suffix(">"), pl.col("s"), pl.col("o"))
    )
    nquads = found.select(
        pl.concat_str(
            pl.col("s"), pl.col("p"), pl.col("o"), pl.lit(f"<{INFERRED_GRAPH}> ."), separator=" "
        ).alias("line")
    ).to_series()
    return list(ox.parse(ntriples_text(nquads), format=ox.RdfFormat.N_QUADS))


def closure_statements(lines: pl.Series) -> pl.DataFrame:
    """The statements of N-Triples `lines` (one a line, without its newline, as pyoxigraph
    writes them) that the closures follow, as inferred_frame() reads them.

    A subject and a predicate hold no space (an IRI or a blank node), so a line splits at its
    first two spaces; the object is the rest, less the final " .".
    """
    import polars as pl

    predicates = [f"<{p}>" for p in closure_predicates()]
    classes = [f"<{k}>" for k in closure_classes()]
    parts = lines.str.splitn(" ", 3).struct.unnest()
    said = pl.col("field_1").is_in(predicates) | (
        (pl.col("field_1") == _TYPE) & pl.col("field_2").is_in([f"{k} ." for k in classes])
    )
    return parts.filter(said).select(
        s=pl.col("field_0"), p=pl.col("field_1"), o=pl.col("field_2").str.strip_suffix(" .")
    )


def inferred_lines(lines: pl.Series) -> pl.Series:
    """graph:inferred's statements over the N-Triples `lines` (one statement a line, without
    its newline; graph:inferred's own left out), as N-Triples lines: see inferred_frame()."""
    return ntriples_lines(inferred_frame(closure_statements(lines)))


def ntriples_lines(frame: pl.DataFrame) -> pl.Series:
    """The statements of a frame of columns s, p, o (N-Triples terms) as N-Triples lines,
    without their newline."""
    import polars as pl

    return frame.select(
        pl.concat_str(pl.col("s"), pl.col("p"), pl.col("o"), pl.lit("."), separator=" ").alias(
            "line"
        )
    ).to_series()


def inferred_frame(statements: pl.DataFrame) -> pl.DataFrame:
    """graph:inferred's statements over `statements`, in no particular order, a statement
    given twice when the input says twice what it follows (the same statement in two graphs):
    inferred_quads() and the text path (a sort, then neighbours compared) make them unique once,
    where making each step's pairs unique cost as much as the rest.

    Both are frames of columns s, p, o holding each term as N-Triples writes it (<iri>, _:label,
    "literal"^^<datatype>); graph:inferred's own statements must already be left out. Every step
    is a join or a group over whole columns: the hierarchies are small (SKOS schemes,
    territories, partnerships' parts) and the rest is joined to them, where following each
    statement in Python took seconds a million statements.
    """
    import polars as pl

    no_pairs = pl.DataFrame(schema=dict.fromkeys(("s", "o"), pl.String))
    by_predicate = {
        key[0]: frame.select("s", "o")
        for key, frame in statements.partition_by("p", as_dict=True).items()
    }

    def pairs(*predicates: str) -> pl.DataFrame:
        """(s, o) of the statements of `predicates`."""
        return pl.concat([no_pairs, *(by_predicate.get(f"<{p}>", no_pairs) for p in predicates)])

    def instances(*classes: str) -> pl.Series:
        wanted = [f"<{k}>" for k in classes]
        typed = by_predicate.get(_TYPE, no_pairs).filter(pl.col("o").is_in(wanted))
        return typed.get_column("s").unique()

    def stated(frame: pl.DataFrame, predicate: str) -> pl.DataFrame:
        return frame.select(pl.col("s"), pl.lit(f"<{predicate}>").alias("p"), pl.col("o"))

    out: list[pl.DataFrame] = []
    closed: dict[str, pl.DataFrame] = {}  # closure -> (node, node reached)
    for closure in CLOSURES:
        edges = pl.concat(
            [
                pairs(*closure.asserted),
                pairs(*closure.asserted_inverse).select(s="o", o="s"),
            ]
        ).unique()
        own = instances(*closure.reflexive_for).to_frame("s")
        reach = pl.concat([_transitive(edges), own.with_columns(o=pl.col("s"))]).unique()
        closed[closure.closure] = reach
        out.append(stated(reach, closure.closure))
    # node -> each partnership it is within, itself included
    partnerships = instances(_PARTNERSHIP)
    containers = (
        closed[_WITHIN]
        .filter(pl.col("o").is_in(partnerships.implode()))
        .select(node="s", partnership="o")
    )
    broader = closed[_BROADER_TRANSITIVE]
    # participation -> each partnership it takes place in, directly or through a part
    organizations = (
        pairs(_QUALIFIED_ASSOCIATION)
        .select(participation="o", node="s")
        .join(containers, on="node")
        .select("participation", "partnership")
    )
    out.append(
        stated(
            organizations.select(s="participation", o="partnership"),
            PREFIXES["org"] + "organization",
        )
    )
    for predicate, copy in _ORG_COPIES.items():
        found = pairs(predicate).join(
            organizations, left_on="s", right_on="participation", how="semi"
        )
        out.append(stated(found, copy))
    for predicate, transitive in _TRANSITIVE_VALUES.items():
        values = pairs(predicate)
        above = values.join(broader, left_on="o", right_on="s").select("s", o="o_right")
        out.append(stated(pl.concat([values, above]), transitive))
    out.extend(_sdg_counts(pairs, instances, broader, containers, organizations))
    out.append(_start_years(pairs(_START_DATE), containers))
    return pl.concat(out)


def _transitive(edges: pl.DataFrame) -> pl.DataFrame:
    """Every (s, o) joined by one or more of `edges` (s, o), each pair once: each round joins
    only the pairs the last round found, so a cycle ends when no new pair comes."""
    import polars as pl

    total = delta = edges
    while delta.height:
        step = delta.join(edges, left_on="o", right_on="s").select("s", o="o_right").unique()
        delta = step.join(total, on=["s", "o"], how="anti")
        total = pl.concat([total, delta])
    return total


def _sdg_counts(
    pairs: Callable[..., pl.DataFrame],
    instances: Callable[..., pl.Series],
    broader: pl.DataFrame,
    containers: pl.DataFrame,
    organizations: pl.DataFrame,
) -> list[pl.DataFrame]:
    """esskg:linkedPartnershipCount and esskg:linkedActorCount of each goal of sdg:goals.

    A link counts for a goal when it is the goal, or when it lies below (skos:broaderTransitive)
    a UN goal the goal matches (skos:exactMatch), as the query sdg-coverage said before it read
    these counts.
    """
    import polars as pl

    goals = pairs(_IN_SCHEME).filter(pl.col("o") == f"<{_GOALS}>").select(goal="s")
    if not goals.height:
        return []
    matching = (
        pairs(_EXACT_MATCH)
        .join(goals, left_on="s", right_on="goal", how="semi")
        .select(goal="s", un_goal="o")
    )
    # link -> each goal it counts for
    goals_of = pl.concat(
        [
            goals.select(link="goal", goal="goal"),
            broader.join(matching, left_on="o", right_on="un_goal").select(link="s", goal="goal"),
        ]
    ).unique()
    # (node linked, goal it counts for)
    links = (
        pairs(_CONTRIBUTES)
        .select(via="s", link="o")
        .join(goals_of, on="link")
        .select("via", "goal")
        .unique()
    )
    linked = (
        links.join(containers, left_on="via", right_on="node")
        .select("goal", "partnership")
        .unique()
    )
    members = organizations.join(
        pairs(_AGENT).select(participation="s", actor="o"), on="participation"
    ).select("partnership", "actor")
    linked_actors = pl.concat(
        [
            linked.join(members, on="partnership").select("goal", "actor"),
            links.filter(pl.col("via").is_in(instances(_ACTOR).implode())).select(
                "goal", actor="via"
            ),
        ]
    ).unique()
    counted = []
    for predicate, found in (
        ("linkedPartnershipCount", linked),
        ("linkedActorCount", linked_actors),
    ):
        counts = found.group_by("goal").len()
        counted.append(
            goals.join(counts, on="goal", how="left").select(
                s="goal",
                p=pl.lit(f"<{PREFIXES['esskg']}{predicate}>"),
                o=_integer(pl.col("len").fill_null(0)),
            )
        )
    return counted


def _start_years(dates: pl.DataFrame, containers: pl.DataFrame) -> pl.DataFrame:
    """esskg:startYear: the year of a partnership's own start date (the earliest, if it gives
    several), else the earliest of its axes' and activities'. A date whose first four
    characters are not a year gives none, as xsd:integer(SUBSTR(STR(?date), 1, 4)) in SPARQL."""
    import polars as pl

    # A literal's first four characters as N-Triples writes it (digits are never escaped), or
    # the whole of a shorter one: the year; else null (another text, an IRI, a blank node).
    year = pl.col("o").str.extract(r'^"([0-9]{4}|[0-9]{1,3}")', 1).str.strip_suffix('"')
    found = (
        dates.select(node="s", year=year.cast(pl.Int64))
        .join(containers, on="node")
        .with_columns(own=pl.col("node") == pl.col("partnership"))
    )
    # a partnership giving a start date of its own takes its year from it alone
    dated = found.filter("own").get_column("partnership").unique().implode()
    chosen = found.filter(pl.col("own") | ~pl.col("partnership").is_in(dated))
    return (
        chosen.drop_nulls("year")
        .group_by("partnership")
        .agg(pl.col("year").min())
        .select(
            s="partnership",
            p=pl.lit(f"<{PREFIXES['esskg']}startYear>"),
            o=_integer(pl.col("year")),
        )
    )


def _integer(number: pl.Expr) -> pl.Expr:
    """An xsd:integer literal of `number`, as N-Triples writes it."""
    import polars as pl

    return pl.concat_str(pl.lit('"'), number.cast(pl.String), pl.lit(f'"^^<{_INTEGER}>'))
