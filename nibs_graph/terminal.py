"""Text for a terminal: characters that could drive it (``ESC [ 2 J`` clears the screen, ``ESC ] 0 ;`` retitles
the window) are shown as ``\\xNN``, never written raw.

The shared table writer and the trees escape the texts they are given (:func:`nibs_graph.tabular.printable`);
every Rich console the CLI prints with also comes from :func:`safe_console`, which escapes the text of every
segment it writes (Rich's own styling codes are added afterwards, so colours still work), a backstop for any text
that reaches a console another way. Error messages go through :func:`printable` too.

>>> import io
>>> console = safe_console(file=io.StringIO(), width=40, color_system=None)
>>> console.print("label \\x1b[2J\\x9b31m")
>>> console.file.getvalue()
'label \\\\x1b[2J\\\\x9b31m\\n'
"""

from __future__ import annotations

from functools import cache
from typing import Any

from .tabular import printable

__all__ = ["printable", "safe_console"]


@cache
def _console_class() -> type:
    from rich.console import Console
    from rich.segment import Segment

    class SafeConsole(Console):
        """A Rich console that never writes a control character taken from the text it prints."""

        def _render_buffer(self, buffer: Any) -> str:
            clean = (
                Segment(printable(seg.text), seg.style, seg.control) if seg.control is None else seg for seg in buffer
            )
            return str(super()._render_buffer(clean))

    return SafeConsole


def safe_console(**kwargs: Any) -> Any:
    """A ``rich.console.Console(**kwargs)`` whose printed text carries no control characters."""
    return _console_class()(**kwargs)
