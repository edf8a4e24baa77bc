"""Content negotiation: which representation an `Accept` header, `?format=` or a suffix asks for.

Small on purpose (RFC 9110 §12.5.1 q-values and wildcards over a fixed, short list of offers);
ties go to the server's order, so `*/*` (curl) gets Turtle and a browser, which names text/html,
gets HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Representation:
    key: str  # ?format= value and URL suffix
    media_type: str
    rdf_format: ox.RdfFormat | None  # None: the HTML page


TURTLE = Representation("ttl", "text/turtle", ox.RdfFormat.TURTLE)
HTML = Representation("html", "text/html", None)
RESOURCE_FORMATS: tuple[Representation, ...] = (
    TURTLE,
    HTML,
    Representation("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
    Representation("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    Representation("rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML),
)
# Other names clients use for the same formats.
_ALIASES = {
    "application/x-turtle": "text/turtle",
    "application/json": "application/ld+json",
    "text/plain": "application/n-triples",
    "application/xhtml+xml": "text/html",
}
_KEY_ALIASES = {"turtle": "ttl", "json-ld": "jsonld", "json": "jsonld", "xml": "rdf", "owl": "rdf"}


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """(media range, q) pairs; a missing or empty header accepts anything."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges = []
    for part in header.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        media = media.lower()
        ranges.append((_ALIASES.get(media, media), q))
    return ranges


def quality(media_type: str, ranges: list[tuple[str, float]]) -> float:
    """The q the client gives `media_type`: the most specific matching range decides."""
    main = media_type.split("/", 1)[0]
    best: tuple[int, float] = (-1, 0.0)
    for media, q in ranges:
        if media == media_type:
            rank = 2
        elif media == f"{main}/*":
            rank = 1
        elif media == "*/*":
            rank = 0
        else:
            continue
        if rank > best[0] or (rank == best[0] and q > best[1]):
            best = (rank, q)
    return best[1]


def choose(header: str | None, offers: tuple[Representation, ...]) -> Representation | None:
    """The offer the client likes best (server order breaks ties), or None (406)."""
    ranges = parse_accept(header)
    scored = [(quality(o.media_type, ranges), -i, o) for i, o in enumerate(offers)]
    q, _, offer = max(scored, key=lambda s: (s[0], s[1]))
    return offer if q > 0 else None


def by_key(key: str, offers: tuple[Representation, ...]) -> Representation | None:
    """The offer named by ?format= or a URL suffix (ttl, jsonld, nt, rdf, html), or None."""
    key = _KEY_ALIASES.get(key.lower(), key.lower())
    return next((o for o in offers if o.key == key or o.media_type == key), None)
