"""nibs-graph: a knowledge graph of how non-invasive brain stimulation acts on molecules.

The library is organised along one flow of data::

    stream_rows(DIR) -> N-Triples writer + projection builder -> GraphData -> paths / hubs / divergence / ...

Heavy modules (rdflib, networkx, pyvis) are imported by the functions that need them, so that importing the
package stays cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
