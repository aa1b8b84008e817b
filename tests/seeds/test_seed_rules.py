"""Every rule of ../shared/seed-rules.md is accounted for: an in-scope rule has a proof (a test
whose name or docstring cites its ID, or a scripted call in flows/calls/ whose name does), or
is listed in PENDING while it is being built; a rule the rules themselves mark *out of scope*
is listed in OUT_OF_SCOPE with why. PENDING may only shrink, and no rule drops out unnoticed:
one marked out of scope, or no longer so, fails here until the lists say the same."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RULES = REPO.parent / "shared" / "seed-rules.md"
RULE_ROW = re.compile(r"^\| ((?:OM|TS|CS|HL|RT)-\d+) \|[^|]*\|([^|]*)\|")
OUT_OF_SCOPE_MARK = re.compile(r"^\s*\*out of scope\*", re.IGNORECASE)
"""What the product does, the table's third column, for a rule that is not the phone's."""

# Rules whose proof needs machinery not built yet (the issue that brings it in brackets).
PENDING: dict[str, str] = {
}

# Rules the seed rules mark out of scope: what a phone line cannot do, and so no flow carries.
OUT_OF_SCOPE: dict[str, str] = {
    "TS-11": "office work (receipts, the complaint book, inspectors, contracts, the survey)",
    "RT-6": "on site (politeness at the door, the intercom, the concierge, shoe covers)",
}


def rules() -> dict[str, bool]:
    """Every rule's ID, and whether the rules mark it out of scope."""
    if not RULES.exists():
        pytest.skip(f"{RULES} is not present: nothing to check against")
    found: dict[str, bool] = {}
    for line in RULES.read_text().splitlines():
        match = RULE_ROW.match(line)
        if match:
            found[match.group(1)] = bool(OUT_OF_SCOPE_MARK.match(match.group(2)))
    return found


def rule_ids() -> list[str]:
    """The in-scope rules: each needs a proof."""
    return [rule for rule, out in rules().items() if not out]


def cites(text: str, rule: str) -> bool:
    """'HL-9' in prose; 'hl9' or 'hl_9' inside a test's name."""
    prefix, number = rule.split("-")
    return bool(re.search(rf"\b{prefix}-{number}\b", text)) or bool(
        re.search(rf"(?<![a-z]){prefix.lower()}_?{number}(?!\d)", text)
    )


def proofs() -> list[str]:
    """The names and docstrings of every test, and the names of every scripted call."""
    found = []
    for path in sorted((REPO / "tests").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found.append(f"{node.name}\n{ast.get_docstring(node) or ''}")
    for script in sorted((REPO / "flows" / "calls").glob("*.yaml")):
        found.append(str((yaml.safe_load(script.read_text()) or {}).get("name", "")))
    return found


def test_every_in_scope_rule_has_a_proof() -> None:
    texts = proofs()
    unproven = [r for r in rule_ids() if r not in PENDING and not any(cites(t, r) for t in texts)]
    assert unproven == [], f"rules without a test or scripted call citing them: {unproven}"


def test_pending_rules_are_really_pending() -> None:
    """A rule that gained its proof must leave PENDING, so the list only shrinks."""
    texts = proofs()
    ids = set(rule_ids())
    assert set(PENDING) <= ids, f"PENDING names rules that do not exist: {set(PENDING) - ids}"
    proven = sorted(r for r in PENDING if any(cites(t, r) for t in texts))
    assert proven == [], f"these rules are proven now; remove them from PENDING: {proven}"


def test_out_of_scope_rules_are_exactly_those_the_rules_mark() -> None:
    """RT-6, TS-11: not proven, and not silently missing either: listed here because the
    rules say they are out of scope, and only while they do."""
    marked = {rule for rule, out in rules().items() if out}
    assert marked == set(OUT_OF_SCOPE), (
        f"marked out of scope but not listed: {sorted(marked - set(OUT_OF_SCOPE))}; "
        f"listed but not marked (so in scope and needing a proof): "
        f"{sorted(set(OUT_OF_SCOPE) - marked)}")


def test_every_rule_row_is_read() -> None:
    """A row of a new kind of rule, or one whose table lost a column, would drop out of both
    checks above without a word."""
    read = sorted(rules())
    assert sorted(re.findall(r"^\| ([A-Z]+-\d+) \|", RULES.read_text(), re.MULTILINE)) == read


def test_citations_are_recognised() -> None:
    assert cites("test_cs5_no_transfer_without_the_clients_name", "CS-5")
    assert cites('"""HL-9: one redial"""', "HL-9")
    assert not cites("test_cs55_something", "CS-5")
    assert not cites("see HL-10", "HL-1")
