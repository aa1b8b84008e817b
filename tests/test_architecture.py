"""The dependency rule of docs/architecture.md, checked on the source: every `import` in
voicebot/ (at the top, inside functions and under TYPE_CHECKING alike) is read with `ast`.

- The developer tools (voicebot.devtools) sit outside the runtime: only the command line
  imports them; the desk runs `voicebot flows test` as a process.
- The web edge (voicebot.web) is on top: the app factory registers its blueprint, and
  nothing below it imports its handlers. Its URL builder (voicebot.web.urls) is the one
  part the worker's code may use, to tell Twilio where to call back; it imports no other
  voicebot module, so using it pulls in nothing of the edge.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "voicebot"

# What may import voicebot.devtools: the command line, and the tools themselves.
DEVTOOLS_USERS = ("voicebot.cli", "voicebot.__main__", "voicebot.devtools")
# Packages that sit below the web edge and must not import any of it (its URL builder
# included): they serve every caller of theirs, not only an HTTP request.
BELOW_WEB = ("voicebot.engine", "voicebot.services", "voicebot.models", "voicebot.flows",
             "voicebot.language", "voicebot.db")
WEB_LEAF = "voicebot.web.urls"
# The flow language (voicebot.flows: the compiled model, the checks of YAML values, field
# templates, words) sits below the engine; the compiler (voicebot.compiler: loader, whole-file
# checks, pictures, the registry of loaded flows) sits above the step kinds it compiles with
# (voicebot.engine.steps). The engine uses only the language, the language neither of them.
FLOW_LANGUAGE = ("voicebot.flows",)
COMPILER = ("voicebot.compiler",)
# Packages that take part in no import cycle between packages (one package importing
# another, by any path, that imports it back). Shared layers at the bottom of the rule.
ACYCLIC = ("voicebot.flows", "voicebot.compiler", "voicebot.language", "voicebot.models",
           "voicebot.devtools", "voicebot.admin", "voicebot.jobs")


@dataclass(frozen=True)
class Import:
    importer: str  # module name
    imported: str  # module name, resolved (relative imports and `from pkg import module`)
    where: str  # FILE:LINE

    def __str__(self) -> str:
        return f"{self.where}: {self.importer} imports {self.imported}"


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def imports_in(source: str, importer: str, known: set[str], filename: str) -> list[Import]:
    """Every import in `source`, wherever it is written, as the modules it loads."""
    is_package = filename.endswith("__init__.py")
    found: list[Import] = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [Import(importer, alias.name, where) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = importer.split(".")
                anchor = anchor[:len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append(Import(importer, base, where))
            # `from voicebot import db` loads the module voicebot.db.
            found += [Import(importer, f"{base}.{alias.name}", where) for alias in node.names
                      if f"{base}.{alias.name}" in known]
    return found


def all_imports(root: Path = PACKAGE) -> list[Import]:
    found = modules(root)
    known = set(found)
    out: list[Import] = []
    for name, path in found.items():
        out += imports_in(path.read_text(encoding="utf-8"), name, known,
                          str(path.relative_to(root.parent)))
    return out


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def runtime_importing_devtools(imports: list[Import]) -> list[Import]:
    return [i for i in imports if within(i.imported, ("voicebot.devtools",))
            and not within(i.importer, DEVTOOLS_USERS)]


def web_imported_from_below(imports: list[Import]) -> list[Import]:
    """Imports of the web edge that break the rule: any at all from a package below it, and
    any of its handlers (anything but its URL builder) from elsewhere in the runtime."""
    offending = []
    for i in imports:
        if not within(i.imported, ("voicebot.web",)) or within(i.importer, ("voicebot.web",)):
            continue
        if within(i.importer, BELOW_WEB) or (
                i.imported not in (WEB_LEAF, "voicebot.web") and not _may_use_handlers(i.importer)):
            offending.append(i)
    return offending


def _may_use_handlers(importer: str) -> bool:
    """The app factory (voicebot/__init__.py), which registers the edge's blueprint, and the
    tools outside the runtime."""
    return importer == "voicebot" or within(importer, DEVTOOLS_USERS)


def flow_layers_crossed(imports: list[Import]) -> list[Import]:
    """The engine importing the flow compiler, or the flow language importing the engine or
    the compiler."""
    return [i for i in imports
            if (within(i.importer, ("voicebot.engine",)) and within(i.imported, COMPILER))
            or (within(i.importer, FLOW_LANGUAGE)
                and within(i.imported, ("voicebot.engine", *COMPILER)))]


def package_of(module: str) -> str:
    """voicebot.engine.steps.ask -> voicebot.engine; voicebot.db -> voicebot.db."""
    return ".".join(module.split(".")[:2])


def package_cycles(imports: list[Import]) -> list[set[str]]:
    """Groups of packages that import each other, by any path (the strongly connected
    components of the package graph with more than one package)."""
    graph: dict[str, set[str]] = {}
    for i in imports:
        a, b = package_of(i.importer), package_of(i.imported)
        if b.startswith("voicebot.") and a != b:
            graph.setdefault(a, set()).add(b)
            graph.setdefault(b, set())

    def reach(start: str) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            for nxt in graph[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen

    reaches = {p: reach(p) for p in graph}
    groups = {frozenset(q for q in reaches[p] if p in reaches[q]) for p in graph}
    return [set(g) for g in groups if len(g) > 1]


def cycles_through(packages: tuple[str, ...], imports: list[Import]) -> list[str]:
    """Each package of `packages` that is in a cycle, with the cycle's packages and the
    imports that make it."""
    found = []
    for group in package_cycles(imports):
        for package in sorted(group & set(packages)):
            links = sorted({str(i) for i in imports if package_of(i.importer) in group
                            and package_of(i.imported) in group
                            and package_of(i.importer) != package_of(i.imported)})
            found.append(f"{package} is in the cycle {sorted(group)}:\n  " + "\n  ".join(links))
    return found


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return all_imports()


def test_the_walk_sees_imports_inside_functions(imports: list[Import]) -> None:
    """The rules below are only as good as the walk: the command line imports the flow-test
    runner inside a command, and the app factory imports the web edge inside create_app."""
    pairs = {(i.importer, i.imported) for i in imports}
    assert ("voicebot.cli", "voicebot.devtools.flow_tests") in pairs
    assert ("voicebot", "voicebot.web.voice") in pairs
    assert ("voicebot.web.voice", "voicebot.web.params") in pairs


def test_the_runtime_never_imports_the_developer_tools(imports: list[Import]) -> None:
    offending = runtime_importing_devtools(imports)
    assert not offending, "voicebot.devtools is outside the runtime:\n" + "\n".join(map(str, offending))


def test_nothing_below_the_web_edge_imports_it(imports: list[Import]) -> None:
    offending = web_imported_from_below(imports)
    assert not offending, ("the web edge is imported from below (docs/architecture.md):\n"
                           + "\n".join(map(str, offending)))


def test_the_url_builder_imports_nothing_of_voicebot(imports: list[Import]) -> None:
    """What lets the worker's code use web.urls without depending on the edge."""
    offending = [i for i in imports if i.importer == WEB_LEAF and within(i.imported, ("voicebot",))]
    assert not offending, "\n".join(map(str, offending))


