"""The benchmark table: printed on stdout and written into docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path

_ORDER = ("10k", "100k", "1M", "5M")


def _sizes(results: dict) -> list[str]:
    names = list(results["sizes"])
    return sorted(names, key=lambda n: results["sizes"][n]["triples_requested"])


def _s(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _rate(size: dict, key: str) -> str:
    return f"{size['triples'] / size[key] / 1e6:.2f}" if size.get(key) else "-"


def _baseline_cell(size: dict, key: str) -> str:
    base = size.get("baseline")
    if base is None:
        return "not run"
    if key in base:
        return _s(base[key])
    if base.get("timeout"):
        return "> 10 min" + (" (not rerun)" if base.get("skipped") else "")
    return "-"


def table_rows(results: dict) -> tuple[list[str], list[list[str]]]:
    """Header and rows: one row per measure, one column per size, then the target."""
    sizes = _sizes(results)
    data = [results["sizes"][n] for n in sizes]
    header = [
        "measure",
        *[f"{n} ({d['triples']:,} triples)" for n, d in zip(sizes, data, strict=True)],
        "target",
    ]
    rows: list[list[str]] = []

    def row(name: str, cells: list[str], target: str = "") -> None:
        rows.append([name, *cells, target])

    row("N-Triples file (MB)", [_s(d.get("file_mb")) for d in data])
    row("load, in memory: Store.load (s)", [_s(d.get("load_memory_s")) for d in data])
    row(
        "load rate, in memory (M triples/s)",
        [_rate(d, "load_memory_s") for d in data],
        "≥ 0.3",
    )
    row("load peak RSS, in memory (MB)", [_mb(d.get("load_memory_peak_mb")) for d in data])
    row("load, on disk: bulk_load (s)", [_s(d.get("load_s")) for d in data])
    row("load rate, on disk (M triples/s)", [_rate(d, "load_s") for d in data], "≥ 0.3")
    row("load peak RSS, on disk (MB)", [_mb(d.get("load_peak_mb")) for d in data])
    row("store used by validate, queries, build", [d.get("store", "disk") for d in data])
    row(f"validate, {results['engine']} (s)", [_s(d.get("validate_s")) for d in data])
    row("validation results", [str(d.get("results", "-")) for d in data])
    names = sorted({q for d in data for q in d.get("queries", {})})
    for name in names:
        cells = []
        for d in data:
            q = d.get("queries", {}).get(name)
            if q is None:
                cells.append("-")
            elif "timeout_s" in q:
                cells.append(f"> {q['timeout_s']} s" + (" (not rerun)" if q.get("skipped") else ""))
            else:
                cells.append(f"{q['median_s'] * 1000:,.0f} ({q['rows']:,} rows)")
        row(f"query {name} (ms, median of ≤ 3)", cells, "< 250 at 1M")
    row("dump Turtle, streamed (s)", [_s(d.get("dump_ttl_s")) for d in data])
    row("dump N-Triples, streamed (s)", [_s(d.get("dump_nt_s")) for d in data])
    row("dump sorted + canonical, esskg.dump today (s)", [_s(d.get("dump_sorted_s")) for d in data])
    row(
        "**build**: load + validate + both dumps (s)",
        [_s(d.get("build_s")) for d in data],
        "< 35 at 1M, < 240 at 5M",
    )
    row(
        "build peak RSS (MB)",
        [_mb(d.get("build_peak_mb")) for d in data],
        "< 1,536 at 1M, < 3,072 at 5M",
    )
    row("validate peak RSS (MB)", [_mb(d.get("validate_peak_mb")) for d in data])
    row("sorted dump peak RSS (MB)", [_mb(d.get("dump_sorted_peak_mb")) for d in data])
    row("baseline parse, rdflib Graph (s)", [_baseline_cell(d, "parse_s") for d in data])
    row("baseline validate, pyshacl (s)", [_baseline_cell(d, "validate_s") for d in data])
    row(
        "baseline build: parse + validate + dumps (s)", [_baseline_cell(d, "build_s") for d in data]
    )
    row(
        "baseline peak RSS (MB)",
        [_mb(d["baseline"].get("peak_mb")) if "baseline" in d else "-" for d in data],
    )
    ratios = []
    for d in data:
        base = d.get("baseline", {})
        if "build_s" in base and d.get("build_s"):
            ratios.append(f"{base['build_s'] / d['build_s']:.0f}x")
        elif base.get("timeout") and d.get("build_s"):
            ratios.append(f"> {base['elapsed_s'] / d['build_s']:.0f}x")
        else:
            ratios.append("-")
    row("**speed-up**, baseline build / build", ratios, "≥ 15x at 1M")
    return header, rows


def render_markdown(results: dict) -> str:
    header, rows = table_rows(results)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def render_text(results: dict) -> str:
    header, rows = table_rows(results)
    table = [header, *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    return (
        "\n".join(
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in table
        )
        + "\n"
    )


def write_doc(results: dict, path: Path) -> None:
    """docs/benchmarks.md: the table between markers, the rest of the page kept as written."""
    start, end = "<!-- bench:table -->", "<!-- /bench:table -->"
    m = results["machine"]
    block = (
        f"{start}\n"
        f"Measured with `{results['command']}` "
        f"(seed {results['seed']}, {results['violations']:.0%} seeded violations, "
        f"shapes `{results['shapes']}`).\n\n"
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}, "
        f"pyoxigraph {m['pyoxigraph']}, rdflib {m['rdflib']}, pyshacl {m['pyshacl']}, "
        f"pyshacl-turbo {m['pyshacl-turbo']}.\n\n" + render_markdown(results) + f"{end}"
    )
    text = (
        path.read_text(encoding="utf-8") if path.exists() else f"# Benchmarks\n\n{start}\n{end}\n"
    )
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
