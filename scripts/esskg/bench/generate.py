"""A seeded synthetic esskg graph of about N triples, written as N-Triples line by line.

Shaped like data/source/: territories (a kind, inside a country), actors (a kind, one or two
activity fields, a territory), partnerships (a cooperation type, two territories, two to six
participations with a role, one to four SDG links). Concepts come from the project's own
data/vocabulary/, so the graph validates against the real shapes. Nothing is held in memory
beyond the entity counts: the 5M-triple file streams out at constant memory.

`violations` seeds that share of entities with one defect each, of the kinds in VIOLATION_KINDS,
so that validation has results to report.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from esskg.i18n import say
from esskg.load import load_folder
from esskg.namespaces import RDF_TYPE, graph_iri
from esskg.resources import project

ESSKG = "https://w3id.org/esskg/ontology#"
ID = "https://w3id.org/esskg/id/bench/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"

# Defect kind -> the SHACL constraint component it must trip in esskg's shapes.
VIOLATION_KINDS: dict[str, str] = {
    "actor-without-label": "MinCountConstraintComponent",
    "actor-kind-outside-scheme": "InConstraintComponent",
    "partnership-one-territory": "MinCountConstraintComponent",
    "participation-without-role": "MinCountConstraintComponent",
    "headcount-not-integer": "MinInclusiveConstraintComponent",
    "territory-two-kinds": "MaxCountConstraintComponent",
}

_SYLLABLES = [
    "ba",
    "bel",
    "bon",
    "bri",
    "ca",
    "cha",
    "co",
    "dor",
    "du",
    "fa",
    "fer",
    "ga",
    "gi",
    "la",
    "len",
    "lo",
    "ma",
    "mar",
    "mi",
    "mon",
    "na",
    "nor",
    "pa",
    "pi",
    "po",
    "ra",
    "ri",
    "ro",
    "sa",
    "sel",
    "so",
    "ta",
    "ter",
    "to",
    "va",
    "vil",
]
_ACTOR_WORDS_FR = ("Association", "Coopérative", "Collectif", "Réseau", "Atelier", "Maison", "Pôle")
_ACTOR_WORDS_EN = (
    "Association",
    "Cooperative",
    "Collective",
    "Network",
    "Workshop",
    "House",
    "Hub",
)


@dataclass(frozen=True)
class Vocabulary:
    """The concepts the generator draws from, each list sorted so a seed gives the same graph."""

    actor_kinds: list[str]
    territory_kinds: list[str]
    fields: list[str]
    cooperation_types: list[str]
    roles: list[str]
    sdgs: list[str]


def read_vocabulary(root: Path | str | None = None) -> Vocabulary:
    """The concepts of each scheme in data/vocabulary/, by skos:inScheme."""
    store = load_folder(project(root).data_dir / "vocabulary", graph=graph_iri("vocabulary"))
    in_scheme = ox.NamedNode(SKOS + "inScheme")
    by_scheme: dict[str, list[str]] = {}
    for quad in store:
        if quad.predicate == in_scheme:
            by_scheme.setdefault(quad.object.value, []).append(quad.subject.value)

    def scheme(iri: str) -> list[str]:
        concepts = sorted(set(by_scheme.get(iri, [])))
        if not concepts:
            raise ValueError(f"data/vocabulary/ has no concept in scheme {iri}")
        return concepts

    base = "https://w3id.org/esskg/concept/"
    territory_kinds = [c for c in scheme(base + "territory-kind/scheme") if not c.endswith("/pays")]
    return Vocabulary(
        actor_kinds=scheme(base + "kind/scheme"),
        territory_kinds=territory_kinds,
        fields=scheme(base + "field/scheme"),
        cooperation_types=scheme(base + "cooperation-type/scheme"),
        roles=scheme(base + "role/scheme"),
        sdgs=sorted(
            scheme("https://w3id.org/esskg/sdg/goals"), key=lambda s: int(s.rsplit("/", 1)[1])
        ),
    )


def parse_size(text: str) -> int:
    """'10k' -> 10_000, '1M' -> 1_000_000, '2500' -> 2500."""
    text = text.strip()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    number = text[:-1] if factor > 1 else text
    value = int(float(number) * factor)
    if value < 100:
        raise ValueError(f"size {text!r}: at least 100 triples")
    return value


def size_label(triples: int) -> str:
    """1_000_000 -> '1M', 10_000 -> '10k'."""
    if triples % 1_000_000 == 0:
        return f"{triples // 1_000_000}M"
    if triples % 1_000 == 0:
        return f"{triples // 1_000}k"
    return str(triples)


class _Writer:
    """Counts the triples it writes; literals here never need escaping (letters and digits only)."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.count = 0

    def iri(self, s: str, p: str, o: str) -> None:
        self.out.write(f"<{s}> <{p}> <{o}> .\n")
        self.count += 1

    def text(self, s: str, p: str, value: str, lang: str) -> None:
        self.out.write(f'<{s}> <{p}> "{value}"@{lang} .\n')
        self.count += 1

    def typed(self, s: str, p: str, value: str, datatype: str | None) -> None:
        suffix = f"^^<{datatype}>" if datatype else ""
        self.out.write(f'<{s}> <{p}> "{value}"{suffix} .\n')
        self.count += 1


