"""Talking to a SPARQL server: queries through SPARQLWrapper, graph uploads over plain HTTP.

Every esskg verb that reaches a server goes through here (query --endpoint, push, link sdg), so
each gets the same guarantees: a timeout on the whole answer, a size cap, an answer checked to be
SPARQL results or RDF before anyone uses it, and one EndpointError naming the URL and what went
wrong, which the CLI prints before exiting 2. Verbs that call servers the user did not name on
the command line for that purpose (link sdg) also check an allow-list. Nothing here writes files.

Parameters reach a server as typed RDF terms in a VALUES block at the head of the query's WHERE
group, written in N-Triples syntax by pyoxigraph (escaped, validated): a value can never become
query text.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from SPARQLWrapper import DIGEST, JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)

from esskg.dump import merged_triples, turtle_bytes
from esskg.errors import EsskgError
from esskg.query import CannedQuery, bind_params, render_result

DEFAULT_TIMEOUT = 60.0
# A canned query's answer is a table for people; a server answering more is misconfigured.
MAX_RESPONSE_BYTES = 200 * 1024 * 1024
ALLOW_ENV = "ESSKG_SPARQL_ALLOW"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_AGENT = "esskg (+https://w3id.org/esskg)"
_CHUNK = 64 * 1024


class EndpointError(EsskgError):
    """A server that is down, hangs, refuses credentials or fails; says which URL and what."""

    def __init__(self, url: str, what: str) -> None:
        self.url = url
        super().__init__(f"{url}: {what}")


@dataclass(frozen=True)
class Connection:
    """Where and how to reach a server; the password comes from an environment variable."""

    url: str
    user: str | None = None
    password: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_args(
        cls, url: str, user: str | None, password_env: str | None, timeout: float
    ) -> Connection:
        password = None
        if password_env:
            password = os.environ.get(password_env)
            if password is None:
                raise EsskgError(
                    f"--password-env {password_env}: that environment variable is not set"
                )
        if password is not None and not user:
            raise EsskgError("--password-env needs --user")
        return cls(url, user, password, timeout)

    def at(self, url: str) -> Connection:
        return Connection(url, self.user, self.password, self.timeout)


def allowed_endpoints(extra: Iterable[str] = ()) -> list[str]:
    """An allow-list: `extra` (from --allow) plus the entries of $ESSKG_SPARQL_ALLOW."""
    from_env = os.environ.get(ALLOW_ENV, "").replace(",", " ").split()
    return [*extra, *from_env]


def check_allowed(url: str, allowed: Iterable[str]) -> None:
    """Raise EndpointError unless `url` is http(s) and on loopback or listed in `allowed`.

    An entry matches the URL itself, or every URL below it when the entry ends with '/'.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(url, "not an http(s) URL")
    if parts.hostname in LOOPBACK_HOSTS:
        return
    bare = parts._replace(query="", fragment="").geturl()
    for entry in allowed:
        if bare == entry or (entry.endswith("/") and bare.startswith(entry)):
            return
    raise EndpointError(
        url,
        f"endpoint not in the allow-list\n  hint: pass --allow {bare} or add it to "
        f"${ALLOW_ENV} if you trust it",
    )


def values_block(bindings: Mapping[ox.Variable, ox.NamedNode | ox.Literal]) -> str:
    """`VALUES (?a ?b) { (<iri> "lit"^^<dt>) }`: pyoxigraph writes each term in N-Triples form."""
    names = " ".join(str(v) for v in bindings)
    terms = " ".join(str(t) for t in bindings.values())
    return f"VALUES ({names}) {{ ({terms}) }}"


def with_values(text: str, bindings: Mapping[ox.Variable, ox.NamedNode | ox.Literal]) -> str:
    """The query with a VALUES block first in its WHERE group, so every pattern sees the values.

    The group is found by reading the text as SPARQL tokens (comments, strings and IRIs skipped):
    the `{` after a top-level WHERE, else the first top-level `{` of a SELECT, ASK or DESCRIBE.
    """
    if not bindings:
        return text
    position = _where_brace(text)
    if position is None:
        raise EsskgError("cannot bind parameters: no WHERE { ... } group found in the query")
    return f"{text[: position + 1]} {values_block(bindings)}\n{text[position + 1 :]}"


