"""Stimulation parameters in questions: ``--param NAME=VALUE`` and ``--param NAME=MIN..MAX``.

Names are the columns of ``data/protocols.csv`` (BIDS BEP037 names where it has one). A constraint keeps a
protocol arm only when the arm states that parameter and the stated value matches; an arm that does not state it
never matches (unknown is not a match). Numbers match a value exactly or a range with either end open
(``frequency_hz=..1``, ``sessions=5..``); an arm whose intensity is a range (``25-100 %MSO``) matches only when the
whole range lies inside. Intensities carry their unit (``intensity=90..120%RMT``) and are compared only with arms
in the same unit: intensities in different units are never compared. Text parameters (site, pattern, spacing,
duration) match when the arm's text contains the value, case-insensitively.

>>> c = parse_param("frequency_hz=..1")
>>> c.name, c.low, c.high
('frequency_hz', None, 1.0)
>>> c.matches({"frequencyHz": 0.5}), c.matches({"frequencyHz": 10.0}), c.matches({})
(True, False, False)
>>> parse_param("intensity=90..120%RMT").unit
'%RMT'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import vocab
from ..errors import QueryError

__all__ = [
    "PARAMETERS",
    "ParamConstraint",
    "Parameter",
    "arm_parameters",
    "params_match",
    "parse_param",
    "parse_params",
    "unit_notes",
]


@dataclass(frozen=True)
class Parameter:
    """One protocol parameter: its name in ``protocols.csv``, the protocol-node attribute(s), kind and unit."""

    name: str
    attr: str
    kind: str  # "number", "integer", "intensity", "choice", "text"
    unit: str = ""
    choices: tuple[str, ...] = ()


#: Every parameter a question can constrain, in the order of ``protocols.csv``.
PARAMETERS: dict[str, Parameter] = {
    p.name: p
    for p in (
        Parameter("polarity", "polarity", "choice", choices=vocab.POLARITIES),
        Parameter("frequency_hz", "frequencyHz", "number", "Hz"),
        Parameter("burst_frequency_hz", "burstFrequencyHz", "number", "Hz"),
        Parameter("pattern", "pattern", "text"),
        Parameter("intensity", "intensityMin", "intensity", " | ".join(vocab.INTENSITY_UNITS)),
        Parameter("intensity_unit", "intensityUnit", "choice", choices=vocab.INTENSITY_UNITS),
        Parameter("pulses_per_session", "pulsesPerSession", "integer", "pulses"),
        Parameter("session_duration_min", "sessionDurationMin", "number", "min"),
        Parameter("sessions", "sessions", "integer", "sessions"),
        Parameter("session_spacing", "sessionSpacing", "text"),
        Parameter("treatment_duration", "treatmentDuration", "text"),
        Parameter("site", "site", "text"),
    )
}
#: Numeric parameters (the ones a dose figure or ``--by param:NAME`` can place on an axis).
NUMERIC = tuple(name for name, p in PARAMETERS.items() if p.kind in {"number", "integer", "intensity"})
_UNIT_ALIASES = {"ua": "µA", "μa": "µA", "µa": "µA", "ma": "mA", "%mso": "%MSO", "%rmt": "%RMT", "%mt": "%MT"}
_NUMBER = r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?"
_VALUE = re.compile(rf"^\s*(?P<low>{_NUMBER})?\s*(?P<range>\.\.)?\s*(?P<high>{_NUMBER})?\s*(?P<unit>\S.*?)?\s*$")


def allowed_text() -> str:
    """The allowed names with their units, for error messages and help."""
    parts = []
    for p in PARAMETERS.values():
        if p.kind == "choice":
            parts.append(f"{p.name} ({', '.join(p.choices)})")
        elif p.kind == "text":
            parts.append(f"{p.name} (text)")
        else:
            parts.append(f"{p.name} ({p.unit})")
    return ", ".join(parts)


@dataclass(frozen=True)
class ParamConstraint:
    """One parsed ``--param``: a value (``low == high``), a range (either end may be None) or a text/choice."""

    name: str
    text: str  # as the user wrote it
    low: float | None = None
    high: float | None = None
    unit: str | None = None  # intensity only
    value: str | None = None  # choice and text parameters

    @property
    def parameter(self) -> Parameter:
        """The :class:`Parameter` constrained."""
        return PARAMETERS[self.name]

    def matches(self, arm: Mapping[str, Any]) -> bool:
        """Whether a protocol arm (a protocol node's attributes) satisfies this constraint.

        >>> parse_param("intensity=..100%MSO").matches({"intensityMin": 25.0, "intensityMax": 100.0,
        ...                                              "intensityUnit": "%MSO"})
        True
        >>> parse_param("intensity=..100%MSO").matches({"intensityMin": 250.0, "intensityMax": 250.0,
        ...                                              "intensityUnit": "µA"})
        False
        """
        p = self.parameter
        if p.kind in {"choice", "text"}:
            stated = arm.get(p.attr)
            if stated is None or self.value is None:
                return False
            if p.kind == "choice":
                return str(stated) == self.value
            return self.value.casefold() in str(stated).casefold()
        if p.kind == "intensity":
            if arm.get("intensityUnit") != self.unit or arm.get("intensityMin") is None:
                return False
            lo = float(arm["intensityMin"])
            hi = float(arm.get("intensityMax", lo))
        else:
            if arm.get(p.attr) is None:
                return False
            lo = hi = float(arm[p.attr])
        return (self.low is None or lo >= self.low - 1e-9) and (self.high is None or hi <= self.high + 1e-9)

    def to_dict(self) -> dict[str, Any]:
        """``{"name", "text", "min", "max", "unit", "value"}`` (as echoed in JSON ``filters``)."""
        return {
            "name": self.name,
            "text": self.text,
            "min": self.low,
            "max": self.high,
            "unit": self.unit,
            "value": self.value,
        }


def _usage(spec: str, why: str) -> QueryError:
    return QueryError(f"--param {spec!r}: {why}; allowed names (units): {allowed_text()}")


def parse_param(spec: str) -> ParamConstraint:
    """Parse ``NAME=VALUE`` or ``NAME=MIN..MAX`` (either end open) into a :class:`ParamConstraint`.

    Raises
    ------
    QueryError
        For an unknown name or a value that does not parse; the message lists the allowed names and units.

    Examples
    --------
    >>> parse_param("sessions=5..").low
    5.0
    >>> parse_param("polarity=anodal").value
    'anodal'
    >>> parse_param("speed=3")
    Traceback (most recent call last):
    ...
    nibs_graph.errors.QueryError: --param 'speed=3': unknown parameter 'speed'; allowed names (units): ...
    """
    name, sep, raw = spec.partition("=")
    name = name.strip().casefold().replace("-", "_")
    if not sep:
        raise _usage(spec, "expected NAME=VALUE or NAME=MIN..MAX")
    if name not in PARAMETERS:
        raise _usage(spec, f"unknown parameter {name!r}")
    p = PARAMETERS[name]
    raw = raw.strip()
    if not raw:
        raise _usage(spec, "no value")
    if p.kind in {"choice", "text"}:
        if ".." in raw and p.kind == "choice":
            raise _usage(spec, f"{name} takes one of {', '.join(p.choices)}, not a range")
        if p.kind == "choice":
            value = _UNIT_ALIASES.get(raw.casefold(), raw) if name == "intensity_unit" else raw.casefold()
            if value not in p.choices:
                raise _usage(spec, f"{name} must be one of {', '.join(p.choices)}")
            return ParamConstraint(name, spec, value=value)
        return ParamConstraint(name, spec, value=raw)
    m = _VALUE.match(raw)
    if m is None or (m["low"] is None and m["high"] is None):
        raise _usage(spec, f"{raw!r} is not a number or a range MIN..MAX")
    if m["range"] is None and m["high"] is not None:  # "5 3": two numbers without ".."
        raise _usage(spec, f"{raw!r} is not a number or a range MIN..MAX")
    low = float(m["low"]) if m["low"] is not None else None
    high = float(m["high"]) if m["high"] is not None else None
    if m["range"] is None:
        high = low
    if any(v is not None and not math.isfinite(v) for v in (low, high)):
        raise _usage(spec, f"{raw!r} is not a finite number")
    if low is not None and high is not None and low > high:
        raise _usage(spec, f"the range {raw!r} is empty (minimum above maximum)")
    unit = m["unit"]
    if p.kind == "intensity":
        if unit is None:
            raise _usage(
                spec,
                f"an intensity needs its unit ({', '.join(vocab.INTENSITY_UNITS)}), e.g. intensity=90..120%RMT: "
                "intensities in different units are never compared",
            )
        canonical = _UNIT_ALIASES.get(unit.casefold())
        if canonical is None:
            raise _usage(spec, f"unknown intensity unit {unit!r}; allowed: {', '.join(vocab.INTENSITY_UNITS)}")
        return ParamConstraint(name, spec, low, high, unit=canonical)
    if unit is not None and unit.casefold() != p.unit.casefold():
        raise _usage(spec, f"{name} is in {p.unit}, not {unit!r}")
    return ParamConstraint(name, spec, low, high)


def parse_params(specs: Iterable[str]) -> tuple[ParamConstraint, ...]:
    """Parse every ``--param``; all problems are reported together in one :class:`QueryError`."""
    parsed: list[ParamConstraint] = []
    problems: list[str] = []
    for spec in specs:
        try:
            parsed.append(parse_param(spec))
        except QueryError as exc:
            problems.append(str(exc).split("; allowed names (units):")[0])
    if problems:
        raise QueryError("; ".join(problems) + f"; allowed names (units): {allowed_text()}")
    return tuple(parsed)


def params_match(arm: Mapping[str, Any], constraints: Sequence[ParamConstraint]) -> bool:
    """Whether a protocol arm satisfies every constraint (True when there is none)."""
    return all(c.matches(arm) for c in constraints)


def arm_parameters(arm: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters a protocol arm states, by their ``protocols.csv`` names (intensity as ``25-100``).

    >>> arm_parameters({"frequencyHz": 10.0, "intensityMin": 25.0, "intensityMax": 100.0, "intensityUnit": "%MSO"})
    {'frequency_hz': 10, 'intensity': '25-100', 'intensity_unit': '%MSO'}
    """
    out: dict[str, Any] = {}
    for name, p in PARAMETERS.items():
        if p.kind == "intensity":
            lo, hi = arm.get("intensityMin"), arm.get("intensityMax")
            if lo is not None:
                out[name] = _number(lo) if hi is None or hi == lo else f"{_number(lo)}-{_number(hi)}"
            continue
        value = arm.get(p.attr)
        if value is not None and value != "":
            out[name] = _number(value) if p.kind in {"number", "integer"} else value
    return out


def _number(value: Any) -> Any:
    f = float(value)
    return int(f) if f.is_integer() else f


def unit_notes(arms: Iterable[Mapping[str, Any]], constraints: Sequence[ParamConstraint]) -> list[str]:
    """Notes on what the constraints left out: arms that do not state a parameter, and arms whose intensity is in
    another unit than asked (intensities in different units are never compared).

    >>> unit_notes([{"intensityMin": 1.0, "intensityUnit": "mA"}, {}], [parse_param("intensity=..500µA")])
    ['intensity=..500µA: 1 arm(s) with intensities in mA left out (intensities in different units are never \
compared); 1 arm(s) that do not state intensity left out']
    """
    notes = []
    arms = {id(a): a for a in arms}.values()
    for c in constraints:
        parts = []
        p = c.parameter
        if p.kind == "intensity":
            other = [a for a in arms if a.get("intensityUnit") not in (None, c.unit)]
            units = sorted({str(a["intensityUnit"]) for a in other})
            if other:
                parts.append(
                    f"{len(other)} arm(s) with intensities in {', '.join(units)} left out "
                    "(intensities in different units are never compared)"
                )
        missing = sum(1 for a in arms if a.get(p.attr) is None)
        if missing:
            parts.append(f"{missing} arm(s) that do not state {c.name} left out")
        if parts:
            notes.append(f"{c.text}: " + "; ".join(parts))
    return notes
