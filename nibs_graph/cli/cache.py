"""The ``cache`` command group of ``nibs-graph``: what the cache folder holds, and emptying it.

``nibs-graph cache info`` lists the entries (kind, size, last use, whether each checks out) and the limits;
``nibs-graph cache clear`` removes every entry and stale temporary file (only files nibs-graph names so).

Example::

    nibs-graph cache info --format json
"""

from __future__ import annotations

import time

import typer

from .common import FormatOption, OutputFormat, command_group, emit_json

__all__ = ["register"]


def info(fmt: FormatOption = OutputFormat.table) -> None:
    """The cache folder, its limits and its entries (each checked as a read would check it)."""
    from ..cache import cache_dir, cache_limits, entries

    found = entries(verify=True)
    max_entries, max_bytes = cache_limits()
    payload = {
        "folder": str(cache_dir()),
        "limits": {"entries": max_entries, "bytes": max_bytes},
        "total_bytes": sum(e.size for e in found),
        "entries": [
            {"file": e.path.name, "kind": e.kind, "bytes": e.size, "last_used": e.mtime, "status": e.status}
            for e in found
        ],
    }
    if fmt is OutputFormat.json:
        emit_json(payload)
        return
    typer.echo(f"cache folder: {payload['folder']}")
    typer.echo(
        f"{len(found)} entr{'y' if len(found) == 1 else 'ies'}, {payload['total_bytes']:,} bytes "
        f"(limits: {max_entries} entries, {max_bytes // (1024 * 1024):,} MB; "
        "$NIBS_GRAPH_CACHE_MAX_ENTRIES, $NIBS_GRAPH_CACHE_MAX_MB)"
    )
    now = time.time()
    for e in found:
        age = max(0, int(now - e.mtime))
        typer.echo(f"  {e.path.name}  {e.kind}  {e.size:,} bytes  used {age} s ago  {e.status}")


def clear() -> None:
    """Remove every cache entry (the next command compiles the data again)."""
    from ..cache import cache_dir
    from ..cache import clear as clear_cache

    removed = clear_cache()
    typer.echo(f"removed {len(removed)} file(s) from {cache_dir()}")


def register(app: typer.Typer) -> None:
    """Add the ``cache`` command group to the ``nibs-graph`` app.

    Examples
    --------
    >>> app = typer.Typer()
    >>> register(app)
    >>> [group.name for group in app.registered_groups]
    ['cache']
    """
    cache_app = command_group(app, "cache", "Show or clear the cache of compiled graphs.")
    cache_app.command("info")(info)
    cache_app.command("clear")(clear)