def test_the_engine_uses_only_the_flow_language(imports: list[Import]) -> None:
    offending = flow_layers_crossed(imports)
    assert not offending, ("the engine and the flow compiler import each other:\n"
                           + "\n".join(map(str, offending)))


def test_the_shared_layers_are_in_no_package_cycle(imports: list[Import]) -> None:
    """Flow language, compiler, language, models, the desk, jobs and devtools: none of them is
    imported back by a package it imports, however long the path."""
    offending = cycles_through(ACYCLIC, imports)
    assert not offending, "\n".join(offending)


def test_the_cycle_check_sees_a_long_cycle() -> None:
    """flows -> language -> engine -> flows, each import in a different file, is a cycle."""
    known = set(modules())
    found = [*imports_in("from voicebot.language import lemmas\n", "voicebot.flows.words", known,
                         "voicebot/flows/words.py"),
             *imports_in("def f():\n    from voicebot.engine import turn\n",
                         "voicebot.language.lemmas", known, "voicebot/language/lemmas.py"),
             *imports_in("from ..flows import model\n", "voicebot.engine.answers", known,
                         "voicebot/engine/answers.py")]
    assert package_cycles(found) == [{"voicebot.flows", "voicebot.language", "voicebot.engine"}]
    assert len(cycles_through(("voicebot.language",), found)) == 1


@pytest.mark.parametrize(("importer", "source", "rule"), [
    ("voicebot.engine.runner", "def f():\n    from voicebot.devtools import emulator\n",
     runtime_importing_devtools),
    ("voicebot.admin.flows", "import voicebot.devtools.flow_tests\n", runtime_importing_devtools),
    ("voicebot.engine.runner", "from voicebot.web.urls import absolute\n", web_imported_from_below),
    ("voicebot.services.tickets", "from ..web import voice\n", web_imported_from_below),
    ("voicebot.voicemail.pipeline", "from voicebot.web.voice import run_turn\n",
     web_imported_from_below),
    ("voicebot.engine.steps.ask", "from voicebot.compiler.registry import registry\n",
     flow_layers_crossed),
    ("voicebot.flows.fields", "def f():\n    from ..engine.steps import KINDS\n",
     flow_layers_crossed),
    ("voicebot.flows.model", "from voicebot.compiler import loader\n", flow_layers_crossed),
])
def test_each_rule_catches_a_breach(importer: str, source: str,
                                    rule: Callable[[list[Import]], list[Import]]) -> None:
    """A breach written the ways a change would write it (a function-local import, a
    relative one) is caught."""
    known = set(modules()) | {"voicebot.web.voice", "voicebot.devtools.emulator"}
    filename = importer.replace(".", "/") + ".py"
    found = imports_in(source, importer, known, filename)
    assert rule(found), (importer, source)
