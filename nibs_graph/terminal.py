"""Text for a terminal: characters that could drive it (``ESC [ 2 J`` clears the screen, ``ESC ] 0 ;`` retitles
the window) are shown as visible symbols, never written raw.

Every Rich console the CLI prints tables and trees with comes from :func:`safe_console`, which replaces control
characters in the text of every segment (Rich's own styling codes are added afterwards, so colours still work);
plain messages go through :func:`printable`.

>>> printable("BDNF\\x1b]0;pwned\\x07")
'BDNF␛]0;pwned␇'
>>> import io
>>> console = safe_console(file=io.StringIO(), width=40, color_system=None)
>>> console.print("label \\x1b[2J\\x9b31m")
>>> console.file.getvalue()
'label ␛[2J�31m\\n'
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

__all__ = ["printable", "safe_console"]

#: C0 controls but tab and line feed, DEL, and the C1 controls (which include the one-byte CSI, U+009B).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␛ for ESC, ␇ for BEL
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"  # a C1 control has no picture


def printable(text: str) -> str:
    """``text`` with every control character except tab and line feed replaced by a visible symbol."""
    return _CONTROL.sub(_picture, text) if _CONTROL.search(text) else text


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
