"""The dependency rule of docs/architecture.md, checked on the source: every `import` in
voicebot/ (at the top, inside functions and under TYPE_CHECKING alike) is read with `ast`.

- The developer tools (voicebot.devtools) sit outside the runtime: only the command line
  imports them; the desk runs `voicebot flows test` as a process.
- The web edge (voicebot.web) is on top: the app factory registers its blueprint, and
  nothing below it imports it. The worker's code tells Twilio where to call back with
  `voicebot.telephony.public_url`, not with the edge's URL builder.
- Below it: `web -> engine | voicemail | callbacks -> services -> models`, `voicebot.language`
  shared by all and importing none of them; no function-level import outside the app
  factory and the CLI; no cycle between packages.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from voicebot import models

PACKAGE = Path(__file__).resolve().parents[1] / "voicebot"

# What may import voicebot.devtools: the command line, and the tools themselves.
DEVTOOLS_USERS = ("voicebot.cli", "voicebot.__main__", "voicebot.devtools")
# Packages that sit below the web edge and must not import any of it (its URL builder
# included): they serve every caller of theirs, not only an HTTP request.
BELOW_WEB = ("voicebot.engine", "voicebot.services", "voicebot.models", "voicebot.flows",
             "voicebot.language", "voicebot.db")
WEB_LEAF = "voicebot.web.urls"
# The flow language (voicebot.flows: the compiled model, the checks of YAML values, field
# templates, words, and the texts, hours and wording the engine, the callbacks and the
# voicemail pipeline share) sits below the engine; the compiler (voicebot.compiler: loader,
# whole-file checks, pictures, the registry of loaded flows) sits above the step kinds it
# compiles with (voicebot.engine.steps). The engine uses only the language, the language
# neither of them; code below the compiler reads flows through voicebot.flows.catalog.
FLOW_LANGUAGE = ("voicebot.flows",)
FLOW_COMPILER = ("voicebot.compiler",)


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
            if (within(i.importer, ("voicebot.engine",)) and within(i.imported, FLOW_COMPILER))
            or (within(i.importer, FLOW_LANGUAGE)
                and within(i.imported, ("voicebot.engine", *FLOW_COMPILER)))]


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


# -- the dependency rule between the runtime's packages (issue 14 stage 4) ------------------
# web -> engine | voicemail | callbacks -> services -> models; voicebot.language is shared by
# all and imports none of them. Checked on every import, at the top of a module and inside
# its functions alike.
ABOVE: dict[str, tuple[str, ...]] = {
    # package: what it must not import
    "voicebot.models": ("voicebot.",),
    "voicebot.language": ("voicebot.",),
    "voicebot.services": ("voicebot.web", "voicebot.engine", "voicebot.voicemail",
                          "voicebot.callbacks", "voicebot.admin", "voicebot.cli",
                          "voicebot.devtools"),
    "voicebot.engine": ("voicebot.web", "voicebot.voicemail", "voicebot.callbacks",
                        "voicebot.admin", "voicebot.cli"),
    "voicebot.callbacks": ("voicebot.web", "voicebot.engine", "voicebot.voicemail",
                           "voicebot.admin", "voicebot.cli"),
    "voicebot.voicemail": ("voicebot.web", "voicebot.engine", "voicebot.callbacks",
                           "voicebot.admin", "voicebot.cli"),
}
SHARED_BY_ALL = ("voicebot.language",)
"""What `voicebot.language` and `voicebot.models` may import of voicebot: themselves only."""

FUNCTION_LEVEL_ALLOWED = {
    "voicebot": "the app factory imports the app's parts when an app is made, so that "
                "`import voicebot.models` (migrations, the light CLI commands) loads no Flask app",
    "voicebot.cli": "each command imports what it needs, so `voicebot --help` starts at once "
                    "and `voicebot serve` loads no developer tool",
}
"""Modules whose functions may import voicebot modules, and why; nowhere else is a
function-level import written, so none can be there to dodge a cycle."""

def _package(module: str) -> str:
    """voicebot.engine.steps.ask -> voicebot.engine; voicebot.notes -> voicebot.notes."""
    return ".".join(module.split(".")[:2])


def layer_breaches(imports: list[Import]) -> list[Import]:
    offending = []
    for i in imports:
        if not i.imported.startswith("voicebot"):
            continue
        for package, banned in ABOVE.items():
            if not within(i.importer, (package,)) or within(i.imported, (package,)):
                continue
            if package in ("voicebot.models", "voicebot.language"):
                if i.imported != "voicebot" and not within(i.imported, SHARED_BY_ALL):
                    offending.append(i)
            elif any(within(i.imported, (b,)) for b in banned):
                offending.append(i)
    return offending


def function_level_imports(source: str, importer: str, filename: str) -> list[Import]:
    """voicebot imports written inside a function (or a method)."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.ImportFrom) and (sub.level or (sub.module or "").startswith(
                    "voicebot")):
                found.append(Import(importer, sub.module or ".", f"{filename}:{sub.lineno}"))
            elif isinstance(sub, ast.Import):
                found += [Import(importer, a.name, f"{filename}:{sub.lineno}")
                          for a in sub.names if a.name.startswith("voicebot")]
    return found


