"""The ``nibs-graph`` command line: a thin shell over the library.

Each command parses its options, calls one library function and prints the answer as a table or as JSON.
Library errors become messages (exit 2), an empty answer says so (exit 1). The modules:

* :mod:`~nibs_graph.cli.root`: the app, which builds only the command a call runs (the table of commands);
* :mod:`~nibs_graph.cli.common`: the options every command shares, output, errors → exit status;
* :mod:`~nibs_graph.cli.query`: the query commands (``path``, ``hubs``, ``diverge`` ...);
* :mod:`~nibs_graph.cli.protocols`: ``synthesis`` and ``protocols``;
* :mod:`~nibs_graph.cli.export`: the ``export`` group; :mod:`~nibs_graph.cli.figure` the ``figure`` group;
* :mod:`~nibs_graph.cli.sparql`: ``sparql`` and ``serve``;
* :mod:`~nibs_graph.cli.cache`: the ``cache`` group.
"""

from __future__ import annotations

from .root import app, main

__all__ = ["app", "main"]
