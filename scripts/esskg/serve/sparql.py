"""The SPARQL 1.1 Protocol at /sparql: reading the request, the safety checks, the limits.

Read-only by construction: there is no update route, the store is opened read-only, and an
update sent here is refused with 403 before anything runs (its first keyword after the prologue,
read from SPARQL tokens by esskg.query.update_operation, as the command line reads it).
SERVICE (which pyoxigraph would follow over the network), and whatever else `esskg query`
refuses, is refused by the same rule as the command line's (esskg.query.refuse_unsafe), with
400, before evaluation.
"""

from __future__ import annotations

import functools
import time
import urllib.parse
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request

from esskg.errors import QueryError
from esskg.i18n import say
from esskg.query import CannedQuery, refuse_unsafe, update_operation
from esskg.serve.negotiate import parse_accept, quality

MAX_BODY = 64 * 1024
MAX_QUERY = 32 * 1024
# Result formats in server order: JSON first, as most clients expect.
RESULT_FORMATS = (
    ("json", "application/sparql-results+json"),
    ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"),
    ("tsv", "text/tab-separated-values"),
)
GRAPH_FORMATS = (
    ("TURTLE", "text/turtle"),
    ("N_TRIPLES", "application/n-triples"),
    ("JSON_LD", "application/ld+json"),
    ("RDF_XML", "application/rdf+xml"),
)
_FORMAT_KEYS = {
    "json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv",
    "ttl": "TURTLE", "turtle": "TURTLE", "nt": "N_TRIPLES", "jsonld": "JSON_LD",
    "rdf": "RDF_XML",
}  # fmt: skip


class ProtocolError(Exception):
    """A request the endpoint refuses: the status and a message for the person who sent it."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class SparqlRequest:
    query: str
    default_graphs: list[str]
    named_graphs: list[str]
    format_key: str | None  # from ?format=
    page: str | None  # the HTML table's page, from ?page=


def _read_only() -> str:
    return say(
        "ce point d'accès est en lecture seule : les mises à jour SPARQL sont refusées",
        "this endpoint is read-only: SPARQL updates are not accepted",
    )


def check_query(query: str) -> None:
    """Refuse updates (403), then SERVICE and the rest of esskg query's rule (400), before the
    query reaches the engine."""
    if len(query.encode()) > MAX_QUERY:
        kib = MAX_QUERY // 1024
        raise ProtocolError(
            413,
            say(
                f"la requête dépasse {kib} Kio ; raccourcissez-la",
                f"the query is longer than {kib} KiB; shorten it",
            ),
        )
    if _passes(query):
        return
    if update_operation(query) is not None:
        raise ProtocolError(403, _read_only())
    try:
        refuse_unsafe(_as_canned(query))
    except QueryError as e:
        raise ProtocolError(400, str(e)) from None


@functools.lru_cache(maxsize=256)
def _passes(query: str) -> bool:
    """Whether the text passes esskg query's rule, remembered per text: reading the tokens of a
    2 KB query takes a few tenths of a millisecond on the event loop, and the query forms send
    the same texts again and again. Only the verdict is kept (at most 256 texts of at most
    MAX_QUERY); a refusal's message is worked out again, in the language of the moment."""
    try:
        refuse_unsafe(_as_canned(query))
    except QueryError:
        return False
    return True


def _as_canned(query: str) -> CannedQuery:
    return CannedQuery(name="sparql", path=Path("/sparql"), text=query)


async def read_request(request: Request) -> SparqlRequest | None:
    """The query and dataset of a protocol request; None for a GET without a query."""
    if request.method == "GET":
        params = urllib.parse.parse_qs(request.url.query, max_num_fields=32)
    else:
        body = await read_body(request)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == "application/sparql-update" or (
            media == "application/x-www-form-urlencoded" and b"update=" in body
        ):
            raise ProtocolError(403, _read_only())
        if media == "application/sparql-query":
            params = urllib.parse.parse_qs(request.url.query, max_num_fields=32)
            params["query"] = [_text(body)]
        elif media == "application/x-www-form-urlencoded":
            params = _form(body)
            for key, values in urllib.parse.parse_qs(request.url.query, max_num_fields=32).items():
                params.setdefault(key, values)
        else:
            raise ProtocolError(
                415,
                say(
                    "envoyez la requête en application/sparql-query ou en formulaire "
                    "(application/x-www-form-urlencoded, champ query)",
                    "send the query as application/sparql-query or as a form "
                    "(application/x-www-form-urlencoded, field query)",
                ),
            )
    if "update" in params:
        raise ProtocolError(403, _read_only())
    queries = params.get("query", [])
    if not queries:
        return None
    if len(queries) > 1:
        raise ProtocolError(
            400, say("donnez un seul paramètre query", "give one query parameter, not several")
        )
    query = queries[0]
    check_query(query)
    return SparqlRequest(
        query=query,
        default_graphs=params.get("default-graph-uri", []),
        named_graphs=params.get("named-graph-uri", []),
        format_key=(params.get("format") or [None])[0],
        page=(params.get("page") or [None])[0],
    )


