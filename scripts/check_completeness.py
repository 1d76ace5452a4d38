"""Completeness check for nibs-graph findings against the review's Tables 2-4.

Counts the effect arrows in each Results cell of Tables 2-4 of the source text (↑, ↓, = and the LaTeX forms
\\uparrow, \\downarrow used by Table 4) and prints them beside the number of findings that cite that table row,
the number citing the text for the same study, and the reason the two numbers differ.

Usage: python scripts/check_completeness.py SOURCE_TXT [DATA_DIR]
SOURCE_TXT is a plain-text copy of the review (not shipped: the project restates its facts, not its sentences);
it may also be given as the NIBS_GRAPH_REVIEW_TEXT environment variable. DATA_DIR defaults to data/.
"""

import collections
import csv
import os
import re
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
SOURCE = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("NIBS_GRAPH_REVIEW_TEXT", "")
if not SOURCE or not Path(SOURCE).is_file():
    sys.exit("usage: python scripts/check_completeness.py SOURCE_TXT [DATA_DIR] (SOURCE_TXT: the review as plain text)")
DATA = sys.argv[2] if len(sys.argv) > 2 else str(_ROOT / "data")

ARROWS = {"up": re.compile(r"↑|\\uparrow"), "down": re.compile(r"↓|\\downarrow"), "same": re.compile(r"(?<![<>!])=")}

# Why the number of table-sourced rows differs from the number of arrows (curator's explanation, per study).
WHY = {
    "baek2018": "9 arrows over 21 targets: each arrow covers a list (p-ERK and p-AKT; BAX and caspase-3; "
    "Bcl-2 and Pro-caspase-3; NMDAR1 and CaMKII-CREB, the latter split into CaMKII + CREB; "
    "BDNF, SYN-1 and PSD-95).",
    "feng2012": "1 arrow over 2 targets (BDNF, pERK1/2).",
    "gao2010": "3 arrows, 3 targets.",
    "guo2017": "2 arrows: one over BDNF, TrkB, p-AKT, Bcl-2; one over Bax.",
    "hwang2022": "No arrow; the row marks two enriched terms with '+', recorded as 2 between-protocol rows.",
    "kim2024": "3 arrows: 8 targets x 2 preparations (cell line, rat) after 10 Hz = 16; 4 targets x 2 arms at "
    "20 min = 8; CREB after 10 Hz only = 1.",
    "mcnerney2022": "3 arrows ('=' in WT at 2 weeks, up in WT at 6 weeks, up in 3xTgAD at 2 and 6 weeks).",
    "menesessanjuan2023": "2 arrows: SYP; histone acetylation and demethylation (2 rows). Plus 2 rows for the "
    "spine-density statement (no arrow), one per region (FC, DG).",
    "wang2011": "1 arrow over 8 targets, each in rat PFC slices and in human lymphocytes = 16.",
    "wang2014": "2 arrows: CB1R, BDNF, Bcl-2/Bax ratio; then CB1R increase abolished by antagonist (1 unchanged "
    "row with the antagonist as context).",
    "weiler2023": "6 arrows over 19 listed genes, 18 distinct (Gabbr1,2 -> 2; Grik1,4 -> 2; Grm3-7 -> 5; Grin3a "
    "and Glun3a name one gene, counted once); the table does not split 1 Hz rTMS from iTBS and the text credits "
    "both, so x2 arms = 36.",
    "battaglia2007": "3 arrows: NR2A/NR2B phosphorylation (2 rows), NR2A in PFC, PSD-95 '='. Plus 1 row for "
    "'no increase of MEP after PAS' (no arrow).",
    "gandolfi2017": "2 arrows (P-CREB at 15 and 120 min in one row; c-Fos at 120 min). Plus 2 unchanged rows "
    "for 'no differences' under an NMDAR antagonist.",
    "hu2023": "7 arrows over 16 listed targets, 14 distinct (CytC and caspase-3 are listed twice in the cell and "
    "counted once).",
    "ismail2024": "1 arrow over 8 targets.",
    "labedi2014": "1 arrow over GAD67, CB, PV. Plus 2 unchanged rows (ketamine largely prevented the GAD67 and "
    "PV loss; no arrow).",
    "ljubisavljevic2015": "5 arrows: BDNF in 3 arms (3); Creb1, Gria1-4, Grin2a-2c, Gabbr1 (9); Gadd45b, Junb, "
    "Gls, Bcl1 (4); c-Fos and Jun after iTBS (2); Plat after cTBS (1) = 19.",
    "stekic2022": "1 arrow over P-ERK 1/2 and PI3K. Plus 2 rows for 'restored levels' of mTOR and p-Akt "
    "(no arrow; direction from Section 4).",
    "thomson2020": "1 arrow over 3 genes after iTBS. Plus 3 unchanged rows for 'no effects of cTBS'.",
    "wu2024": "4 arrows (c-Fos; GABA; Glu; GABA/Glu ratio). Plus 1 row for higher theta power (no arrow).",
    "agrawal2024": "4 arrows over 7 targets (adenosine, G6P, 3-BAIBA; sphingosine; glycolysis and TCA "
    "cycle/mitochondrial function; Ca2+-related signal).",
    "cancel2022": "2 arrows over 4 targets (NOS3, VEGFR1; c-FOS, BDNF).",
    "holmes2016": "2 arrows over 4 enriched terms.",
    "kim2017": "2 arrows over 7 targets.",
    "longo2022": "2 arrows over 5 targets (ERK1/2-CREB split into ERK1/2 and CREB; CaMKII; BDNF; PSD-95).",
    "magri2021": "No arrow and no direction stated; no row.",
    "podda2016": "1 arrow over BDNF and pCREB.",
    "sanchezleon2021": "3 arrows: GAD65-67 (split into GAD65, GAD67) and GABA level imbalance after cathodal (3); "
    "SEP up with anodal (1); SEP down with cathodal (1). Plus 3 unchanged rows for 'no changes "
    "after anodal'.",
    "sun2016": "No arrow. 5 rows from the named content: DCS-LTD, DCS-LTD under GABAR and under NMDAR blockade, "
    "and the mGluR5-mTOR pathway (direction inferred as engaged).",
    "walter2022": "3 arrows over 5 targets (functional recovery, neurogenesis; microglial activation, CD16/32; "
    "neurogenesis after atDCS).",
}


