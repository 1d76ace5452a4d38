"""Human-readable output of the protocol questions (``synthesis``, ``protocols``) and their CSV rows."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from .render import _console

__all__ = ["print_protocols", "print_synthesis", "protocols_rows", "synthesis_rows"]

ARROWS = {"increased": "↑", "decreased": "↓", "unchanged": "=", "conflicting": "◄►"}
_DOSE = ("pulses_per_session", "session_duration_min", "sessions", "session_spacing", "treatment_duration", "site")


def _p(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3g}" if value >= 0.001 else f"{value:.1e}"


def _vote_text(vote: Any) -> str:
    text = f"{vote.citation} {ARROWS[vote.vote]}"
    if sum(vote.counts.values()) > 1 and len(vote.counts) > 1:
        text += " (" + ", ".join(f"{n} {ARROWS[d]}" for d, n in vote.counts.items()) + ")"
    return text


def print_synthesis(G: Any, result: Any) -> None:
    """Print a synthesis: one row per group, the votes behind it, and the rule and caveat underneath."""
    from .queries.synthesis import SIGN_TEST_CAVEAT

    label = G.nodes[result.target]["label"]
    table = Table(
        title=f"Synthesis of {label} by {result.by}: one vote per study and group (direction of effect)",
        title_justify="left",
    )
    for col, just in (
        (result.by, "left"),
        ("studies", "right"),
        ("↑", "right"),
        ("↓", "right"),
        ("=", "right"),
        ("◄►", "right"),
        ("up/(up+down) [Wilson 95%]", "left"),
        ("sign test p", "right"),
        ("votes", "left"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for g in result.groups:
        wilson = g.wilson
        prop = "–" if g.proportion_up is None else f"{g.proportion_up:.2f} [{wilson[0]:.2f}–{wilson[1]:.2f}]"
        table.add_row(
            g.group,
            str(len(g.votes)),
            str(g.count("increased")),
            str(g.count("decreased")),
            str(g.count("unchanged")),
            str(g.count("conflicting")),
            prop,
            _p(g.sign_test_p),
            "; ".join(_vote_text(v) for v in g.votes),
        )
    console = _console()
    console.print(table)
    decided = [v for g in result.groups for v in g.votes if sum(v.counts.values()) > 1 and len(v.counts) > 1]
    for v in decided:
        console.print(f"{v.citation}: {v.rule} → {v.vote}")
    console.print("rule: within a study, ≥ 70 % of its findings in one direction give that direction, otherwise")
    console.print("      conflicting (◄►); Hilton Boon & Thomson 2021, doi:10.1002/jrsm.1458")
    console.print(f"caveat: {SIGN_TEST_CAVEAT}")


def synthesis_rows(result: Any) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the synthesis CSV: one row per group."""
    header = [
        "group",
        "studies",
        "up",
        "down",
        "unchanged",
        "conflicting",
        "proportion_up",
        "wilson_low",
        "wilson_high",
        "sign_test_p",
        "studies_up",
        "studies_down",
        "studies_unchanged",
        "studies_conflicting",
    ]
    rows = []
    for g in result.groups:
        d = g.to_dict()
        wilson = d["wilson_95"] or [None, None]
        rows.append(
            [
                g.group,
                d["studies"],
                d["up"],
                d["down"],
                d["unchanged"],
                d["conflicting"],
                d["proportion_up"],
                wilson[0],
                wilson[1],
                d["sign_test_p"],
                *(
                    "|".join(v.study_id for v in g.votes if v.vote == vote)
                    for vote in ("increased", "decreased", "unchanged", "conflicting")
                ),
            ]
        )
    return header, rows


def _parameters(params: dict[str, Any], keys: tuple[str, ...] | None = None) -> str:
    parts = []
    for name, value in params.items():
        if keys is not None and name not in keys:
            continue
        if name == "intensity_unit":
            continue
        if name == "intensity":
            parts.append(f"{value} {params.get('intensity_unit', '')}".strip())
        elif name.endswith("_hz"):
            parts.append(f"{value} Hz" + (" bursts" if name.startswith("burst") else ""))
        elif name == "session_duration_min":
            parts.append(f"{value} min")
        elif name == "pulses_per_session":
            parts.append(f"{value} pulses")
        elif name == "sessions":
            parts.append(f"{value} sessions")
        else:
            parts.append(str(value))
    return ", ".join(parts) or "(not stated)"


def print_protocols(G: Any, result: Any) -> None:
    """Print the parameter sets, one row per arm, the set's rank and agreeing studies on its first row."""
    from .queries.protocols import SET_PARAMETERS

    label = G.nodes[result.target]["label"]
    which = f" ({result.direction})" if result.direction else ""
    n_arms = len(result.arms())
    table = Table(
        title=f"Protocols that moved {label}{which}: {len(result.sets)} parameter set(s), {n_arms} arm(s), "
        "ranked by agreeing studies",
        title_justify="left",
    )
    for col, just in (
        ("#", "right"),
        ("technique", "left"),
        ("parameters", "left"),
        ("studies", "right"),
        ("", "left"),
        ("study", "left"),
        ("arm", "left"),
        ("dose", "left"),
        ("model", "left"),
        ("species", "left"),
        ("setting", "left"),
        ("time point", "left"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for s in result.sets:
        for i, arm in enumerate(s.arms):
            first = i == 0
            table.add_row(
                str(s.rank) if first else "",
                s.technique if first else "",
                _parameters(s.parameters, SET_PARAMETERS) if first else "",
                str(len(s.studies)) if first else "",
                ARROWS[arm.direction],
                arm.citation,
                arm.label,
                _parameters(arm.parameters, _DOSE) if any(k in arm.parameters for k in _DOSE) else "",
                arm.disease_model or arm.model,
                ", ".join(arm.species),
                ", ".join(arm.settings),
                "; ".join(arm.time_points),
            )
    console = _console()
    console.print(table)
    for note in result.notes:
        console.print(f"note: {note}")


def protocols_rows(result: Any) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the protocols CSV: one row per arm, with its set's rank and agreeing studies."""
    from .queries.params import PARAMETERS

    header = [
        "rank",
        "set_studies",
        "technique",
        "direction",
        "study_id",
        "citation",
        "protocol",
        "arm",
        *PARAMETERS,
        "model",
        "disease_model",
        "species",
        "setting",
        "time_points",
        "findings",
    ]
    rows = []
    for s, arm in result.arms():
        rows.append(
            [
                s.rank,
                len(s.studies),
                arm.technique,
                arm.direction,
                arm.study_id,
                arm.citation,
                arm.protocol,
                arm.label,
                *(arm.parameters.get(name, "") for name in PARAMETERS),
                arm.model,
                arm.disease_model or "",
                "|".join(arm.species),
                "|".join(arm.settings),
                "|".join(arm.time_points),
                "|".join(arm.findings),
            ]
        )
    return header, rows
