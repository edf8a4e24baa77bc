"""Spreadsheets in and out: `esskg template`, `esskg import`, `esskg export`.

One column specification (columns.csv, read by spec.py) drives all of it: the template's sheets
and drop-downs, the CSVW metadata, reading rows into RDF, and writing the graph back as rows.
"""
