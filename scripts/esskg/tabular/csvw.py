"""The W3C CSVW metadata (csv-metadata.json) describing the CSV tables, from the column spec."""

from __future__ import annotations

import json

from esskg.namespaces import PREFIXES
from esskg.tabular.spec import Column, load_spec

CSV_DELIMITER = ";"
# CSVW's built-in datatype names for what each kind of cell holds.
_DATATYPES = {
    "integer": {"base": "integer", "minimum": 0},
    "duration": "duration",
    "date": {"base": "string", "format": r"\d{4}(-\d{2}(-\d{2})?)?"},
    "ref": "string",
    "territory": "string",
    "subject": "string",
}


def metadata(base: str) -> dict:
    """csv-metadata.json for one CSV per sheet (`<sheet>.csv`), identifiers under `base`."""
    tables = []
    for sheet in load_spec():
        key = sheet.key
        schema: dict = {
            "columns": [_column(c) for c in sheet.columns],
            "aboutUrl": base + "{" + key.name + "}",
        }
        if key.kind == "id":
            schema["primaryKey"] = key.name
        foreign = [
            {
                "columnReference": c.name,
                "reference": {"resource": f"{c.target_sheets[0]}.csv", "columnReference": "id"},
            }
            for c in sheet.columns
            if c.kind in ("ref", "subject") and len(c.target_sheets) == 1 and not c.separator
        ]
        if foreign:
            schema["foreignKeys"] = foreign
        tables.append({"url": f"{sheet.name}.csv", "tableSchema": schema})
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "fr"}],
        "dialect": {"delimiter": CSV_DELIMITER, "encoding": "utf-8", "header": True},
        "tables": tables,
    }


def _column(column: Column) -> dict:
    entry: dict = {
        "name": column.name,
        "titles": column.name,
        "dc:description": [
            {"@value": column.help_fr, "@language": "fr"},
            {"@value": column.help_en, "@language": "en"},
        ],
        "datatype": _DATATYPES.get(column.kind, "string"),
        "required": column.required,
    }
    if column.lang:
        entry["lang"] = column.lang
    if column.separator:
        entry["separator"] = column.separator
    if column.predicate:
        entry["propertyUrl"] = column.predicate
        if column.inverse:
            entry["dc:description"].append(
                {"@value": f"inverse of <{column.predicate}>", "@language": "en"}
            )
    if column.kind == "id":
        entry["propertyUrl"] = PREFIXES["rdf"] + "type"
        entry["valueUrl"] = column.target
        entry["suppressOutput"] = False
    if column.kind == "code":
        entry["dc:conformsTo"] = column.target
    return entry


def metadata_bytes(base: str) -> bytes:
    return (json.dumps(metadata(base), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
