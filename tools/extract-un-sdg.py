#!/usr/bin/env python3
"""Write data/un-sdg/un-sdg-kos.ttl: the UN SDG KOS's 17 goals and 169 targets, trimmed.

Kept: each goal's and target's IRI, its compact code (skos:notation), its title in French and
English (skos:prefLabel), and the hierarchy (skos:broader, target to goal). Indicators, series
and the other languages are left out. Run from the repository root, with the UN KOS dump:

    python tools/extract-un-sdg.py ../shared/reference/sdg/un-sdg-kos-metadata.un.org.ttl

The output is sorted and byte-stable; tests/test_un_sdg.py checks it against the dump.
Development tooling: not part of the installed package.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pyoxigraph as ox

UN = "http://metadata.un.org/sdg/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEME = "http://metadata.un.org/sdg"
CODE = re.compile(r"^(\d{1,2})(?:\.(\d{1,2}|[a-z]))?$")

HEADER = """\
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix unsdg: <http://metadata.un.org/sdg/> .

# The UN SDG Knowledge Organization System (http://metadata.un.org/sdg), trimmed to its 17 goals
# and 169 targets: code, French and English titles, and the target -> goal hierarchy. Written by
# tools/extract-un-sdg.py from the 2026 dump of metadata.un.org/sdg; do not edit by hand.
# Citation required by the UN: Amit Joshi, Luis Gonzalez Morales, Szymon Klarman, and Aaron
# Helton. 2019. A Knowledge Organization System for the United Nations Sustainable Development
# Goals. New York, NY. http://metadata.un.org/sdg

<http://metadata.un.org/sdg> a skos:ConceptScheme ;
    skos:prefLabel "Objectifs et cibles de développement durable (KOS des Nations unies)"@fr ,
        "Sustainable Development Goals and targets (United Nations KOS)"@en ;
    dcterms:source <http://metadata.un.org/sdg> .

"""


def sort_key(code: str) -> tuple:
    goal, _, target = code.partition(".")
    return (int(goal), target != "", target.isalpha(), int(target) if target.isdigit() else target)


def literal(text: str, lang: str) -> str:
    return ox.Literal(" ".join(text.split()), language=lang).__str__()


def main(source: str, out: str = "data/un-sdg/un-sdg-kos.ttl") -> None:
    dataset = ox.Dataset(ox.parse(path=source, format=ox.RdfFormat.TURTLE))
    labels: dict[str, dict[str, str]] = {}
    broader: dict[str, str] = {}
    for quad in dataset:
        s = quad.subject
        if not isinstance(s, ox.NamedNode) or not s.value.startswith(UN):
            continue
        code = s.value[len(UN) :]
        if not CODE.match(code):
            continue
        if quad.predicate.value == SKOS + "prefLabel" and quad.object.language in ("fr", "en"):
            labels.setdefault(code, {})[quad.object.language] = quad.object.value
        elif quad.predicate.value == SKOS + "broader":
            broader[code] = quad.object.value[len(UN) :]
    codes = sorted(labels, key=sort_key)
    goals = [c for c in codes if "." not in c]
    targets = [c for c in codes if "." in c]
    assert len(goals) == 17 and len(targets) == 169, (len(goals), len(targets))
    parts = [HEADER]
    for code in codes:
        lines = [f"unsdg:{code} a skos:Concept ; skos:inScheme <{SCHEME}> ;"]
        lines.append(f'    skos:notation "{code}" ;')
        if code in broader:
            lines.append(f"    skos:broader unsdg:{broader[code]} ;")
        lines.append(
            "    skos:prefLabel "
            + literal(labels[code]["fr"], "fr")
            + " ,\n        "
            + literal(labels[code]["en"], "en")
            + " ."
        )
        parts.append("\n".join(lines) + "\n")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text("\n".join(parts), encoding="utf-8")
    print(f"{out}: {len(goals)} goals, {len(targets)} targets")


if __name__ == "__main__":
    main(*sys.argv[1:])
