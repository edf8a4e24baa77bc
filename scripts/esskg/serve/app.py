"""The Starlette application: routes, content negotiation, caching headers, the query pages."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from esskg.errors import QueryError
from esskg.i18n import say
from esskg.namespaces import ESSKG, PREFIXES, SDG, UNSDG, expand_curie, to_curie
from esskg.query import CannedQuery, bind_params, list_queries, with_limit
from esskg.render import sorted_list_text
from esskg.serve import pages, sparql
from esskg.serve.data import ServedData, quads
from esskg.serve.negotiate import (
    HTML,
    RESOURCE_FORMATS,
    TURTLE,
    Representation,
    by_key,
    choose,
    parse_accept,
    quality,
)
from esskg.serve.workers import RESULT_MEDIA, Job, PoolBusy, QueryTimeout, WorkerPool

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
_GRAPH_INFERRED = "https://w3id.org/esskg/graph/inferred"
_SUFFIX = re.compile(r"^(?P<path>.+)\.(?P<key>ttl|jsonld|nt|rdf|html)$")
_CACHE = "public, max-age=300"
_CORS = {"Access-Control-Allow-Origin": "*"}
_CHART_TIMEOUT = 600.0


@dataclass(frozen=True)
class Limits:
    """The endpoint's limits (esskg serve's options)."""

    timeout: float = 10.0
    workers: int = 2
    max_rows: int = 10_000
    budget: float = 30.0  # seconds of query time per client per minute
    queued: int = 4
    # Rows per page of an HTML results table: a browser never waits for the whole answer.
    page_rows: int = 100


class Server:
    """The state the routes share: the data, the pages' helpers, the worker pool, the budget."""

    def __init__(self, data: ServedData, limits: Limits, root: object) -> None:
        self.data = data
        self.limits = limits
        self.root = root
        self.env = pages.environment()
        self.site = pages.Site(data, self.env)
        self.budget = sparql.TimeBudget(limits.budget)
        self.pool: WorkerPool | None = None
        self.queries: list[CannedQuery] = list_queries(root)
        self._home: dict[str, Any] | None = None
        self.coverage: list[tuple[int, str, int]] = []
        self._choices: dict[tuple[str, str], list[tuple[str, str]]] = {}

    async def compute_coverage(self) -> None:
        """The home page's SDG chart, from the canned query sdg-coverage, once, in a worker.

        In the background and without the usual time limit: the packaged query reads counts kept
        in graph:inferred, but a workspace may replace it with a slower one of its own, and the
        server should answer meanwhile.
        """
        query = next((q for q in self.queries if q.name == "sdg-coverage"), None)
        if query is None or self.pool is None:
            return
        job = Job(query.text, "rows", None, 100)
        try:
            reply, _ = await self.pool.run(job, timeout=_CHART_TIMEOUT, wait=_CHART_TIMEOUT)
        except (PoolBusy, QueryTimeout):
            log.warning(
                say(
                    "esskg serve : le graphique des ODD n'a pu être calculé à temps ; pas de "
                    "graphique",
                    "esskg serve: the SDG chart could not be computed in time; no chart",
                )
            )
            return
        if reply[0] != "ok":
            return
        names, rows = reply[2][:2]
        try:
            at = {n: names.index(n) for n in ("goalNumber", "goalLabel", "partnerships")}
            self.coverage = [
                (int(r[at["goalNumber"]][1]), r[at["goalLabel"]][1], int(r[at["partnerships"]][1]))
                for r in rows
            ]
        except (ValueError, TypeError, IndexError):
            return  # a workspace's own sdg-coverage with other columns: no chart
        self._home = None

    def choices(self, query: CannedQuery, param: Any) -> list[tuple[str, str]]:
        """A parameter's drop-down, computed once (the vocabularies do not change meanwhile)."""
        key = (query.name, param.name)
        if key not in self._choices:
            self._choices[key] = _choices(self, param)
        return self._choices[key]

    def window(self, text: str, page: int | None) -> dict[str, Any]:
        """The Job fields for one page of an HTML table (none: the whole answer, to the cap).

        The page's LIMIT and OFFSET go into the text where `esskg query --limit --offset` puts
        them, so the engine skips the rows before the page and stops one row after it instead
        of producing the answer to the cap; a text it would not rewrite (not a SELECT, or with
        its own LIMIT, OFFSET or final VALUES), or that no longer parses once rewritten, is run
        as written and cut by the worker as it reads the rows.
        """
        if page is None:
            return {"query": text}
        start, size = page * self.limits.page_rows, self.limits.page_rows
        fields: dict[str, Any] = {"query": text, "offset": start, "page_rows": size}
        rows = max(0, min(start + size, self.limits.max_rows) - start)
        try:
            paged = with_limit(CannedQuery("page", Path("/page"), text), rows + 1, start)
        except QueryError:
            return fields
        return {**fields, "paged_query": paged.text}

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        body = self.env.get_template(template).render(
            version=self.data.version, description=self.data.description, **context
        )
        return HTMLResponse(body, status_code=status, headers=self.common_headers())

    def common_headers(self) -> dict[str, str]:
        return {"X-Esskg-Dataset-Version": self.data.version}

    def etag(self, *parts: str) -> str:
        hasher = hashlib.sha256(self.data.digest.encode())
        for part in parts:
            hasher.update(b"\0" + part.encode())
        return f'"{hasher.hexdigest()[:32]}"'

    def error(
        self, request: Request, status: int, message: str, headers: dict[str, str] | None = None
    ) -> Response:
        headers = {**self.common_headers(), **(headers or {})}
        if _wants_html(request):
            response = self.render("error.html", status=status, status_code=status, message=message)
            response.headers.update(headers)
            return response
        return PlainTextResponse(message + "\n", status_code=status, headers=headers)

    async def run(self, request: Request, job: Job) -> tuple[str, Any, bool]:
        """A query through the pool: (kind, body, truncated); ProtocolError on every refusal."""
        client = request.client.host if request.client else "unknown"
        self.budget.check(client)
        assert self.pool is not None
        try:
            reply, seconds = await self.pool.run(job)
        except PoolBusy:
            raise sparql.ProtocolError(
                503,
                "the server is answering as many queries as it can; try again in a few seconds",
                {"Retry-After": "2"},
            ) from None
        except QueryTimeout:
            self.budget.charge(client, self.limits.timeout)
            raise sparql.ProtocolError(
                504,
                f"the query was stopped after {self.limits.timeout:g} s; add a LIMIT, narrow its "
                "patterns, or run it on a local copy (esskg query --file)",
            ) from None
        self.budget.charge(client, seconds)
        if reply[0] == "error":
            raise sparql.ProtocolError(reply[1], reply[2])
        return reply[1], reply[2], reply[3]


