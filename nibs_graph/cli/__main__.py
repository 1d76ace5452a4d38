"""``python -m nibs_graph.cli``: the same as the ``nibs-graph`` console script."""

from __future__ import annotations

from . import main

if __name__ == "__main__":  # pragma: no cover
    main()