async def read_body(request: Request) -> bytes:
    """The body, stopped with 413 as soon as it passes MAX_BODY (not after reading it all)."""
    declared = request.headers.get("content-length", "")
    too_large = say(
        f"le corps de la requête dépasse {MAX_BODY // 1024} Kio",
        f"the request body is larger than {MAX_BODY // 1024} KiB",
    )
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise ProtocolError(413, too_large)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise ProtocolError(413, too_large)
        chunks.append(chunk)
    return b"".join(chunks)


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(
            400, say("la requête n'est pas du texte UTF-8", "the query is not UTF-8 text")
        ) from None


def _form(body: bytes) -> dict[str, list[str]]:
    try:
        return urllib.parse.parse_qs(
            _text(body), max_num_fields=32, strict_parsing=False, errors="strict"
        )
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError(
            400,
            say(
                "le formulaire n'est pas de l'UTF-8 valide ou a trop de champs",
                "the form is not valid UTF-8 or has too many fields",
            ),
        ) from None


def result_formats(accept: str | None, format_key: str | None) -> tuple[str | None, str | None]:
    """The results format and the graph format to answer with; 406 when neither fits."""
    if format_key:
        key = _FORMAT_KEYS.get(format_key.lower())
        if key is None:
            raise ProtocolError(406, _formats_message())
        return (key, None) if key.islower() else (None, key)
    ranges = parse_accept(accept)
    results = _best(RESULT_FORMATS, ranges)
    graph = _best(GRAPH_FORMATS, ranges)
    if results is None and graph is None:
        raise ProtocolError(406, _formats_message())
    return results, graph


def _best(offers: tuple[tuple[str, str], ...], ranges: list[tuple[str, float]]) -> str | None:
    scored = [(quality(media, ranges), -i, key) for i, (key, media) in enumerate(offers)]
    q, _, key = max(scored)
    return key if q > 0 else None


def _formats_message() -> str:
    results = ", ".join(m for _, m in RESULT_FORMATS)
    graphs = ", ".join(m for _, m in GRAPH_FORMATS)
    return (
        f"no format you accept; SELECT and ASK answer in {results}; "
        f"CONSTRUCT and DESCRIBE in {graphs} (or use ?format=json, xml, csv, tsv, ttl, nt, "
        "jsonld, rdf)"
    )


def graph_media(key: str) -> str:
    return dict(GRAPH_FORMATS)[key]


class TimeBudget:
    """Seconds of query time each client may use per window (429 with Retry-After beyond)."""

    def __init__(self, seconds: float, window: float = 60.0) -> None:
        self.seconds = seconds
        self.window = window
        self._spent: dict[str, deque[tuple[float, float]]] = defaultdict(deque)
        # Each client's sum of the seconds in its deque, kept as they come and go: summing the
        # deque at each request cost more the more queries the client sent in the window
        # (0.13 ms a request at 800 queries a minute).
        self._used: dict[str, float] = defaultdict(float)

    def check(self, client: str) -> None:
        now = time.monotonic()
        spent = self._spent[client]
        while spent and spent[0][0] < now - self.window:
            self._used[client] -= spent.popleft()[1]
        if not spent:
            # none left in the window: no rounding left over, and no entry kept for the client
            self._spent.pop(client, None)
            self._used.pop(client, None)
        used = self._used.get(client, 0.0)
        if used >= self.seconds:
            # Time until enough of the spent seconds leave the window.
            over, retry = used - self.seconds, self.window
            for at, seconds in spent:
                over -= seconds
                if over < 0:
                    retry = at + self.window - now
                    break
            retry_after = str(max(1, int(retry + 0.999)))
            raise ProtocolError(
                429,
                say(
                    f"vous avez utilisé vos {self.seconds:g} s de calcul pour cette minute ; "
                    f"réessayez dans {retry_after} s",
                    f"you have used your {self.seconds:g} s of query time for this minute; "
                    f"try again in {retry_after} s",
                ),
                {"Retry-After": retry_after},
            )

    def charge(self, client: str, seconds: float) -> None:
        self._spent[client].append((time.monotonic(), seconds))
        self._used[client] += seconds
