"""The `suggest` verb: propose the UN SDG targets a cooperation serves, as SSSOM rows to review.

`esskg suggest sdg` ranks the 169 UN targets for each partnership, axis and activity of the
graph (or the nodes given with --for, or a pasted --text) and writes candidate rows, never into
data/. `esskg suggest accept FILE --row N` moves the rows a person accepted into the project's
data/mappings/sdg-links.sssom.tsv, where validation and the canned queries read them.
Everything runs offline: the targets come from the packaged UN SDG KOS (graph:un-sdg).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyoxigraph as ox

from esskg.atomic import write_atomically
from esskg.errors import display_path
from esskg.i18n import say
from esskg.link import read_source
from esskg.load import load_dataset, load_project
from esskg.namespaces import ESSKG, expand_curie
from esskg.resources import project
from esskg.sssom import read_mapping_set
from esskg.suggest import bench, evaluate
from esskg.suggest.embed import EmbeddingUnavailable
from esskg.suggest.evaluate import Ranker
from esskg.suggest.lexical import LexicalRanker, Passage
from esskg.suggest.nodes import Node, read_concept_links, read_goals, read_nodes, read_targets
from esskg.suggest.rankers import DEFAULT, RANKERS, ChainingRanker, make_ranker
from esskg.suggest.table import (
    TEXT_NAMESPACE,
    SuggestError,
    accept,
    render_suggestions,
    suggestions,
)

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "suggest",
        help=say(
            "propose des cibles ODD pour les coopérations du graphe, en lignes SSSOM à relire",
            "propose UN SDG targets for the graph's cooperations, as SSSOM rows to review",
        ),
        description=say(
            "Propose les cibles ODD que sert chaque partenariat, axe et activité, avec les mots "
            "qui justifient chacune, en une table SSSOM qu'une personne relit ; accept déplace "
            "les lignes retenues dans data/mappings/sdg-links.sssom.tsv. Hors ligne ; rien "
            "n'est écrit dans data/ avant accept.",
            "Propose the UN SDG targets each partnership, axis and activity serves, with the "
            "words that justify each, as an SSSOM table a person reviews; accept moves the "
            "chosen rows into data/mappings/sdg-links.sssom.tsv. Offline; nothing is written "
            "into data/ before accept.",
        ),
    )
    actions = parser.add_subparsers(
        dest="suggest_verb", metavar=say("ACTION", "ACTION"), required=True
    )

    sdg = actions.add_parser(
        "sdg",
        help=say(
            "classe les cibles ODD pour chaque nœud (ou --for, ou --text)",
            "rank the UN SDG targets for each node (or --for, or --text)",
        ),
        description=say(
            "Classe les 169 cibles ODD pour chaque partenariat, axe et activité du graphe, ou "
            "pour les nœuds donnés par --for, ou pour un --text collé ; écrit les meilleures en "
            "lignes SSSOM (sortie standard, ou -o FICHIER). Les paires que le graphe énonce "
            "déjà sont marquées [déjà présent].",
            "Rank the 169 UN SDG targets for each partnership, axis and activity of the graph, "
            "or for the nodes given with --for, or for a pasted --text; write the best as SSSOM "
            "rows (stdout, or -o FILE). Pairs the graph already states are marked "
            "[already present].",
        ),
    )
    sdg.add_argument(
        "--for",
        dest="nodes",
        action="append",
        metavar="IRI",
        help=say(
            "un nœud pour lequel proposer (IRI ou CURIE comme id:seconet) ; répétable",
            "a node to suggest for (IRI or CURIE such as id:seconet); repeatable",
        ),
    )
    sdg.add_argument(
        "--text",
        metavar=say("TEXTE", "TEXT"),
        help=say(
            "une description pour laquelle proposer, au lieu des nœuds du graphe (avec un seul "
            "--for : le nœud qu'elle décrit)",
            "a description to suggest for instead of the graph's nodes (with one --for: the "
            "node it describes)",
        ),
    )
    sdg.add_argument(
        "--lang",
        choices=("fr", "en"),
        # SUPPRESS: absent here, the --lang given before the verb stays (a default would win).
        default=argparse.SUPPRESS,
        help=say(
            "langue des messages, des libellés et des commentaires écrits (défaut fr) ; avec "
            "--text, la langue du texte (défaut : lu comme français et anglais)",
            "language of the messages, labels and comments written (default fr); with --text, "
            "the language of the text (default: read as French and English)",
        ),
    )
    sdg.add_argument(
        "--source",
        type=Path,
        metavar=say("FICHIER", "FILE"),
        help=say(
            "le KOS ODD des Nations unies d'où prendre les cibles (par ex. un export de "
            "metadata.un.org/sdg, en Turtle) ; défaut : la copie installée avec esskg "
            "(graph:un-sdg)",
            "the UN SDG KOS to take the targets from (e.g. a dump of metadata.un.org/sdg, "
            "Turtle); default: the copy packaged with esskg (graph:un-sdg)",
        ),
    )
    sdg.add_argument(
        "--top",
        type=int,
        default=5,
        metavar="N",
        help=say("cibles par nœud", "targets per node"),
    )
    sdg.add_argument(
        "--ranker",
        choices=RANKERS,
        default=DEFAULT,
        help=say(
            "lexical : BM25 sur les titres français et anglais des cibles ; embedding : les "
            "plongements installés de WordLlama ; hybrid : les deux, qui trouve quelques "
            "cibles de plus, pour deux fois le temps (docs/suggest.md) ; embedding et hybrid "
            "demandent pip install 'esskg[embed]'",
            "lexical: BM25 over the targets' French and English titles; embedding: "
            "WordLlama's packaged embeddings; hybrid: both, which finds a few more targets, "
            "for twice the time (docs/suggest.md); embedding and hybrid need pip install "
            "'esskg[embed]'",
        ),
    )
    sdg.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar=say("FICHIER.sssom.tsv", "FILE.sssom.tsv"),
        help=say(
            "où écrire les propositions (défaut : la sortie standard)",
            "where to write the suggestions (default: standard output)",
        ),
    )
    sdg.set_defaults(run=run_sdg)

    acc = actions.add_parser(
        "accept",
        help=say(
            "déplace les lignes de propositions relues dans data/mappings/sdg-links.sssom.tsv",
            "move reviewed suggestion rows into data/mappings/sdg-links.sssom.tsv",
        ),
        description=say(
            "Ajoute des lignes d'un fichier de propositions (toutes, ou celles données par "
            "--row) au data/mappings/sdg-links.sssom.tsv du projet, d'un seul coup ; les lignes "
            "déjà présentes, marquées [déjà présent], ou tirées d'un --text collé sont laissées "
            "de côté, et c'est dit.",
            "Append rows of a suggestions file (all, or those given with --row) to the "
            "project's data/mappings/sdg-links.sssom.tsv, atomically; rows already there, "
            "marked [already present], or made from a pasted --text are left out, and said so.",
        ),
    )
    acc.add_argument(
        "file",
        type=Path,
        metavar=say("FICHIER.sssom.tsv", "FILE.sssom.tsv"),
        help=say("les propositions relues", "the reviewed suggestions"),
    )
    acc.add_argument(
        "--row",
        dest="rows",
        type=int,
        action="append",
        metavar="N",
        help=say(
            "une ligne à accepter, numérotée à partir de 1 après l'en-tête des colonnes ; "
            "répétable (défaut : toutes celles qui ne sont pas déjà présentes)",
            "a row to accept, numbered from 1 after the column header; repeatable "
            "(default: every row not already present)",
        ),
    )
    acc.add_argument(
        "--author",
        metavar="CURIE",
        help=say(
            "author_id écrit sur les lignes (par ex. id:mon-equipe)",
            "author_id written on the rows (e.g. id:my-team)",
        ),
    )
    acc.set_defaults(run=run_accept)

    ev = actions.add_parser(
        "evaluate",
        help=say(
            "mesure les classements par rapport aux objectifs et cibles attendus (docs/suggest.md)",
            "measure the rankers against expected goals and targets (docs/suggest.md)",
        ),
        description=say(
            "Rappel de l'objectif attendu parmi les 3 premiers et de la cible parmi les 5 "
            "premières, en français et en anglais séparément, sur un TSV de descriptions (id, "
            "goals, targets, fr, en) et sur les liens ODD vérifiés du graphe, face à la seule "
            "comparaison aux titres des objectifs. Affiche du Markdown.",
            "Recall of the expected goal in the top 3 and target in the top 5, French and "
            "English separately, on a descriptions TSV (id, goals, targets, fr, en) and on the "
            "graph's curated SDG links, against matching the goal titles only. Prints Markdown.",
        ),
    )
    ev.add_argument(
        "descriptions",
        type=Path,
        metavar=say("FICHIER.tsv", "FILE.tsv"),
        help=say(
            "par ex. tests/fixtures/suggest/descriptions.tsv dans le dépôt d'esskg",
            "e.g. tests/fixtures/suggest/descriptions.tsv in esskg's repository",
        ),
    )
    ev.set_defaults(run=run_evaluate)

    be = actions.add_parser(
        "bench",
        help=say(
            "chronomètre les propositions pour N nœuds synthétiques, avec le pic de mémoire "
            "(docs/suggest.md)",
            "time suggestions for N synthetic nodes, with the peak memory (docs/suggest.md)",
        ),
    )
    be.add_argument(
        "--nodes",
        type=int,
        default=10_000,
        metavar="N",
        help=say("nombre de nœuds synthétiques", "number of synthetic nodes"),
    )
    be.add_argument("--ranker", choices=RANKERS, default=DEFAULT, help=say("classement", "ranker"))
    be.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar="N",
        help=say("graine du hasard", "random seed"),
    )
    be.set_defaults(run=run_bench)


def _iri(value: str) -> str:
    if value.startswith(("http://", "https://", "urn:")):
        return value
    expanded = expand_curie(value)
    if expanded is None:
        raise SuggestError(
            say(
                f"--for {value} : ni une IRI, ni un CURIE d'un préfixe connu\n  conseil : "
                "écrivez l'IRI entière (https://...) ou un CURIE comme id:seconet",
                f"--for {value}: neither an IRI nor a CURIE with a known prefix"
                "\n  hint: write the full IRI (https://...) or a CURIE such as id:seconet",
            )
        )
    return expanded


def run_sdg(args: argparse.Namespace) -> int:
    layout = project(args.root)
    if args.top < 1:
        raise SuggestError(say("--top vaut 1 ou plus", "--top must be 1 or more"))
    if args.output is not None and _inside(args.output, layout.data_dir):
        where = display_path(args.output)
        raise SuggestError(
            say(
                f"-o {where} : les propositions ne s'écrivent jamais dans data/\n  conseil : "
                "écrivez-les ailleurs, relisez-les, puis `esskg suggest accept FICHIER`",
                f"-o {where}: suggestions are never written into data/"
                "\n  hint: write them elsewhere, review them, then `esskg suggest accept FILE`",
            )
        )
    lang = args.lang or "fr"
    store = load_project(root=layout.root)
    source = read_source(args.source) if args.source else None
    targets = read_targets(store, source)
    if not targets:
        where = (
            display_path(args.source)
            if args.source
            else say("le graphe (data/un-sdg/)", "the graph (data/un-sdg/)")
        )
        raise SuggestError(
            say(
                f"pas de cibles ODD dans {where} : aucun skos:Concept du schéma "
                "<http://metadata.un.org/sdg> avec une notation comme 2.4 sous son objectif"
                "\n  conseil : donnez le KOS ODD des Nations unies (metadata.un.org/sdg), ou "
                "retirez --source",
                f"no UN SDG targets in {where}: no skos:Concept in the scheme "
                "<http://metadata.un.org/sdg> with a notation such as 2.4 under its goal"
                "\n  hint: give the UN SDG KOS (metadata.un.org/sdg), or leave out --source",
            )
        )
    ranker = ChainingRanker(make_ranker(args.ranker, targets), read_concept_links(store, targets))
    wanted = [_iri(v) for v in args.nodes or []]
    if args.text is not None:
        if len(wanted) > 1:
            raise SuggestError(
                say(
                    "--text décrit un seul nœud : donnez au plus un --for",
                    "--text describes one node: give at most one --for",
                )
            )
        subject = wanted[0] if wanted else TEXT_NAMESPACE + "1"
        nodes = [Node(subject, "", {}, (Passage("text", args.text, args.lang),))]
    else:
        nodes = read_nodes(store, wanted or None)
        if not nodes:
            print(
                say(
                    "esskg : pas de partenariat, d'axe ni d'activité dans ce graphe ; ajoutez "
                    "les vôtres sous data/ (esskg import), ou classez une description avec "
                    '--text "..."',
                    "esskg: no partnership, axis or activity in this graph; add yours under data/ "
                    '(esskg import), or rank a description with --text "..."',
                ),
                file=sys.stderr,
            )
        empty = [n.iri for n in nodes if not n.passages]
        if empty:
            raise SuggestError(
                say(
                    f"rien ne décrit {', '.join(empty)} dans le graphe (pas de libellé, de "
                    "description, de champ d'activité...)\n  conseil : vérifiez l'IRI ; `esskg "
                    "query describe-partnership --param partnership=...` montre ce que le "
                    "graphe dit d'un partenariat",
                    f"nothing describes {', '.join(empty)} in the graph (no label, description, "
                    "activity field...)\n  hint: check the IRI; `esskg query describe-partnership "
                    "--param partnership=...` shows what the graph says about a partnership",
                )
            )
    present = {
        (s.subject.value, s.object.value)
        for s in store.quads_for_pattern(None, ox.NamedNode(ESSKG + "contributesToSDG"), None)
    }
    rows = suggestions(nodes, ranker, top=args.top, lang=lang, present=present)
    title = (
        "Cibles ODD proposées par esskg suggest sdg, à relire"
        if lang == "fr"
        else "UN SDG targets proposed by esskg suggest sdg, to review"
    )
    data = render_suggestions(rows, title=title)
    new = sum(not r.present for r in rows)
    summary = say(
        f"esskg : {new} proposition(s) pour {len(nodes)} nœud(s), {len(rows) - new} déjà dans "
        "le graphe",
        f"esskg: {new} suggestion(s) for {len(nodes)} node(s), "
        f"{len(rows) - new} already in the graph",
    )
    if args.output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    else:
        write_atomically(args.output, data, verify=read_mapping_set)
        summary += say(
            f" ; écrites dans {display_path(args.output)}",
            f"; written to {display_path(args.output)}",
        )
    print(summary, file=sys.stderr)
    return 0


def run_accept(args: argparse.Namespace) -> int:
    layout = project(args.root)
    if layout.kind == "packaged":
        raise SuggestError(
            say(
                "le graphe installé avec esskg ne peut pas être modifié\n  conseil : créez un "
                "espace de travail (`esskg init DOSSIER`) et lancez accept dedans, ou passez "
                "-C DOSSIER",
                "the graph installed with esskg cannot be changed"
                "\n  hint: make a workspace (`esskg init DIR`) and run accept in it, or pass "
                "-C DIR",
            )
        )
    stated = frozenset(
        (q.subject.value, q.predicate.value, q.object.value)
        for q in load_dataset(root=layout.root).quads_for_predicate(
            ox.NamedNode(ESSKG + "contributesToSDG")
        )
    )
    table, added, skipped = accept(
        args.file, args.rows, layout.data_dir, author=args.author, stated=stated
    )
    for row, reason in skipped:
        where = f"{display_path(args.file)}:{row.line}"
        pair = f"{row.subject_id} -> {row.object_id}"
        print(
            say(
                f"esskg : {where} : {pair} laissée de côté : {reason}",
                f"esskg: {where}: {pair} left out: {reason}",
            ),
            file=sys.stderr,
        )
    print(
        say(
            f"esskg : {len(added)} ligne(s) ajoutée(s) à {display_path(table)}",
            f"esskg: {len(added)} row(s) added to {display_path(table)}",
        ),
        file=sys.stderr,
    )
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    layout = project(args.root)
    cases = evaluate.read_descriptions(args.descriptions)
    store = load_project(root=layout.root)
    targets = read_targets(store)
    links = read_concept_links(store, targets)
    lexical = LexicalRanker(targets)
    rankers: list[Ranker] = [lexical, ChainingRanker(lexical, links)]
    try:
        hybrid = make_ranker("hybrid", targets)
        rankers += [make_ranker("embedding", targets), hybrid, ChainingRanker(hybrid, links)]
    except EmbeddingUnavailable as e:
        print(
            say(
                f"esskg : {e} ; seul le classement lexical est mesuré",
                f"esskg: {e}; measuring the lexical ranker only",
            ),
            file=sys.stderr,
        )
    baseline = LexicalRanker(read_goals(store))
    baseline.name = "baseline: goal titles only"
    sets = {
        "descriptions, fr": cases["fr"],
        "descriptions, en": cases["en"],
        "curated links of the graph": evaluate.curated_cases(store, read_nodes(store)),
    }
    report = evaluate.table(
        rankers, baseline, sets, progress=lambda what: print(f"esskg: {what}", file=sys.stderr)
    )
    sys.stdout.write(report)
    return 0


def run_bench(args: argparse.Namespace) -> int:
    if args.nodes < 1:
        raise SuggestError(say("--nodes vaut 1 ou plus", "--nodes must be 1 or more"))
    sys.stdout.write(bench.run(args.nodes, args.ranker, root=args.root, seed=args.seed))
    return 0


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True
