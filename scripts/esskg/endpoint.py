"""Talking to a SPARQL server: queries through SPARQLWrapper, graph uploads over plain HTTP.

Every esskg verb that reaches a server goes through here (query --endpoint, push, link sdg), so
each gets the same guarantees: a timeout on the whole answer, a size cap, an answer checked to be
SPARQL results or RDF before anyone uses it, and one EndpointError naming the URL and what went
wrong, which the CLI prints before exiting 2. Verbs that call servers the user did not name on
the command line for that purpose (link sdg) also check an allow-list. Nothing here writes files.

Transport only: which query to send, and how its parameters are bound, is the query verb's
business (esskg.query). A URL is checked before anything is sent: an http(s) URL with a host,
and not obviously the wrong role (an update or graph-store URL given as the query endpoint).
"""

from __future__ import annotations

import ast
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from esskg.errors import EsskgError, os_message
from esskg.i18n import say

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
        super().__init__(say(f"{url} : {what}", f"{url}: {what}"))


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
                    say(
                        f"--password-env {password_env} : cette variable d'environnement "
                        "n'est pas définie",
                        f"--password-env {password_env}: that environment variable is not set",
                    )
                )
        if password is not None and not user:
            raise EsskgError(say("--password-env demande --user", "--password-env needs --user"))
        if user and password is None:
            raise EsskgError(
                say(
                    f"--user {user} demande --password-env VAR, la variable d'environnement qui "
                    "contient le mot de passe (esskg ne prend jamais de mot de passe sur la "
                    "ligne de commande)",
                    f"--user {user} needs --password-env VAR, the environment variable holding "
                    "the password (esskg never takes a password on the command line)",
                )
            )
        return cls(url, user, password, timeout)

    def at(self, url: str) -> Connection:
        return Connection(url, self.user, self.password, self.timeout)


# How the common servers (Oxigraph, Fuseki, GraphDB, RDF4J, Virtuoso, Stardog) end the URL of each
# service -> the roles such a URL can play. An unknown ending (a repository name) can play any,
# and so can /sparql, which Virtuoso, Fuseki and Blazegraph use for more than one service.
_SEGMENT_ROLES = {
    "query": ("query",),
    "update": ("update",),
    "statements": ("update",),
    **dict.fromkeys(
        ("store", "data", "rdf-graphs", "service", "sparql-graph-crud", "sparql-graph-crud-auth"),
        ("graph store",),
    ),
}