def _where_brace(text: str) -> int | None:
    depth, i, n = 0, 0, len(text)
    seen_where = False
    form = None
    while i < n:
        c = text[i]
        if c == "#":
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        if c in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else c
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                i += 2 if text[i] == "\\" else 1
            i += len(quote)
            continue
        if c == "<" and _is_iri_start(text, i):
            i = text.find(">", i) + 1 or n
            continue
        if c in "{(":
            if c == "{" and depth == 0 and (seen_where or form in ("SELECT", "ASK", "DESCRIBE")):
                return i
            depth += 1
        elif c in "})":
            depth -= 1
        elif (
            c.isalpha()
            and depth == 0
            and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_:?$"))
        ):
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_-:"):
                j += 1
            word = text[i:j].upper()
            if word == "WHERE":
                seen_where = True
            elif word in ("SELECT", "ASK", "DESCRIBE", "CONSTRUCT") and form is None:
                form = word
            i = j
            continue
        i += 1
    return None


def _is_iri_start(text: str, i: int) -> bool:
    # `<` opens an IRI unless it is the less-than operator (followed by space, = or a digit).
    nxt = text[i + 1 : i + 2]
    return bool(nxt) and not (nxt.isspace() or nxt in "=" or nxt.isdigit())


def remote_query(
    conn: Connection,
    text: str,
    *,
    default_graphs: tuple[str, ...] = (),
    auth: str = "basic",
    max_bytes: int = MAX_RESPONSE_BYTES,
    allowed: Iterable[str] | None = None,
) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
    """Run `text` on the server: solutions or a boolean, or the triples of a CONSTRUCT/DESCRIBE.

    The whole answer must arrive within the connection's timeout and hold at most `max_bytes`.
    With `allowed`, the endpoint, and any endpoint a redirect leads to, must be on that list.
    """
    if allowed is not None:
        check_allowed(conn.url, allowed)
        allowed = [*allowed, conn.url]
    sparql = SPARQLWrapper(conn.url, agent=_AGENT)
    sparql.setOnlyConneg(True)
    sparql.setMethod(POST)
    sparql.setTimeout(int(max(1, conn.timeout)))
    sparql.setQuery(text)
    for graph in default_graphs:
        sparql.addDefaultGraph(graph)
    if conn.user:
        if auth == "digest":
            sparql.setHTTPAuth(DIGEST)
        sparql.setCredentials(conn.user, conn.password or "")
    graph_result = sparql.queryType in ("CONSTRUCT", "DESCRIBE")
    sparql.setReturnFormat(TURTLE if graph_result else JSON)
    deadline = time.monotonic() + conn.timeout
    try:
        response = sparql.query().response
        if allowed is not None:
            check_allowed(response.geturl(), allowed)
        data = _read_capped(conn, response, max_bytes, deadline)
    except Unauthorized:
        raise EndpointError(conn.url, _refused(conn)) from None
    except QueryBadFormed as e:
        raise EndpointError(
            conn.url, f"the server rejected the query (HTTP 400): {_excerpt(e)}"
        ) from None
    except EndPointNotFound:
        raise EndpointError(conn.url, "no SPARQL endpoint here (HTTP 404): check the URL") from None
    except URITooLong:
        raise EndpointError(conn.url, "the server refused a long query (HTTP 414)") from None
    except EndPointInternalError as e:
        raise EndpointError(conn.url, f"the server failed (HTTP 500): {_excerpt(e)}") from None
    except SPARQLWrapperException as e:
        raise EndpointError(conn.url, _excerpt(e)) from None
    except (urllib.error.URLError, OSError) as e:
        raise EndpointError(conn.url, _network_problem(e, conn)) from None
    content_type = response.headers.get("Content-Type", "")
    try:
        if graph_result:
            rdf_format = (
                ox.RdfFormat.from_media_type(content_type.split(";")[0]) or ox.RdfFormat.TURTLE
            )
            return [
                ox.Triple(t.subject, t.predicate, t.object)
                for t in ox.parse(data, format=rdf_format)
            ]
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as e:
        raise EndpointError(
            conn.url, f"unreadable answer ({content_type or 'no content type'}): {e}"
        ) from None


