"""Every in-scope rule of ../shared/seed-rules.md has a proof: a test whose name or docstring
cites its ID, or a scripted call in flows/calls/ whose name does. Rules still being built are
listed in PENDING; the list may only shrink, so coverage cannot silently drop."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RULES = REPO.parent / "shared" / "seed-rules.md"
RULE_ROW = re.compile(r"^\| ((?:OM|TS|CS|HL|RT)-\d+) \|")

# Rules whose proof needs machinery not built yet (the issue that brings it in brackets).
PENDING: dict[str, str] = {
}


def rule_ids() -> list[str]:
    if not RULES.exists():
        pytest.skip(f"{RULES} is not present: nothing to check against")
    ids = []
    for line in RULES.read_text().splitlines():
        match = RULE_ROW.match(line)
        if match and "out of scope" not in line.lower():
            ids.append(match.group(1))
    return ids


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


def test_citations_are_recognised() -> None:
    assert cites("test_cs5_no_transfer_without_the_clients_name", "CS-5")
    assert cites('"""HL-9: one redial"""', "HL-9")
    assert not cites("test_cs55_something", "CS-5")
    assert not cites("see HL-10", "HL-1")
