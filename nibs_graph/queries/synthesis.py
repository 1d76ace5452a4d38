"""Synthesis by direction of effect: one vote per study and group, a sign test, a Wilson interval.

Vote counting on the *direction* of effect, with a sign test, is an acceptable synthesis when effect sizes cannot
be pooled; vote counting on statistical significance is not (Cochrane Handbook, chapter 12, McKenzie & Brennan).
Each study gets one vote per group (technique, family, species, setting, model or a protocol parameter). When a
study reports several findings on the target within a group, they are reduced by the within-study rule of the
effect direction plot (Thomson & Thomas 2013, revised by Hilton Boon & Thomson 2021, doi:10.1002/jrsm.1458):
if at least 70 % of the findings share one direction, the study votes that direction, otherwise ``conflicting``.
Per group: the studies up / down / unchanged / conflicting, the proportion up among up + down with a Wilson 95 %
interval, and the exact two-sided sign test over up vs down (binomial, p = 0.5). The sign test ignores study
size and quality and assumes independent studies; its use is disputed (Nikolakopoulos 2020,
doi:10.1002/jrsm.1427): read its p as a description of how one-sided the votes are, not as an effect estimate.

>>> sign_test(5, 0)
0.0625
>>> within_study_vote({"increased": 3, "unchanged": 1})
'increased'
>>> within_study_vote({"increased": 2, "unchanged": 1})
'conflicting'
>>> [round(x, 4) for x in wilson_interval(5, 5)]
[0.5655, 1.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .. import vocab
from ..errors import QueryError
from ..resolve import resolve
from ._common import node_summary, technique_lineage_labels
from .filters import NO_FILTER, EvidenceFilter
from .params import PARAMETERS, arm_parameters

__all__ = [
    "GROUPINGS",
    "THRESHOLD",
    "StudyVote",
    "Synthesis",
    "SynthesisGroup",
    "sign_test",
    "synthesis",
    "wilson_interval",
    "within_study_vote",
]

#: The within-study rule's threshold: at least this share of a study's findings must agree (Hilton Boon & Thomson).
THRESHOLD = Fraction(7, 10)
#: ``--by`` choices besides ``param:NAME``.
GROUPINGS = ("technique", "family", "species", "setting", "model")
_Z95 = 1.959963984540054
_VOTES = ("increased", "decreased", "unchanged", "conflicting")


def sign_test(up: int, down: int) -> float | None:
    """Exact two-sided sign test of ``up`` vs ``down`` votes (binomial with p = 0.5); None without votes.

    ``p = min(1, 2 · Σ_{i ≤ min(up, down)} C(n, i) / 2^n)`` with ``n = up + down``.

    >>> sign_test(5, 0), sign_test(4, 1), sign_test(3, 3), sign_test(0, 0)
    (0.0625, 0.375, 1.0, None)
    """
    n = up + down
    if n == 0:
        return None
    k = min(up, down)
    tail = Fraction(sum(math.comb(n, i) for i in range(k + 1)), 2**n)
    return float(min(Fraction(1), 2 * tail))


def wilson_interval(successes: int, n: int, z: float = _Z95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion (95 % by default); None when ``n`` is 0.

    >>> [round(x, 4) for x in wilson_interval(4, 5)]
    [0.3755, 0.9638]
    """
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def within_study_vote(counts: Mapping[str, int]) -> str:
    """One study's vote from its findings' directions: the direction ≥ 70 % share, else ``conflicting``.

    ``unchanged`` is a direction like the others (a finding of no change counts against a change).

    >>> within_study_vote({"decreased": 7, "increased": 3}), within_study_vote({"unchanged": 2})
    ('decreased', 'unchanged')
    """
    n = sum(counts.values())
    if n == 0:
        raise ValueError("a study vote needs at least one finding")
    direction, top = max(counts.items(), key=lambda item: (item[1], -vocab.DIRECTIONS.index(item[0])))
    return direction if Fraction(top, n) >= THRESHOLD else "conflicting"


