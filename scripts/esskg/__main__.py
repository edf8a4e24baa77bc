"""Lets `python -m esskg` behave like the `esskg` script."""

from esskg.cli import main_entry

main_entry()