def create_app(data: ServedData, limits: Limits | None = None, root: object = None) -> Any:
    """The application over `data`; its lifespan starts and stops the query workers."""
    server = Server(data, limits or Limits(), root)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        server.pool = WorkerPool(
            str(data.store_path), server.limits.workers, server.limits.timeout, server.limits.queued
        )
        await server.pool.start()
        chart = asyncio.get_running_loop().create_task(server.compute_coverage())
        try:
            yield
        finally:
            chart.cancel()
            with contextlib.suppress(BaseException):
                await chart
            await server.pool.close()

    async def home(request: Request) -> Response:
        if server._home is None:
            server._home = pages.home_page(server.site, server.coverage)
        etag = server.etag("home", str(bool(server.coverage)))
        if _not_modified(request, etag):
            return _304(etag)
        response = server.render("home.html", **server._home, queries=server.queries)
        response.headers.update({"ETag": etag, "Cache-Control": _CACHE})
        return response

    async def resource(request: Request) -> Response:
        iri = request.query_params.get("iri", "")
        if not iri or not server.site.known(iri):
            return server.error(
                request,
                404,
                f"the graph says nothing about {iri or 'this IRI'}; check the address, "
                "or search with /sparql",
            )
        return describe(request, iri, f"/resource?{urllib.parse.urlencode({'iri': iri})}")

    async def dereference(request: Request) -> Response:
        path = request.url.path
        for candidate in server.site.iris_for_path(path):
            if server.site.known(candidate):
                return describe(request, candidate, path)
        suffix = _SUFFIX.match(path)
        if suffix:
            for candidate in server.site.iris_for_path(suffix["path"]):
                if server.site.known(candidate):
                    return describe(
                        request, candidate, suffix["path"], by_key(suffix["key"], RESOURCE_FORMATS)
                    )
        return server.error(
            request,
            404,
            f"no resource at {path}: the graph does not know this IRI; start from the home page /",
        )

    def describe(
        request: Request, iri: str, local: str, forced: Representation | None = None
    ) -> Response:
        key = request.query_params.get("format")
        if forced is None and key:
            forced = by_key(key, RESOURCE_FORMATS)
            if forced is None:
                return _406(server, request, local)
        rep = forced or choose(request.headers.get("accept"), RESOURCE_FORMATS)
        if rep is None:
            return _406(server, request, local)
        joiner = "&" if "?" in local else "?"
        headers = {
            **server.common_headers(),
            "Vary": "Accept",
            "Link": ", ".join(
                f'<{local}{joiner}format={r.key}>; rel="alternate"; type="{r.media_type}"'
                for r in RESOURCE_FORMATS
                if r != rep
            ),
            "Content-Location": f"{local}{joiner}format={rep.key}",
            "Cache-Control": _CACHE,
        }
        etag = server.etag(iri, rep.key)
        headers["ETag"] = etag
        if rep is not HTML:
            headers.update(_CORS)
        if _not_modified(request, etag):
            return Response(status_code=304, headers=headers)
        if rep is HTML:
            context = pages.resource_page(server.site, iri)
            alternates = [
                (r.key, r.media_type, f"{local}{joiner}format={r.key}")
                for r in RESOURCE_FORMATS
                if r is not HTML
            ]
            response = server.render("resource.html", **context, alternates=alternates)
            response.headers.update(headers)
            return response
        triples = representation(data, iri)
        body = ox.serialize(triples, format=rep.rdf_format, prefixes=_prefixes(rep, triples))
        return Response(body, media_type=rep.media_type, headers=headers)

    async def incoming(request: Request) -> Response:
        iri = request.query_params.get("iri", "")
        predicate = request.query_params.get("p") or None
        try:
            page = max(0, int(request.query_params.get("page", "0")))
        except ValueError:
            return server.error(request, 400, "page must be a number (0 is the first page)")
        if not iri or not server.site.known(iri):
            return server.error(request, 404, f"the graph says nothing about {iri or 'this IRI'}")
        groups = pages.incoming(server.site, ox.NamedNode(iri), predicate, page, size=100)
        return server.render(
            "incoming.html", title=server.site.iri_view(iri), groups=groups, page=page
        )

    async def queries_list(request: Request) -> Response:
        return server.render("queries.html", queries=server.queries)

    async def canned(request: Request) -> Response:
        name = request.path_params["name"]
        query = next((q for q in server.queries if q.name == name), None)
        if query is None:
            return server.error(request, 404, f"no canned query named {name}; see /queries")
        given = {
            p.name: request.query_params[p.name]
            for p in query.params
            if request.query_params.get(p.name)
        }
        fields = [
            (p, server.choices(query, p), given.get(p.name, p.default or "")) for p in query.params
        ]
        fmt = request.query_params.get("format", "html")
        context: dict[str, Any] = {"query": query, "fields": fields, "given": given}
        if "run" not in request.query_params and fmt == "html":
            return server.render("query.html", **context)
        page = _page(request.query_params.get("page"))
        if page is None:
            return server.render("query.html", status=400, error=_PAGE_ERROR, **context)
        try:
            substitutions = {v.value: _term_tuple(t) for v, t in bind_params(query, given).items()}
        except QueryError as e:
            return server.render("query.html", status=400, error=str(e), **context)
        results_format = fmt if fmt in ("csv", "json", "tsv", "xml") else "rows"
        job = Job(
            results_format=results_format,
            graph_format="TURTLE",
            max_rows=server.limits.max_rows,
            substitutions=substitutions,
            **server.window(query.text, page if results_format == "rows" else None),
        )
        try:
            kind, body, truncated = await server.run(request, job)
        except sparql.ProtocolError as e:
            if fmt != "html":
                return server.error(request, e.status, e.message, e.headers)
            return server.render("query.html", status=e.status, error=e.message, **context)
        headers = _truncated_headers(server, truncated)
        if results_format != "rows":
            headers["Content-Disposition"] = f'attachment; filename="{query.name}.{fmt}"'
            return Response(body, media_type=RESULT_MEDIA[fmt], headers=headers)
        downloads = {
            f: "?" + urllib.parse.urlencode({**given, "run": "1", "format": f})
            for f in ("csv", "json")
        }
        result = _table(server, kind, body, query.sorted_lists)
        link = {**given, "run": "1"}
        response = server.render(
            "query.html",
            **context,
            result=result,
            truncated=truncated,
            max_rows=server.limits.max_rows,
            downloads=downloads,
            pager={
                key: "?" + urllib.parse.urlencode({**link, "page": n})
                for key, n in _pages(result, page).items()
            },
        )
        response.headers.update(headers)
        return response

    async def endpoint(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(
                status_code=204,
                headers={
                    **_CORS,
                    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                    "Access-Control-Allow-Headers": "Content-Type, Accept",
                    "Access-Control-Max-Age": "86400",
                },
            )
        if request.method not in ("GET", "POST"):
            return server.error(
                request,
                403,
                "this endpoint is read-only: no update, no graph store writes",
                {**_CORS, "Allow": "GET, POST, OPTIONS"},
            )
        try:
            parsed = await sparql.read_request(request)
            html = _wants_html(request) or (parsed is not None and parsed.format_key == "html")
            if parsed is None:
                if html:
                    return server.render("sparql.html", text=_EXAMPLE, queries=server.queries)
                return service_description(request)
            if html:
                page = _page(parsed.page)
                if page is None:
                    raise sparql.ProtocolError(400, _PAGE_ERROR)
                job = Job(
                    results_format="rows",
                    graph_format="TURTLE",
                    max_rows=server.limits.max_rows,
                    default_graphs=parsed.default_graphs,
                    named_graphs=parsed.named_graphs,
                    **server.window(parsed.query, page),
                )
                try:
                    kind, body, truncated = await server.run(request, job)
                except sparql.ProtocolError as e:
                    return server.render(
                        "sparql.html",
                        status=e.status,
                        text=parsed.query,
                        error=e.message,
                        queries=server.queries,
                    )
                result = _table(server, kind, body)
                response = server.render(
                    "sparql.html",
                    text=parsed.query,
                    result=result,
                    truncated=truncated,
                    max_rows=server.limits.max_rows,
                    queries=server.queries,
                    pager=_pages(result, page),
                )
                response.headers.update(_truncated_headers(server, truncated))
                return response
            results, graph = sparql.result_formats(request.headers.get("accept"), parsed.format_key)
            job = Job(
                parsed.query,
                results,
                graph,
                server.limits.max_rows,
                default_graphs=parsed.default_graphs,
                named_graphs=parsed.named_graphs,
            )
            kind, body, truncated = await server.run(request, job)
        except sparql.ProtocolError as e:
            return server.error(request, e.status, e.message, {**_CORS, **e.headers})
        media = sparql.graph_media(graph) if kind == "graph" else RESULT_MEDIA[results or "json"]
        headers = {**_CORS, **_truncated_headers(server, truncated), "Vary": "Accept"}
        return Response(body, media_type=media, headers=headers)

    def service_description(request: Request) -> Response:
        rep = (
            choose(
                request.headers.get("accept"), tuple(r for r in RESOURCE_FORMATS if r is not HTML)
            )
            or TURTLE
        )
        base = str(request.base_url).rstrip("/") + "/sparql"
        sd = "http://www.w3.org/ns/sparql-service-description#"
        node = ox.NamedNode(base)
        triples = [
            ox.Triple(node, ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(sd + "Service")),
            ox.Triple(node, ox.NamedNode(sd + "endpoint"), node),
            ox.Triple(
                node, ox.NamedNode(sd + "supportedLanguage"), ox.NamedNode(sd + "SPARQL11Query")
            ),
            ox.Triple(node, ox.NamedNode(sd + "feature"), ox.NamedNode(sd + "UnionDefaultGraph")),
        ]
        for media in [m for _, m in sparql.RESULT_FORMATS] + [m for _, m in sparql.GRAPH_FORMATS]:
            triples.append(ox.Triple(node, ox.NamedNode(sd + "resultFormat"), ox.Literal(media)))
        body = ox.serialize(
            triples, format=rep.rdf_format, prefixes=_prefixes(rep, triples) | {"sd": sd}
        )
        return Response(body, media_type=rep.media_type, headers={**_CORS, "Vary": "Accept"})

    routes = [
        Route("/", home),
        Route("/resource", resource),
        Route("/incoming", incoming),
        Route("/queries", queries_list),
        Route("/queries/{name}", canned),
        Route("/sparql", endpoint, methods=["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Route("/{path:path}", dereference),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.server = server
    return _LastLineOfDefence(app)


class _LastLineOfDefence:
    """A bug in a route: one line in the server's log, a plain 500 for the visitor, no trace."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.state = app.state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = False

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as e:
            if scope["type"] != "http":
                raise
            what = f"{type(e).__name__}: {str(e)[:200]}"
            log.error("internal error on %s %s (%s)", scope["method"], scope["path"], what)
            if not started:
                response = PlainTextResponse(
                    "internal error in esskg serve: please report it with the address you opened\n",
                    status_code=500,
                )
                await response(scope, receive, send)


_EXAMPLE = """PREFIX esskg: <https://w3id.org/esskg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?partnership ?label WHERE {
  ?partnership a esskg:Partnership ; rdfs:label ?label .
  FILTER(LANG(?label) = "fr")
}
LIMIT 100
"""


def representation(data: ServedData, iri: str) -> list[ox.Triple]:
    """The resource's statements as written (graph:inferred left out: it is derived), with its
    blank nodes to depth 3; for a document such as /ontology, its #terms too."""
    subjects: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(iri)] + [
        ox.NamedNode(t) for t in data.hash_terms.get(iri, [])
    ]
    triples: dict[ox.Triple, None] = {}
    seen: set[object] = set()
    depth = 0
    while subjects and depth <= pages.BLANK_DEPTH:
        nested: list[ox.NamedNode | ox.BlankNode] = []
        for subject in subjects:
            if subject in seen:
                continue
            seen.add(subject)
            for quad in data.out(subject):
                if getattr(quad.graph_name, "value", "") == _GRAPH_INFERRED:
                    continue
                triples[quad.triple] = None
                if isinstance(quad.object, ox.BlankNode):
                    nested.append(quad.object)
        subjects = nested
        depth += 1
    return sorted(triples, key=str)


def _prefixes(rep: Representation, triples: list[ox.Triple] | None = None) -> dict[str, str]:
    """The prefixes the triples use, for the formats that can say them (Turtle, RDF/XML)."""
    if rep.rdf_format not in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        return {}
    if triples is None:
        return dict(PREFIXES)
    used = {
        term.value
        for t in triples
        for term in (t.subject, t.predicate, t.object, getattr(t.object, "datatype", None))
        if isinstance(term, ox.NamedNode)
    }
    return {p: ns for p, ns in PREFIXES.items() if any(iri.startswith(ns) for iri in used)}


def _wants_html(request: Request) -> bool:
    """A browser: it names text/html and likes it at least as much as results or Turtle."""
    ranges = parse_accept(request.headers.get("accept"))
    if not any(media == "text/html" for media, _ in ranges):
        return False
    html = quality("text/html", ranges)
    rivals = ("application/sparql-results+json", "text/turtle", "application/ld+json")
    return html > 0 and html >= max(quality(m, ranges) for m in rivals)


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    return header.strip() == "*" or etag in {
        t.strip().removeprefix("W/") for t in header.split(",")
    }


def _304(etag: str) -> Response:
    return Response(status_code=304, headers={"ETag": etag, "Cache-Control": _CACHE})


def _406(server: Server, request: Request, local: str) -> Response:
    listing = ", ".join(f"{r.media_type} (?format={r.key})" for r in RESOURCE_FORMATS)
    return PlainTextResponse(
        f"none of the formats you accept is available for {local}; available: {listing}\n",
        status_code=406,
        headers={**server.common_headers(), "Vary": "Accept"},
    )


def _truncated_headers(server: Server, truncated: bool) -> dict[str, str]:
    return {"X-SPARQL-MaxRows": str(server.limits.max_rows)} if truncated else {}


def _term_tuple(term: ox.NamedNode | ox.Literal) -> tuple[str, ...]:
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    return ("literal", term.value, term.datatype.value, term.language or "")


def _table(
    server: Server, kind: str, body: Any, sorted_lists: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A worker's answer as the HTML table shows it: linked terms, or Turtle for a graph; the
    parts of a canned query's `# sorted-list:` cells in order."""
    if kind == "graph":
        return {"turtle": body.decode("utf-8")}
    names, rows, offset, more = body
    views = []
    for row in rows:
        cells = []
        for name, cell in zip(names, row, strict=True):
            if cell is not None and cell[0] == "literal" and name in sorted_lists:
                cell = (cell[0], sorted_list_text(cell[1]), *cell[2:])
            if cell is None:
                cells.append(None)
            elif cell[0] == "iri":
                cells.append(server.site.iri_view(cell[1]))
            elif cell[0] == "bnode":
                cells.append(pages.TermView("bnode", f"_:{cell[1]}"))
            else:
                cells.append(
                    server.site.view(
                        ox.Literal(cell[1], language=cell[3])
                        if cell[3]
                        else ox.Literal(cell[1], datatype=ox.NamedNode(cell[2]))
                    )
                )
        views.append(cells)
    return {"names": names, "rows": views, "first": offset + 1, "more": more}


def _page(text: str | None) -> int | None:
    """The page asked for (0 when none); None when it is not a page number."""
    if not text:
        return 0
    return int(text) if text.isdigit() and len(text) < 9 else None


_PAGE_ERROR = "page must be a number (0 is the first page)"


def _pages(result: dict[str, Any], page: int) -> dict[str, int]:
    """The previous and next pages of a results table, where there are some."""
    pages = {}
    if page > 0 and "rows" in result:
        pages["previous"] = page - 1
    if result.get("more"):
        pages["next"] = page + 1
    return pages


def _choices(server: Server, param: Any) -> list[tuple[str, str]]:
    """Drop-down options for a parameter, from the vocabularies; [] means a text field."""
    data = server.data
    if param.type == "sdg":
        goals = [
            (str(n), f"ODD {n} - {(data.label(SDG + str(n)) or ('',))[0]}") for n in range(1, 18)
        ]
        targets = sorted(
            (iri[len(UNSDG) :], f"cible {iri[len(UNSDG) :]} - {(data.label(iri) or ('',))[0][:90]}")
            for iri in data.labels
            if iri.startswith(UNSDG) and re.fullmatch(r"\d+\.[0-9a-z]+", iri[len(UNSDG) :])
        )
        targets.sort(key=lambda t: [int(x) if x.isdigit() else ord(x) for x in t[0].split(".")])
        return goals + targets
    if param.type != "iri":
        return []
    class_iri = ox.NamedNode(ESSKG + param.name[:1].upper() + param.name[1:])
    members = {
        q.subject.value
        for q in quads(data, None, ox.NamedNode(PREFIXES["rdf"] + "type"), class_iri)
        if isinstance(q.subject, ox.NamedNode)
    }
    if not members:
        example = param.default or next(
            iter(re.findall(r"\b([a-z]+:[\w-]+)", param.description)), None
        )
        namespace = expand_curie(example.split(":")[0] + ":") if example else None
        if namespace:
            members = {iri for iri in data.labels if iri.startswith(namespace) and iri != namespace}
    options = [(to_curie(iri), (data.label(iri) or (to_curie(iri),))[0]) for iri in members]
    return sorted(options, key=lambda o: o[1].lower())[:1000]
