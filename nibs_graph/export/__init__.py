"""Exports and figures: RDF (Turtle, N-Triples, JSON-LD), GraphML, Cytoscape.js JSON, a self-contained HTML
view and matplotlib figures.

Heavy libraries (rdflib, networkx, pyvis, matplotlib) are imported inside the functions that need them, so
importing this package costs nothing.

>>> from nibs_graph.export import FORMATS
>>> FORMATS
('ttl', 'nt', 'jsonld', 'graphml', 'cyjs', 'html')
"""

from __future__ import annotations

from .atomic import write_atomic
from .formats import FORMATS, export, to_cyjs, to_graphml, to_jsonld, to_ntriples, to_turtle

__all__ = ["FORMATS", "export", "to_cyjs", "to_graphml", "to_jsonld", "to_ntriples", "to_turtle", "write_atomic"]