def table_rows(path):
    """Yield (table number, row number, ref, results cell) for every study row of Tables 2-4."""
    table = None
    row = 0
    for line in Path(path).read_text(encoding="utf-8").splitlines(keepends=True):
        m = re.match(r"Table ([234])\.", line)
        if m:
            table, row = int(m.group(1)), 0
            continue
        cells = line.rstrip("\n").split("\t")
        if table and len(cells) == 8 and cells[0] != "Authors":
            ref = re.search(r"\[(\d+)\]", cells[0])
            if ref:
                row += 1
                yield table, row, int(ref.group(1)), cells[7]


def main():
    studies = list(csv.DictReader(Path(f"{DATA}/studies.csv").read_text(encoding="utf-8").splitlines()))
    by_ref = {int(s["review_ref"]): s for s in studies}
    findings = list(csv.DictReader(Path(f"{DATA}/findings.csv").read_text(encoding="utf-8").splitlines()))
    table_n = collections.Counter()
    text_n = collections.Counter()
    dirs = collections.defaultdict(collections.Counter)
    for f in findings:
        if f["source"].startswith("Table"):
            table_n[(f["study_id"], f["source"])] += 1
            dirs[f["study_id"]][f["direction"]] += 1
        else:
            text_n[f["study_id"]] += 1

    print(f"{'table row':<16}{'study':<20}{'up':>3}{'dn':>3}{'=':>3}{'arrows':>7}{'rows':>6}{'text':>6}  rows up/dn/= ")
    tot = collections.Counter()
    problems = []
    seen = set()
    for table, row, ref, cell in table_rows(SOURCE):
        s = by_ref[ref]
        src = f"Table {table}, row {row}"
        if s["source"] != src:
            problems.append(f"{s['study_id']}: studies.csv says {s['source']!r}, text order gives {src!r}")
        seen.add(s["study_id"])
        c = {k: len(rx.findall(cell)) for k, rx in ARROWS.items()}
        n_arrows = sum(c.values())
        n_rows = table_n[(s["study_id"], src)]
        d = dirs[s["study_id"]]
        tot.update(arrows=n_arrows, rows=n_rows, text=text_n[s["study_id"]])
        print(
            f"{src:<16}{s['study_id']:<20}{c['up']:>3}{c['down']:>3}{c['same']:>3}{n_arrows:>7}{n_rows:>6}"
            f"{text_n[s['study_id']]:>6}  {d['increased']}/{d['decreased']}/{d['unchanged']}"
        )
        print(f"{'':<16}  -> {WHY.get(s['study_id'], '(no explanation)')}")
    print(
        f"\nTotals: {tot['arrows']} arrows; {tot['rows']} table-sourced rows; {tot['text']} text-sourced rows; "
        f"{len(findings)} findings in all."
    )
    missing = {s["study_id"] for s in studies} - seen
    if missing:
        problems.append(f"studies not found in the tables: {sorted(missing)}")
    stray = {f["source"] for f in findings if f["source"].startswith("Table")} - {s["source"] for s in studies}
    if stray:
        problems.append(f"finding sources that are no study's table row: {sorted(stray)}")
    for f in findings:
        s = next(x for x in studies if x["study_id"] == f["study_id"])
        if f["source"].startswith("Table") and f["source"] != s["source"]:
            problems.append(f"{f['finding_id']} cites {f['source']} but its study is {s['source']}")
    print("\nProblems:" if problems else "\nNo cross-check problems.")
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