@dataclass(frozen=True)
class StudyVote:
    """One study's vote in one group, and the findings it was reduced from."""

    study_id: str
    citation: str
    vote: str
    counts: dict[str, int]
    findings: tuple[str, ...]
    protocols: tuple[str, ...]
    time_points: tuple[str, ...]

    @property
    def rule(self) -> str:
        """How the vote was reached, in words."""
        n = sum(self.counts.values())
        if n == 1:
            return "one finding"
        if len(self.counts) == 1:
            return f"all {n} findings agree"
        shares = ", ".join(f"{c} of {n} {d}" for d, c in self.counts.items())
        verdict = "≥ 70 %" if self.vote != "conflicting" else "no direction reaches 70 %"
        return f"within-study rule: {shares} ({verdict})"

    def to_dict(self) -> dict[str, Any]:
        """``{"study_id", "citation", "vote", "counts", "rule", "findings", "protocols", "time_points"}``."""
        return {
            "study_id": self.study_id,
            "citation": self.citation,
            "vote": self.vote,
            "counts": self.counts,
            "rule": self.rule,
            "findings": list(self.findings),
            "protocols": list(self.protocols),
            "time_points": list(self.time_points),
        }


@dataclass(frozen=True)
class SynthesisGroup:
    """The votes of one group and their summary."""

    group: str
    votes: tuple[StudyVote, ...]

    def count(self, vote: str) -> int:
        """Studies voting ``vote``."""
        return sum(1 for v in self.votes if v.vote == vote)

    @property
    def proportion_up(self) -> float | None:
        """Up among up + down (None without either)."""
        n = self.count("increased") + self.count("decreased")
        return self.count("increased") / n if n else None

    @property
    def wilson(self) -> tuple[float, float] | None:
        """Wilson 95 % interval of :attr:`proportion_up`."""
        return wilson_interval(self.count("increased"), self.count("increased") + self.count("decreased"))

    @property
    def sign_test_p(self) -> float | None:
        """Exact two-sided sign test over up vs down."""
        return sign_test(self.count("increased"), self.count("decreased"))

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape of a group (see ``docs/json.md``)."""
        wilson = self.wilson
        return {
            "group": self.group,
            "studies": len(self.votes),
            "up": self.count("increased"),
            "down": self.count("decreased"),
            "unchanged": self.count("unchanged"),
            "conflicting": self.count("conflicting"),
            "proportion_up": None if self.proportion_up is None else round(self.proportion_up, 4),
            "wilson_95": None if wilson is None else [round(wilson[0], 4), round(wilson[1], 4)],
            "sign_test_p": None if self.sign_test_p is None else round(self.sign_test_p, 6),
            "votes": [v.to_dict() for v in self.votes],
        }


@dataclass
class Synthesis:
    """The answer of :func:`synthesis`."""

    target: str
    by: str
    groups: list[SynthesisGroup]
    filters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, G: Any) -> dict[str, Any]:
        """The documented JSON shape (see ``docs/json.md``)."""
        return {
            "target": node_summary(G, self.target),
            "by": self.by,
            "filters": self.filters,
            "rule": "one vote per study and group; within a study, >= 70 % of findings in one direction gives that "
            "direction, otherwise conflicting (Hilton Boon & Thomson 2021)",
            "sign_test_caveat": SIGN_TEST_CAVEAT,
            "groups": [g.to_dict() for g in self.groups],
        }


#: Shown wherever a sign-test p is.
SIGN_TEST_CAVEAT = (
    "the sign test counts studies, not effect sizes, and assumes independent studies of equal weight; "
    "its use is disputed (Nikolakopoulos 2020, doi:10.1002/jrsm.1427)"
)


def _family(G: Any, label: str) -> str:
    lineage = technique_lineage_labels(G, label)
    return lineage[-3] if len(lineage) >= 3 else lineage[0]


def _group_keys(G: Any, by: str, record: Mapping[str, Any]) -> list[str]:
    if by == "technique":
        return [G.nodes[record["technique"]]["label"]]
    if by == "family":
        return [_family(G, G.nodes[record["technique"]]["label"])]
    if by in {"species", "setting"}:
        return [s for s in str(record.get(by) or "").split("|") if s] or ["not stated"]
    if by == "model":
        return [record.get("disease_model") or "no disease model"]
    name = by.removeprefix("param:")
    value = arm_parameters(G.nodes.get(record["protocol"], {})).get(name)
    if value is None:
        return ["not stated"]
    if name == "intensity":
        unit = G.nodes[record["protocol"]].get("intensityUnit", "")
        return [f"{value} {unit}"]
    unit = PARAMETERS[name].unit if PARAMETERS[name].kind in {"number", "integer"} else ""
    return [f"{value} {unit}".strip() if unit in {"Hz", "min"} else str(value)]


def check_grouping(by: str) -> str:
    """Validate ``--by``: one of :data:`GROUPINGS` or ``param:NAME`` with NAME a protocol parameter."""
    if by in GROUPINGS:
        return by
    if by.startswith("param:") and by.removeprefix("param:") in PARAMETERS:
        return by
    raise QueryError(
        f"--by {by!r} is not allowed; allowed: {', '.join(GROUPINGS)}, param:NAME with NAME one of "
        f"{', '.join(PARAMETERS)}"
    )


def stimulation_findings(
    G: Any,
    target: str,
    *,
    evidence_filter: EvidenceFilter | None = None,
    keep: Callable[[Mapping[str, Any]], bool] | None = None,
) -> list[dict[str, Any]]:
    """The stimulation-effect findings on ``target`` (a node id) that the filter accepts, by finding id."""
    flt = evidence_filter or NO_FILTER
    records = [r for r in G.graph.get("findings", {}).values() if r["target"] == target and r.get("stimulation_effect")]
    if flt.filters_records:
        records = flt.keep(records, G)
    if keep is not None:
        records = [r for r in records if keep(r)]
    return sorted(records, key=lambda r: r["finding_id"])


def synthesis(
    G: Any,
    target: str,
    *,
    by: str = "technique",
    evidence_filter: EvidenceFilter | None = None,
    keep: Callable[[Mapping[str, Any]], bool] | None = None,
) -> Synthesis:
    """Synthesise the direction of effect of stimulation on ``target``, one vote per study and group.

    Parameters
    ----------
    G:
        The projection.
    target:
        The entity (name, synonym or CURIE).
    by:
        ``technique`` (the arm's technique), ``family`` (rTMS, tDCS, PAS ...), ``species``, ``setting``,
        ``model`` (the study's disease model) or ``param:NAME`` (a protocol parameter's stated value).
    evidence_filter, keep:
        Only findings the filter accepts (species, setting, certainty flags, protocol parameters) and passing
        ``keep``; groups with fewer studies than the filter's ``min_studies`` are left out.

    Returns
    -------
    Synthesis
        Groups ordered by the number of studies (then name); votes within a group by study.

    Examples
    --------
    >>> from nibs_graph.api import load_graph
    >>> s = synthesis(load_graph(), "BDNF")
    >>> g = next(g for g in s.groups if g.group == "HF-rTMS")
    >>> len(g.votes), g.count("increased")
    (5, 4)
    """
    by = check_grouping(by)
    node = resolve(G, target)
    flt = evidence_filter or NO_FILTER
    records = stimulation_findings(G, node, evidence_filter=flt, keep=keep)
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for record in records:
        for key in _group_keys(G, by, record):
            grouped.setdefault(key, {}).setdefault(record["study_id"], []).append(record)
    groups = []
    for key, studies in grouped.items():
        votes = []
        for study_id, findings in sorted(studies.items()):
            counts: dict[str, int] = {}
            for f in findings:
                counts[f["direction"]] = counts.get(f["direction"], 0) + 1
            counts = {d: counts[d] for d in vocab.DIRECTIONS if d in counts}
            votes.append(
                StudyVote(
                    study_id=study_id,
                    citation=str(findings[0].get("citation") or study_id),
                    vote=within_study_vote(counts),
                    counts=counts,
                    findings=tuple(f["finding_id"] for f in findings),
                    protocols=tuple(sorted({f["protocol"] for f in findings})),
                    time_points=tuple(sorted({f["time_point"] for f in findings if f.get("time_point")})),
                )
            )
        if len(votes) >= flt.min_studies:
            groups.append(SynthesisGroup(key, tuple(votes)))
    groups.sort(key=lambda g: (-len(g.votes), -g.count("increased") - g.count("decreased"), g.group))
    return Synthesis(node, by, groups, flt.to_dict())
