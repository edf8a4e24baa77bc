"""The release's HTML: the ontology documentation (pyLODE) and the index.html landing page.

Everything put into the landing page goes through html.escape; the page is one file with its CSS
and its SVG chart inline, so it reads the same offline, from a portal or from a file:// URL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pyoxigraph as ox

from esskg.publish.citation import SourceDocument
from esskg.query import run_query

__all__ = [
    "ExampleQuery",
    "WorkspaceText",
    "landing_page",
    "ontology_html",
    "sdg_chart_svg",
    "sdg_coverage",
]

log = logging.getLogger(__name__)

# The UN's official colours of the 17 goals, so the chart reads like every other SDG picture.
SDG_COLOURS = (
    "#E5243B", "#DDA63A", "#4C9F38", "#C5192D", "#FF3A21", "#26BDE2", "#FCC30B", "#A21942",
    "#FD6925", "#DD1367", "#FD9D24", "#BF8B2E", "#3F7E44", "#0A97D9", "#56C02B", "#00689D",
    "#19486A",
)  # fmt: skip


@dataclass(frozen=True)
class ExampleQuery:
    """A canned query as shown on the page: its text and its result table."""

    title: str
    description: str
    text: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: int


@dataclass(frozen=True)
class WorkspaceText:
    """What the page says of a workspace's dataset in place of esskg's own words."""

    title: str
    model_version: str  # the esskg version whose ontology and shapes the data was checked against
    licence_name: str
    with_source: bool  # the source document's cases are included


def ontology_html(ontology_turtle: bytes) -> bytes:
    """The ontology documentation by pyLODE, offline (its background ontologies are local)."""
    from pylode import OntPub
    from rdflib import Graph

    graph = Graph().parse(data=ontology_turtle.decode("utf-8"), format="turtle")
    return OntPub(ontology=graph).make_html().encode("utf-8")


def sdg_coverage(store: ox.Store, root: Path | str | None = None) -> list[tuple[int, str, int]]:
    """For each goal 1-17: its number, its French label and how many partnerships serve it.

    The canned query sdg-coverage answers it (a partnership serves a goal when it, one of its axes
    or one of their activities is linked to the goal or to one of its targets).
    """
    return [
        (int(row["goalNumber"].value), row["goalLabel"].value, int(row["partnerships"].value))
        for row in run_query(store, "sdg-coverage", root=root)
    ]


def sdg_chart_svg(coverage: list[tuple[int, str, int]]) -> str:
    """A horizontal bar chart, one bar per goal, as inline SVG (no script, no external file)."""
    top = max((count for _, _, count in coverage), default=0) or 1
    bar_h, gap, left, width = 18, 6, 430, 300
    height = len(coverage) * (bar_h + gap) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="sdg-chart" role="img" '
        f'width="{left + width + 60}" height="{height}" viewBox="0 0 {left + width + 60} {height}" '
        f'aria-labelledby="sdg-chart-title">',
        '<title id="sdg-chart-title">Nombre de partenariats par ODD</title>',
    ]
    for i, (goal, label, count) in enumerate(coverage):
        y = i * (bar_h + gap) + 4
        w = round(width * count / top)
        colour = SDG_COLOURS[goal - 1]
        parts.append(
            f'<g class="bar" data-goal="{goal}" data-count="{count}">'
            f'<text x="{left - 8}" y="{y + 13}" text-anchor="end" font-size="12">'
            f"{escape(label)}</text>"
            f'<rect x="{left}" y="{y}" width="{max(w, 1)}" height="{bar_h}" fill="{colour}">'
            f"<title>{escape(label)} : {count}</title></rect>"
            f'<text x="{left + max(w, 1) + 6}" y="{y + 13}" font-size="12">{count}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


_SUBTITLE = "l'ESS dans la coopération européenne et internationale"
_TITLE = f"esskg : {_SUBTITLE}"
_ABOUT = """<p>esskg est un graphe de connaissances ouvert des acteurs de l'économie sociale et \
solidaire (ESS),
des territoires et des partenariats de coopération décentralisée, européenne et internationale :
leurs axes, leurs actions, qui y participe et avec quel rôle, et les Objectifs de développement
durable (ODD) qu'ils servent. Chaque énoncé est rangé dans un graphe nommé qui dit d'où il vient :
le document
source, les compléments d'esskg, ses correspondances.</p>"""


def _about_workspace(workspace: WorkspaceText) -> str:
    source = (
        " Il reprend aussi les quatre cas du document source d'esskg, dans leurs propres graphes "
        "nommés, avec leur provenance."
        if workspace.with_source
        else ""
    )
    return (
        f"<p>{escape(workspace.title)} est un graphe de connaissances de partenariats de "
        "coopération, de leurs acteurs et territoires, et des Objectifs de développement durable "
        "(ODD) qu'ils servent, décrit avec le modèle esskg et vérifié par ses formes SHACL "
        f"(esskg {escape(workspace.model_version)}).{source} Chaque énoncé est rangé dans un "
        "graphe nommé qui dit d'où il vient.</p>"
    )


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} o"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} Kio"
    return f"{n / 1024 / 1024:.1f} Mio"


_CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;
line-height:1.5}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.2rem .5rem;
text-align:left;
font-size:.9rem}th{background:#f3f3f3}pre{background:#f6f6f6;padding:.6rem;overflow:auto;font-size:.85rem}
code{font-size:.9em}.size{text-align:right;white-space:nowrap}
"""


def landing_page(
    *,
    version: str,
    date: str,
    base_url: str,
    downloads: list[tuple[str, str, int]],
    stats: dict[str, object],
    examples: list[ExampleQuery],
    chart_svg: str,
    data_licence: str,
    ontology_licence: str,
    creators: list[str],
    source: SourceDocument | None = None,
    sparql_endpoint: str | None = None,
    schema_org: str = "",
    workspace: WorkspaceText | None = None,
) -> bytes:
    """index.html: the dataset, the downloads, example queries, the chart, licence, citation.

    `downloads` holds (file name, description, size in bytes, licence); `chart_svg` is trusted
    markup made by sdg_chart_svg (which escapes its own labels), `schema_org` JSON-LD made safe
    for a script element by citation.schema_org_jsonld; every other string is escaped here.
    """
    e = escape
    rows = "\n".join(
        f'<tr><td><a href="{e(name)}" download>{e(name)}</a></td><td>{e(what)}</td>'
        f'<td class="size" data-bytes="{size}">{e(_size(size))}</td><td>{e(licence)}</td></tr>'
        for name, what, size, licence in downloads
    )
    query_parts = []
    for q in examples:
        head = "".join(f"<th>{e(c)}</th>" for c in q.columns)
        body = "\n".join(
            "<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in q.rows
        )
        more = f"<p>… {q.total - len(q.rows)} autres lignes.</p>" if q.total > len(q.rows) else ""
        query_parts.append(
            f"<h3>{e(q.title)}</h3><p>{e(q.description)}</p><pre><code>{e(q.text)}</code></pre>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"
        )
    queries_html = (
        "\n".join(query_parts) or "<p>Aucune requête d'exemple dans cette publication.</p>"
    )
    title = workspace.title if workspace else _TITLE
    citation = (
        f"{', '.join(creators)} ({date[:4]}). {title}, version {version} [jeu de données]. "
        f"{base_url}"
    )
    about = _about_workspace(workspace) if workspace else _ABOUT
    head_title = f"{e(title)} {e(version)}" if workspace else f"esskg {e(version)} : {_SUBTITLE}"
    licence_html = (
        f'<a href="{e(data_licence)}">{e(workspace.licence_name)}</a>'
        if workspace
        else f'<a href="{e(data_licence)}">Licence Ouverte / Open Licence 2.0</a> (Etalab)'
    )
    merged = (
        "contiennent les données sous leur licence, l'ontologie d'esskg sous CC BY 4.0 et ses "
        "vocabulaires sous Licence Ouverte 2.0"
        if workspace
        else "contiennent les deux : les données sous Licence Ouverte 2.0, l'ontologie sous\n"
        "CC BY 4.0"
    )
    source_html = ""
    if source is not None:
        title = next((t.value for t in source.titles if t.language == "fr"), source.titles[0].value)
        by = ", ".join(name for _, name in source.publishers)
        when = source.date.value if source.date is not None else ""
        details = ", ".join(x for x in (by, when) if x)
        source_html = (
            f"<p>Source : <cite>{e(title)}</cite>{e(', ' + details) if details else ''}.</p>"
        )
    endpoint_html = (
        f'<p>Point d\'accès SPARQL : <a href="{e(sparql_endpoint)}">{e(sparql_endpoint)}</a></p>'
        if sparql_endpoint
        else ""
    )
    schema_html = (
        f'<script type="application/ld+json">\n{schema_org}\n</script>\n' if schema_org else ""
    )
    html = f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{head_title}</title>
<style>{_CSS}</style>
{schema_html}</head>
<body>
<header>
<h1>{e(title) if workspace else _TITLE}</h1>
<p>Version <strong>{e(version)}</strong>,
publiée le <time datetime="{e(date)}">{e(date)}</time>.</p>
</header>
<section id="about">
<h2>Le jeu de données</h2>
{about}
<p>{e(str(stats["triples"]))} triplets, {e(str(stats["entities"]))} entités,
{e(str(stats["classes"]))} classes, {e(str(stats["properties"]))} propriétés.
Description complète (DCAT-AP et VoID) : <a href="catalog.ttl">catalog.ttl</a> ;
ontologie documentée : <a href="ontology.html">ontology.html</a>.</p>
{source_html}{endpoint_html}</section>
<section id="downloads">
<h2>Téléchargements</h2>
<table><thead><tr><th>fichier</th><th>contenu</th><th>taille</th><th>licence</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<p>Les sommes de contrôle SHA-256 de chaque fichier sont dans
<a href="catalog.ttl">catalog.ttl</a>.</p>
</section>
<section id="sdg-coverage">
<h2>Les ODD que servent les partenariats</h2>
<p>Nombre de partenariats qui servent chaque objectif : le partenariat, un de ses axes ou une de
leurs actions est relié à l'objectif ou à une de ses cibles (table des correspondances esskg).</p>
{chart_svg}
</section>
<section id="queries">
<h2>Exemples de requêtes</h2>
<p>Les requêtes SPARQL livrées avec esskg (<code>esskg query NOM</code>)
et leurs résultats sur cette version.</p>
{queries_html}
</section>
<section id="licence">
<h2>Licence et citation</h2>
<p>Données : {licence_html}.
Ontologie : <a href="{e(ontology_licence)}">CC BY 4.0</a>. Les graphes fusionnés
(<code>esskg.*</code>) {merged}.</p>
<p>Citer : <cite>{e(citation)}</cite></p>
</section>
</body>
</html>
"""
    return html.encode("utf-8")