def package_cycles(imports: list[Import]) -> list[set[str]]:
    """Strongly connected groups of packages (and top-level modules) that import each other,
    through any chain of imports (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = {}
    for i in imports:
        if i.imported.startswith("voicebot."):
            a, b = _package(i.importer), _package(i.imported)
            if a not in {b, "voicebot"}:
                graph.setdefault(a, set()).add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_each_package_imports_only_what_is_below_it(imports: list[Import]) -> None:
    offending = layer_breaches(imports)
    assert not offending, ("an import breaks `web -> engine | voicemail | callbacks -> services "
                           "-> models`, language shared (docs/architecture.md):\n"
                           + "\n".join(map(str, offending)))


def test_no_function_level_import_is_there_to_dodge_a_cycle() -> None:
    offending = []
    for name, path in modules().items():
        if name in FUNCTION_LEVEL_ALLOWED or within(name, ("voicebot.devtools",)):
            continue
        offending += function_level_imports(path.read_text(encoding="utf-8"), name,
                                            str(path.relative_to(PACKAGE.parent)))
    assert not offending, ("import at the top of the module; a cycle it would make is broken "
                           "by moving shared code down:\n" + "\n".join(map(str, offending)))


def test_no_cycle_between_packages(imports: list[Import]) -> None:
    cycles = package_cycles(imports)
    assert not cycles, ("packages that import each other, through any chain of imports: "
                        + "; ".join(" <-> ".join(sorted(g)) for g in cycles))


def test_engine_and_callbacks_share_texts_and_hours_without_importing_each_other(
        imports: list[Import]) -> None:
    pairs = {(_package(i.importer), _package(i.imported)) for i in imports}
    assert ("voicebot.callbacks", "voicebot.engine") not in pairs
    assert ("voicebot.engine", "voicebot.callbacks") not in pairs
    assert ("voicebot.callbacks.runner", "voicebot.flows.texts") in {
        (i.importer, i.imported) for i in imports}


@pytest.mark.parametrize(("importer", "source"), [
    ("voicebot.services.tickets", "def f():\n    from voicebot.engine import runner\n"),
    ("voicebot.services.messages", "from ..callbacks import runner\n"),
    ("voicebot.engine.effects", "from voicebot.callbacks.runner import schedule\n"),
    ("voicebot.callbacks.runner", "import voicebot.engine.runner\n"),
    ("voicebot.language.numbers", "from voicebot.flows import words\n"),
    ("voicebot.models", "from voicebot.services import calls\n"),
])
def test_the_layer_rule_catches_a_breach(importer: str, source: str) -> None:
    known = set(modules())
    found = imports_in(source, importer, known, importer.replace(".", "/") + ".py")
    assert layer_breaches(found), (importer, source)


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import() -> None:
    known = set(modules())
    found = imports_in("from voicebot.services import calls\n", "voicebot.engine.runner", known,
                       "voicebot/engine/runner.py")
    found += imports_in("def f():\n    from voicebot.engine import runner\n",
                        "voicebot.services.calls", known, "voicebot/services/calls.py")
    assert package_cycles(found) == [{"voicebot.engine", "voicebot.services"}]
    assert function_level_imports("def f():\n    from voicebot.engine import runner\n",
                                  "voicebot.services.calls", "voicebot/services/calls.py")


# -- the page that explains the rule --------------------------------------------------------


def test_the_architecture_page_places_every_package() -> None:
    """docs/architecture.md names each package and top-level module of voicebot, so a new one
    is given its place in the rule (and its row on the page) when it is added."""
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    top = {path.name for path in PACKAGE.iterdir()
           if path.suffix == ".py" or (path.is_dir() and (path / "__init__.py").exists())}
    missing = sorted(name for name in top
                     if f"`{name}`" not in page and f"`{name}/`" not in page)
    assert not missing, f"not placed in docs/architecture.md: {', '.join(missing)}"


def test_a_served_app_loads_no_developer_tool(tmp_path: Path) -> None:
    """What `voicebot serve` does, in a fresh interpreter: load the command line, make the app
    and answer a request. None of it may load voicebot.devtools."""
    program = (
        "import sys, voicebot.cli, voicebot.serving\n"
        "from voicebot import create_app\n"
        f"app = create_app({{'DATABASE_URL': 'sqlite:///{tmp_path}/calls.db', "
        f"'INSTANCE_DIR': '{tmp_path}', 'FLOWS_DIR': '{PACKAGE.parent / 'flows'}'}})\n"
        "assert app.test_client().get('/healthz').status_code == 200\n"
        "print(sorted(m for m in sys.modules if m.startswith('voicebot.devtools')))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=120, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"loaded by a served app: {done.stdout}"


# -- one home for each effect ---------------------------------------------------------------
ROW_MAKERS = ("voicebot.services", "voicebot.models")
"""Where a row of voicebot.models is constructed: the services (voicebot/services/__init__.py),
so each effect has one home and one rule, whoever asks for it."""


def rows_made(source: str, importer: str, filename: str) -> list[str]:
    """Each construction of a model in `source` (`Quote(...)`, `models.Email(...)`), found by
    what the module imported from voicebot.models, so a step class of the same name is not."""
    tree = ast.parse(source, filename)
    names: dict[str, str] = {}  # as the module calls it: its name in voicebot.models
    modules_as: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "voicebot.models":
            names |= {a.asname or a.name: a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module == "voicebot":
            modules_as |= {a.asname or a.name for a in node.names if a.name == "models"}
    made = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = names[func.id] if isinstance(func, ast.Name) and func.id in names else (
            func.attr if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.value.id in modules_as else None)
        if called is not None and called[:1].isupper() and hasattr(models, called) \
                and isinstance(getattr(models, called), type) \
                and issubclass(getattr(models, called), models.Base):
            made.append(f"{filename}:{node.lineno}: {importer} makes a {called}")
    return made


def test_only_the_services_make_rows() -> None:
    """Quotes, e-mails, login failures, like tickets, SMS and dials: one function in a
    service makes each kind of row, and every caller asks it."""
    offending = []
    for name, path in modules().items():
        if not within(name, ROW_MAKERS):
            offending += rows_made(path.read_text(encoding="utf-8"), name,
                                   str(path.relative_to(PACKAGE.parent)))
    assert not offending, "a row made outside voicebot.services:\n" + "\n".join(offending)


@pytest.mark.parametrize("source", [
    "from voicebot.models import Quote\ndef f(s):\n    s.add(Quote(body='x'))\n",
    "from voicebot import models\ndef f(s):\n    s.add(models.LoginFailure(name='x'))\n",
    "from voicebot.models import Email as Outbox\nrow = Outbox(to=[])\n",
])
def test_the_row_rule_catches_a_row_made_elsewhere(source: str) -> None:
    assert rows_made(source, "voicebot.voicemail.pipeline", "voicebot/voicemail/pipeline.py")


def test_the_row_rule_leaves_a_step_class_of_a_models_name_alone() -> None:
    """The flow's `ticket` step class is called Ticket too, and is no row."""
    source = "from voicebot.flows.model import Ticket\nstep = Ticket('s', None)\n"
    assert not rows_made(source, "voicebot.engine.steps.ticket", "voicebot/engine/steps/ticket.py")
