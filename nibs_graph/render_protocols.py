"""Output of the protocol questions (``synthesis``, ``protocols``): fitted tables, CSV and TSV.

Both answers become a :class:`~nibs_graph.tabular.Tabular` (the one table writer every command shares), so the
table fits the terminal and ``--format csv|tsv`` writes the same records with formula cells neutralised.
"""

from __future__ import annotations

from typing import Any

from .tabular import Col, Tabular, emit

__all__ = ["ARROWS", "print_protocols", "print_synthesis", "protocols_table", "synthesis_table"]

ARROWS = {"increased": "↑", "decreased": "↓", "unchanged": "=", "conflicting": "◄►"}
_DOSE = ("pulses_per_session", "session_duration_min", "sessions", "session_spacing", "treatment_duration", "site")


def _p(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3g}" if value >= 0.001 else f"{value:.1e}"


def _vote_text(vote: Any) -> str:
    text = f"{vote.citation} {ARROWS[vote.vote]}"
    if len(vote.counts) > 1:
        text += " (" + ", ".join(f"{n} {ARROWS[d]}" for d, n in vote.counts.items()) + ")"
    return text


def synthesis_table(G: Any, result: Any) -> Tabular:
    """One row per group: votes up / down / unchanged / conflicting, proportion up with its Wilson interval,
    sign-test p and the studies behind each vote; the rule, the decided votes and the caveat as notes."""
    from .queries.synthesis import SIGN_TEST_CAVEAT

    rows = []
    for g in result.groups:
        d = g.to_dict()
        wilson = d["wilson_95"] or [None, None]
        rows.append(
            {
                "group": g.group,
                "studies": d["studies"],
                "up": d["up"],
                "down": d["down"],
                "unchanged": d["unchanged"],
                "conflicting": d["conflicting"],
                "proportion_up": d["proportion_up"],
                "wilson_low": wilson[0],
                "wilson_high": wilson[1],
                "sign_test_p": d["sign_test_p"],
                "votes": [_vote_text(v) for v in g.votes],
                **{
                    f"studies_{name}": [v.study_id for v in g.votes if v.vote == vote]
                    for name, vote in (
                        ("up", "increased"),
                        ("down", "decreased"),
                        ("unchanged", "unchanged"),
                        ("conflicting", "conflicting"),
                    )
                },
            }
        )

    def proportion(r: dict[str, Any]) -> str:
        if r["proportion_up"] is None:
            return "–"
        return f"{r['proportion_up']:.2f} [{r['wilson_low']:.2f}–{r['wilson_high']:.2f}]"

    notes = [
        f"{v.citation} ({g.group}): {v.rule} → {v.vote}" for g in result.groups for v in g.votes if len(v.counts) > 1
    ]
    notes += [
        "rule: one vote per study and group; within a study, ≥ 70 % of its findings in one direction give that "
        "direction, otherwise conflicting (◄►) (Hilton Boon & Thomson 2021, doi:10.1002/jrsm.1458)",
        f"caveat: {SIGN_TEST_CAVEAT}",
    ]
    label = G.nodes[result.target]["label"]
    return Tabular(
        f"Synthesis of {label} by {result.by}: one vote per study and group (direction of effect)",
        [
            Col("group", result.by),
            Col("studies", justify="right"),
            Col("up", "↑", justify="right"),
            Col("down", "↓", justify="right"),
            Col("unchanged", "=", justify="right"),
            Col("conflicting", "◄►", justify="right"),
            Col("proportion", "up/(up+down) [Wilson 95%]", csv=False, show=proportion),
            Col("proportion_up", table=False),
            Col("wilson_low", table=False),
            Col("wilson_high", table=False),
            Col("sign_test_p", "sign test p", justify="right", show=lambda r: _p(r["sign_test_p"])),
            Col("votes", wrap=True, csv=False, show=lambda r: "; ".join(r["votes"])),
            Col("studies_up", table=False),
            Col("studies_down", table=False),
            Col("studies_unchanged", table=False),
            Col("studies_conflicting", table=False),
        ],
        rows,
        notes=notes,
    )


def print_synthesis(G: Any, result: Any, fmt: str = "table") -> None:
    """Print a synthesis as a table (or CSV/TSV)."""
    emit(synthesis_table(G, result), fmt)


def _parameters(params: dict[str, Any], keys: tuple[str, ...]) -> str:
    parts = []
    for name, value in params.items():
        if name not in keys or name == "intensity_unit":
            continue
        if name == "intensity":
            parts.append(f"{value} {params.get('intensity_unit', '')}".strip())
        elif name.endswith("_hz"):
            parts.append(f"{value} Hz" + (" bursts" if name.startswith("burst") else ""))
        elif name == "session_duration_min":
            parts.append(f"{value} min")
        elif name in {"pulses_per_session", "sessions"}:
            parts.append(f"{value} {'pulses' if name.startswith('pulses') else 'sessions'}")
        else:
            parts.append(str(value))
    return ", ".join(parts)


def protocols_table(G: Any, result: Any) -> Tabular:
    """One row per arm in rank order, with its set's rank, parameters and agreeing studies (on the set's first
    arm in the table; on every row in CSV), and every parameter the arm states as a CSV column."""
    from .queries.params import PARAMETERS
    from .queries.protocols import SET_PARAMETERS

    rows = []
    for s in result.sets:
        for i, arm in enumerate(s.arms):
            rows.append(
                {
                    "rank": s.rank,
                    "set_studies": len(s.studies),
                    "first": i == 0,
                    "set_parameters": _parameters(s.parameters, SET_PARAMETERS) or "(not stated)",
                    "technique": arm.technique,
                    "direction": arm.direction,
                    "study_id": arm.study_id,
                    "citation": arm.citation,
                    "protocol": arm.protocol,
                    "arm": arm.label,
                    **{name: arm.parameters.get(name) for name in PARAMETERS},
                    "dose": _parameters(arm.parameters, _DOSE),
                    "model": arm.model,
                    "disease_model": arm.disease_model,
                    "species": list(arm.species),
                    "setting": list(arm.settings),
                    "time_points": list(arm.time_points),
                    "findings": list(arm.findings),
                }
            )

    def first(key: str) -> Any:
        return lambda r: str(r[key]) if r["first"] else ""

    label = G.nodes[result.target]["label"]
    which = f" ({result.direction})" if result.direction else ""
    return Tabular(
        f"Protocols that moved {label}{which}: {len(result.sets)} parameter set(s), {len(rows)} arm(s), "
        "ranked by agreeing studies",
        [
            Col("rank", "#", justify="right"),
            Col("set_studies", "studies", justify="right", show=first("set_studies")),
            Col("technique", show=first("technique")),
            Col("set_parameters", "parameters", csv=False, show=first("set_parameters")),
            Col("direction", "", show=lambda r: ARROWS[r["direction"]]),
            Col("citation", "study"),
            Col("study_id", table=False),
            Col("protocol", table=False),
            Col("arm", wrap=True, optional=True),
            *(Col(name, table=False) for name in PARAMETERS),
            Col("dose", wrap=True, csv=False),
            Col("model", wrap=True, csv=False, show=lambda r: r["disease_model"] or r["model"]),
            Col("model", table=False),
            Col("disease_model", table=False),
            Col("species"),
            Col("setting", optional=True),
            Col("time_points", "time point", wrap=True, optional=True),
            Col("findings", table=False),
        ],
        rows,
        notes=[f"note: {n}" for n in result.notes],
    )


def print_protocols(G: Any, result: Any, fmt: str = "table") -> None:
    """Print the parameter sets as a table (or CSV/TSV)."""
    emit(protocols_table(G, result), fmt)
