"""esskg: tooling for the social and solidarity economy knowledge graph."""

__version__ = "0.1.0"