def _read_capped(conn: Connection, response: Any, max_bytes: int, deadline: float) -> bytes:
    """The body, read in chunks so that a trickling server still meets the timeout."""
    chunks: list[bytes] = []
    size = 0
    # read1 returns what has arrived; read(n) would wait for n bytes and never see the deadline.
    read = getattr(response, "read1", response.read)
    try:
        while chunk := read(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise EndpointError(
                    conn.url,
                    f"answer larger than {max_bytes} bytes; refused\n"
                    "  hint: narrow the query or raise the size cap",
                )
            if time.monotonic() > deadline:
                raise EndpointError(conn.url, _network_problem(TimeoutError(), conn))
            chunks.append(chunk)
    finally:
        response.close()
    return b"".join(chunks)


def send(
    conn: Connection,
    method: str,
    data: bytes,
    content_type: str,
    params: dict[str, str] | None = None,
) -> int:
    """One HTTP request with a body (graph store PUT/DELETE, SPARQL Update POST); the status code.

    Basic and digest authentication are both offered: urllib answers whichever the server asks for.
    """
    url = conn.url
    if params:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
    handlers: list[urllib.request.BaseHandler] = []
    if conn.user:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, conn.url, conn.user, conn.password or "")
        handlers += [
            urllib.request.HTTPDigestAuthHandler(passwords),
            urllib.request.HTTPBasicAuthHandler(passwords),
        ]
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": content_type, "User-Agent": _AGENT}
    )
    try:
        with opener.open(request, timeout=conn.timeout) as response:
            response.read(MAX_RESPONSE_BYTES)
            return response.status
    except urllib.error.HTTPError as e:
        if e.code in (401, 403):
            raise EndpointError(conn.url, _refused(conn, e.code)) from None
        body = e.read(2000).decode("utf-8", "replace")
        raise HttpStatusError(conn.url, e.code, body) from None
    except (urllib.error.URLError, OSError) as e:
        raise EndpointError(conn.url, _network_problem(e, conn)) from None


class HttpStatusError(EndpointError):
    """The server answered with an error status; push falls back to SPARQL Update on 404/405/501."""

    def __init__(self, url: str, status: int, body: str) -> None:
        self.status = status
        super().__init__(url, f"HTTP {status}: {' '.join(body.split())[:300] or '(no message)'}")


def _refused(conn: Connection, status: int = 401) -> str:
    if conn.user:
        return (
            f"credentials refused (HTTP {status}) for user {conn.user!r}: "
            "check --user and --password-env"
        )
    return f"the server wants credentials (HTTP {status}): give --user and --password-env VAR"


def _network_problem(error: OSError, conn: Connection) -> str:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"no answer within {conn.timeout:g} s (timed out): server hangs or query too slow"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused: is the server running on that host and port?"
    if isinstance(reason, socket.gaierror):
        return f"unknown host: {reason.strerror or reason}"
    return f"cannot reach the server: {getattr(reason, 'strerror', None) or reason}"


def _excerpt(error: Exception) -> str:
    return " ".join(str(error).split())[:300]


def add_query_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `esskg query` takes to run on a server instead of the embedded store."""
    group = parser.add_argument_group("on a SPARQL server (docs/sparql-servers.md)")
    group.add_argument(
        "--endpoint", metavar="URL", help="run on this SPARQL endpoint instead of locally"
    )
    group.add_argument(
        "--graph",
        action="append",
        default=[],
        metavar="IRI",
        help="read this graph as the default graph (repeatable; default: the server's own)",
    )
    group.add_argument("--user", metavar="U", help="user name, if the endpoint wants one")
    group.add_argument(
        "--password-env", metavar="VAR", help="environment variable holding the password"
    )
    group.add_argument(
        "--auth", choices=("basic", "digest"), default="basic", help="HTTP authentication scheme"
    )
    group.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S", help="default 60"
    )


def run_remote(args: argparse.Namespace, query: CannedQuery, params: dict[str, str]) -> int:
    """`esskg query ... --endpoint URL`: the binding, formats and rows of the embedded store."""
    conn = Connection.from_args(args.endpoint, args.user, args.password_env, args.timeout)
    text = with_values(query.text, bind_params(query, params))
    result = remote_query(conn, text, default_graphs=tuple(args.graph), auth=args.auth)
    if isinstance(result, list):
        triples = merged_triples(result)
        output, note = turtle_bytes(triples).decode("utf-8"), f"{len(triples)} triples"
    else:
        output, note = render_result(result, args.format)
    sys.stdout.write(output)
    if note:
        print(f"{note} from {conn.url}", file=sys.stderr)
    return 0