def check_endpoint_url(url: str, role: str, option: str) -> None:
    """Refuse, before anything is sent, a URL that is malformed or names another role.

    `role` is "query", "update" or "graph store"; `option` is how the user gave it.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 -- reading it checks the port is a number
    except ValueError as e:
        raise EndpointError(
            url,
            say(f"{option} : URL invalide ({e})", f"{option}: not a valid URL ({e})"),
        ) from None
    if parts.scheme not in ("http", "https") or not host:
        raise EndpointError(
            url,
            say(
                f"{option} : ce n'est pas une URL http(s) avec un hôte\n  conseil : écrivez "
                "l'URL entière, par ex. http://localhost:7878/query",
                f"{option}: not an http(s) URL with a host"
                "\n  hint: write the whole URL, e.g. http://localhost:7878/query",
            ),
        )
    last = parts.path.rstrip("/").rpartition("/")[2].lower()
    roles = _SEGMENT_ROLES.get(last)
    if roles is not None and role not in roles:
        raise EndpointError(
            url,
            say(
                f"{option} attend le point d'accès {_ROLE_FR[role]}, mais cette URL ressemble "
                f"à celui {' ou '.join(_ROLE_FR[r] for r in roles)} du serveur (elle finit "
                f"par /{last})\n  conseil : docs/sparql-servers.md donne, pour chaque serveur, "
                "les URL de requête, de mise à jour et de graph store (Oxigraph : /query, "
                "/update, /store)",
                f"{option} wants the {role} endpoint, but this URL looks like the server's "
                f"{' or '.join(roles)} endpoint (it ends in /{last})"
                "\n  hint: docs/sparql-servers.md lists each server's query, update and "
                "graph-store URLs (Oxigraph: /query, /update, /store)",
            ),
        )


# The roles above, as the French messages name them.
_ROLE_FR = {"query": "de requête", "update": "de mise à jour", "graph store": "graph store"}


def allowed_endpoints(extra: Iterable[str] = ()) -> list[str]:
    """An allow-list: `extra` (from --allow) plus the entries of $ESSKG_SPARQL_ALLOW."""
    from_env = os.environ.get(ALLOW_ENV, "").replace(",", " ").split()
    return [*extra, *from_env]


def check_allowed(url: str, allowed: Iterable[str]) -> None:
    """Raise EndpointError unless `url` is http(s) and on loopback or listed in `allowed`.

    An entry matches the URL itself, or every URL below it when the entry ends with '/'.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError as e:
        raise EndpointError(url, say(f"URL invalide ({e})", f"not a valid URL ({e})")) from None
    if parts.scheme not in ("http", "https") or not host:
        raise EndpointError(url, say("ce n'est pas une URL http(s)", "not an http(s) URL"))
    if host in LOOPBACK_HOSTS:
        return
    bare = parts._replace(query="", fragment="").geturl()
    for entry in allowed:
        if bare == entry or (entry.endswith("/") and bare.startswith(entry)):
            return
    raise EndpointError(
        url,
        say(
            f"point d'accès absent de la liste autorisée\n  conseil : passez --allow {bare} "
            f"ou ajoutez-le à ${ALLOW_ENV} si vous lui faites confiance",
            f"endpoint not in the allow-list\n  hint: pass --allow {bare} or add it to "
            f"${ALLOW_ENV} if you trust it",
        ),
    )


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
    # imported here: only a query sent to a server needs it, and `esskg query` on the embedded
    # store should not pay its import (0.02 s of a 0.25 s budget)
    from SPARQLWrapper import DIGEST, JSON, POST, TURTLE, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import (
        EndPointInternalError,
        EndPointNotFound,
        QueryBadFormed,
        SPARQLWrapperException,
        Unauthorized,
        URITooLong,
    )

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
            conn.url,
            say(
                f"le serveur a rejeté la requête (HTTP 400) : {_excerpt(e)}",
                f"the server rejected the query (HTTP 400): {_excerpt(e)}",
            ),
        ) from None
    except EndPointNotFound:
        raise EndpointError(
            conn.url,
            say(
                "pas de point d'accès SPARQL ici (HTTP 404) : vérifiez l'URL",
                "no SPARQL endpoint here (HTTP 404): check the URL",
            ),
        ) from None
    except URITooLong:
        raise EndpointError(
            conn.url,
            say(
                "le serveur a refusé une requête trop longue (HTTP 414)",
                "the server refused a long query (HTTP 414)",
            ),
        ) from None
    except EndPointInternalError as e:
        raise EndpointError(
            conn.url,
            say(
                f"le serveur a échoué (HTTP 500) : {_excerpt(e)}",
                f"the server failed (HTTP 500): {_excerpt(e)}",
            ),
        ) from None
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
            conn.url,
            say(
                f"réponse illisible ({content_type or 'sans type de contenu'}) : {e}",
                f"unreadable answer ({content_type or 'no content type'}): {e}",
            ),
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
                    say(
                        f"réponse de plus de {max_bytes} octets ; refusée\n  conseil : "
                        "restreignez la requête ou relevez la limite de taille",
                        f"answer larger than {max_bytes} bytes; refused\n"
                        "  hint: narrow the query or raise the size cap",
                    ),
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
        said = " ".join(body.split())[:300] or say("(pas de message)", "(no message)")
        super().__init__(url, say(f"HTTP {status} : {said}", f"HTTP {status}: {said}"))


def _refused(conn: Connection, status: int = 401) -> str:
    if conn.user:
        return say(
            f"identifiants refusés (HTTP {status}) pour l'utilisateur {conn.user!r} : "
            "vérifiez --user et --password-env",
            f"credentials refused (HTTP {status}) for user {conn.user!r}: "
            "check --user and --password-env",
        )
    return say(
        f"le serveur demande des identifiants (HTTP {status}) : donnez --user et "
        "--password-env VAR",
        f"the server wants credentials (HTTP {status}): give --user and --password-env VAR",
    )


def _network_problem(error: OSError, conn: Connection) -> str:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, TimeoutError | socket.timeout):
        return say(
            f"pas de réponse en {conn.timeout:g} s (délai dépassé) : le serveur est bloqué ou "
            "la requête trop lente",
            f"no answer within {conn.timeout:g} s (timed out): server hangs or query too slow",
        )
    if isinstance(reason, ConnectionRefusedError):
        return say(
            "connexion refusée : le serveur tourne-t-il sur cet hôte et ce port ?",
            "connection refused: is the server running on that host and port?",
        )
    if isinstance(reason, socket.gaierror):
        return say(
            f"hôte inconnu : {reason.strerror or reason}",
            f"unknown host: {reason.strerror or reason}",
        )
    why = os_message(reason) if isinstance(reason, OSError) else reason
    return say(f"serveur injoignable : {why}", f"cannot reach the server: {why}")


def _excerpt(error: Exception) -> str:
    """The server's own words: SPARQLWrapper puts its answer in the message as Python bytes."""
    text = str(error)
    head, sep, answer = text.partition("Response:\n")
    if sep:
        try:
            body = ast.literal_eval(answer.strip())
        except (ValueError, SyntaxError):
            body = answer
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        text = str(body) or head
    return " ".join(text.split())[:300]