def generate(
    out: IO[str],
    triples: int,
    *,
    seed: int = 1,
    violations: float = 0.0,
    vocabulary: Vocabulary | None = None,
    progress: bool = False,
) -> Counter[str]:
    """Write about `triples` triples (never fewer, a few more) to `out`; seeded defects by kind."""
    vocab = vocabulary or read_vocabulary()
    rng = random.Random(seed)
    w = _Writer(out)
    seeded: Counter[str] = Counter()

    def defect(kinds: tuple[str, ...]) -> str | None:
        if violations > 0 and rng.random() < violations:
            kind = kinds[rng.randrange(len(kinds))]
            seeded[kind] += 1
            return kind
        return None

    # The first country is the project's own id:france, so the canned queries about French regions
    # and their foreign partners find work to do.
    countries = ["https://w3id.org/esskg/id/france"] + [f"{ID}country-{i}" for i in range(1, 12)]
    n_territories = max(30, triples // 400)
    n_actors = max(50, triples // 35)
    territories = [f"{ID}territory-{i}" for i in range(n_territories)]
    pays = "https://w3id.org/esskg/concept/territory-kind/pays"

    for i, t in enumerate(countries):
        w.iri(t, RDF_TYPE, ESSKG + "Territory")
        w.iri(t, ESSKG + "territoryKind", pays)
        name = _name(rng)
        w.text(t, RDFS_LABEL, f"Pays {name} {i}", "fr")
        w.text(t, RDFS_LABEL, f"Country {name} {i}", "en")
    for i, t in enumerate(territories):
        kind = defect(("territory-two-kinds",))
        name = _name(rng)
        w.iri(t, RDF_TYPE, ESSKG + "Territory")
        w.iri(t, ESSKG + "territoryKind", rng.choice(vocab.territory_kinds))
        if kind:
            w.iri(t, ESSKG + "territoryKind", pays)
        w.iri(t, ESSKG + "liesWithin", countries[i % len(countries)])
        w.text(t, RDFS_LABEL, f"{name} {i}", "fr")
        w.text(t, RDFS_LABEL, f"{name} {i}", "en")

    # A decentralised cooperation involves a French territory (a shape checks it): every
    # partnership's first territory lies within id:france.
    french = territories[:: len(countries)]
    foreign = [t for i, t in enumerate(territories) if i % len(countries)]
    actors = [f"{ID}actor-{i}" for i in range(n_actors)]
    for i, a in enumerate(actors):
        kind = defect(("actor-without-label", "actor-kind-outside-scheme"))
        name = _name(rng)
        word = rng.randrange(len(_ACTOR_WORDS_FR))
        w.iri(a, RDF_TYPE, ESSKG + "Actor")
        concept = rng.choice(vocab.fields) if kind == "actor-kind-outside-scheme" else None
        w.iri(a, ESSKG + "actorKind", concept or rng.choice(vocab.actor_kinds))
        if kind != "actor-without-label":
            w.text(a, RDFS_LABEL, f"{_ACTOR_WORDS_FR[word]} {name} {i}", "fr")
            w.text(a, RDFS_LABEL, f"{_ACTOR_WORDS_EN[word]} {name} {i}", "en")
        for f in rng.sample(vocab.fields, rng.randint(1, 2)):
            w.iri(a, ESSKG + "activityField", f)
        w.iri(a, ESSKG + "basedIn", rng.choice(territories))

    p = 0
    report_every = max(1, triples // 20)
    next_report = report_every
    while w.count < triples:
        _partnership(w, rng, vocab, p, actors, (french, foreign), defect)
        p += 1
        if progress and w.count >= next_report:
            done = f"{w.count:,}/{triples:,}"
            print(say(f"generate : {done} triplets", f"generate: {done} triples"), file=sys.stderr)
            while next_report <= w.count:
                next_report += report_every
    return seeded


def _partnership(w, rng, vocab, i, actors, territories, defect) -> None:
    part = f"{ID}partnership-{i}"
    kind = defect(("partnership-one-territory",))
    french, foreign = territories
    a, b = rng.choice(french), rng.choice(foreign)
    name_a, name_b = _name(rng), _name(rng)
    w.iri(part, RDF_TYPE, ESSKG + "Partnership")
    w.text(part, RDFS_LABEL, f"Coopération {name_a} - {name_b} {i}", "fr")
    w.text(part, RDFS_LABEL, f"{name_a} - {name_b} cooperation {i}", "en")
    w.iri(part, ESSKG + "cooperationType", rng.choice(vocab.cooperation_types))
    w.iri(part, ESSKG + "involvesTerritory", a)
    if kind != "partnership-one-territory":
        w.iri(part, ESSKG + "involvesTerritory", b)
    w.iri(part, ESSKG + "activityField", rng.choice(vocab.fields))
    for sdg in rng.sample(vocab.sdgs, rng.randint(1, 4)):
        w.iri(part, ESSKG + "contributesToSDG", sdg)
    for j, agent in enumerate(rng.sample(actors, rng.randint(2, 6))):
        pid = f"{part}-participation-{j}"
        flaw = defect(("participation-without-role", "headcount-not-integer"))
        w.iri(part, PROV + "qualifiedAssociation", pid)
        w.iri(pid, RDF_TYPE, ESSKG + "Participation")
        w.iri(pid, PROV + "agent", agent)
        if flaw != "participation-without-role":
            w.iri(pid, PROV + "hadRole", rng.choice(vocab.roles))
        # Only the seeded defect carries a headcount: pyoxigraph's Store turns any
        # "n"^^xsd:nonNegativeInteger into xsd:integer, which the shapes then reject, so well-formed
        # headcounts would each add a (false) result and swamp the 1% of seeded ones.
        if flaw == "headcount-not-integer":
            w.typed(pid, ESSKG + "headcount", "deux", None)


def _name(rng: random.Random) -> str:
    parts = [rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))]
    return "".join(parts).capitalize()


def write_file(
    path: Path, triples: int, *, seed: int = 1, violations: float = 0.0, **kw
) -> Counter[str]:
    """generate() into `path`, through a .part file so that a stopped run leaves no half file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    with part.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        seeded = generate(out, triples, seed=seed, violations=violations, **kw)
    part.replace(path)
    return seeded
