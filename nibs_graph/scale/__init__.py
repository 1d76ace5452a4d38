"""The compile engine, one for every size of evidence base.

1. :func:`nibs_graph.validate.stream_rows` validates the CSV rows as they stream (the small files held as
   records, ``findings.csv`` one row at a time) and hands them to consumers;
2. :class:`~nibs_graph.scale.stream.NTriplesWriter` (:mod:`nibs_graph.scale.stream`) writes the RDF graph as
   N-Triples from them: the ``export nt`` file, the stores' bulk load, the rdflib graph of
   :func:`nibs_graph.api.load_rdf`;
3. :class:`~nibs_graph.scale.project.ProjectionBuilder` assembles the projection
   (:class:`~nibs_graph.projection.GraphData`) from them in the same pass, and
   :func:`~nibs_graph.scale.project.project_store` computes the same projection from RDF alone, with SPARQL on an
   Oxigraph store (a graph file, a store folder without its CSV files);
4. :mod:`nibs_graph.scale.oxigraph` bulk-loads the N-Triples into a persistent Oxigraph store.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of acyclic objects are made (restored afterwards).

    The projection has no reference cycles; with the collector on, building or unpickling a million findings
    spends about half its time in collections that free nothing (1M findings: unpickling 10.2 s → 4.5 s).

    >>> import gc
    >>> with gc_paused():
    ...     gc.isenabled()
    False
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
