"""SPARQL for nibs-graph: the ``sparql`` command, the read-only SPARQL 1.1 endpoint and its stores.

* :mod:`.guard` scans a query and refuses updates, ``SERVICE`` and dataset clauses;
* :mod:`.formats` holds the engine-neutral result, the SPARQL results and RDF serialisations, and content
  negotiation;
* :mod:`.stores` runs queries: an in-memory Oxigraph store (default), a persistent Oxigraph store, or a remote
  endpoint, behind one :class:`~nibs_graph.sparql.stores.Store` interface; :func:`~.stores.load_projection`
  builds the projection from a store for ``path``, ``hubs`` and the other commands;
* :mod:`.worker` runs queries in killable worker processes (the time limit);
* :mod:`.answers` keeps the endpoint's answers to requests asked again;
* :mod:`.server` builds the Starlette application (:func:`~nibs_graph.sparql.server.create_app`);
* :mod:`.page` is the offline HTML query page.

Nothing heavy is imported here: ``import nibs_graph.sparql`` stays cheap.
"""

from __future__ import annotations

__all__: list[str] = []
