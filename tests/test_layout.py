"""The package's layout holds: no import cycles, subpackages import only their own layer or lower ones, each
third-party library stays in the subpackage that owns it, modules stay short and everything is documented.

The static checks read the source with ast (nothing is imported); the last test builds a site in fresh
interpreters to show that an up-to-date build loads none of the heavy libraries.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import NamedTuple

from conftest import REPO, write_content, write_library

PACKAGE = REPO / "cquinlib"
TOP = "cquinlib"

# Lowest first; search and site share a layer, so neither may import the other.
LAYERS = {"core": 0, "format": 1, "library": 2, "search": 3, "site": 3, "exchange": 3, "build": 4, "commands": 5}

# Third-party top-level import names, and the only module path prefixes (relative to the repo) that may use them.
THIRD_PARTY_HOMES = {
    "whoosh": ("cquinlib/search/",), "numpy": ("cquinlib/search/",),
    "jinja2": ("cquinlib/site/",), "cmarkgfm": ("cquinlib/site/",), "nh3": ("cquinlib/site/",),
    "livereload": ("cquinlib/commands/serve.py",), "tornado": ("cquinlib/commands/serve.py",),
    "filetype": ("cquinlib/library/sniff.py",), "anyascii": ("cquinlib/library/urls.py",),
    "openpyxl": ("cquinlib/exchange/xlsx.py",), "rjsmin": ("cquinlib/site/minify.py",),
}

MAX_LINES = 400
HEAVY = ("jinja2", "whoosh", "numpy", "cmarkgfm", "nh3", "openpyxl")
# What reading the library takes: an up-to-date build, which reads no scheme, loads none of it either.
VALIDATION = ("yaml", "cquinlib.format.yamlio", "cquinlib.library.load", "cquinlib.library.validate")


class Import(NamedTuple):
    """One name an import statement (or an import_module call) brings in."""

    line: int
    level: int  # 0 for absolute imports; the number of leading dots otherwise
    module: str  # the dotted module named after `from` (or after `import`); "" for `from . import x`
    name: str  # the imported name in `from M import name`; "" for `import M`


def module_name(path: Path) -> str:
    """The dotted module name of a file under cquinlib/ ('cquinlib/core/digest.py' -> 'cquinlib.core.digest')."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def sources() -> dict[str, Path]:
    """Every module of cquinlib by dotted name, with its file."""
    files = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
    return {module_name(p): p for p in files}


@cache
def parsed(name: str) -> ast.Module:
    """The syntax tree of a module."""
    path = sources()[name]
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imports_of(tree: ast.Module) -> list[Import]:
    """Every import anywhere in a tree: top level, inside functions, under `if TYPE_CHECKING:`, and
    importlib.import_module / __import__ calls with a literal absolute name."""
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(Import(node.lineno, 0, alias.name, "") for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.extend(Import(node.lineno, node.level, node.module or "", alias.name) for alias in node.names)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func, target = node.func, node.args[0].value
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called in ("import_module", "__import__") and isinstance(target, str) and not target.startswith("."):
                found.append(Import(node.lineno, 0, target, ""))
    return found


def resolve(importer: str, imp: Import) -> str:
    """The dotted module an import names, relative imports resolved against the importer's package; for
    `from M import x` it is M.x when that is a module of cquinlib, else M."""
    if imp.level:
        package = importer if sources()[importer].name == "__init__.py" else importer.rpartition(".")[0]
        base = package.split(".")
        if imp.level - 1 >= len(base):
            raise AssertionError(f"{importer}:{imp.line}: relative import climbs above the top package")
        base = base[:len(base) - (imp.level - 1)]
        module = ".".join(base + ([imp.module] if imp.module else []))
    else:
        module = imp.module
    if imp.name and imp.name != "*" and f"{module}.{imp.name}" in sources():
        return f"{module}.{imp.name}"
    return module


def is_internal(module: str) -> bool:
    """True for cquinlib and its modules."""
    return module == TOP or module.startswith(TOP + ".")


@cache
def import_graph() -> dict[str, dict[str, int]]:
    """For each module of cquinlib, the modules of cquinlib it imports, each with the first line that does."""
    graph: dict[str, dict[str, int]] = {}
    for name in sources():
        edges: dict[str, int] = {}
        for imp in imports_of(parsed(name)):
            target = resolve(name, imp)
            if is_internal(target):
                edges.setdefault(target, imp.line)
        graph[name] = edges
    return graph


def external_imports(name: str) -> dict[str, int]:
    """The top-level names of the third-party (and standard) libraries a module imports, with a line each."""
    found: dict[str, int] = {}
    for imp in imports_of(parsed(name)):
        if imp.level == 0 and imp.module and not is_internal(imp.module):
            found.setdefault(imp.module.split(".")[0], imp.line)
    return found


def subpackage(module: str) -> str | None:
    """The subpackage a module belongs to ('cquinlib.site.render' -> 'site'); None for the top package."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """For each strongly connected group of modules that import each other (a module that imports itself
    included), the shortest cycle through each of its modules (first module repeated at the end), each once."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        """Tarjan's algorithm from one node (the graph is a few dozen modules: recursion is fine)."""
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group: set[str] = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, {}):
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    found: list[list[str]] = []
    seen: set[frozenset[tuple[str, str]]] = set()
    for group in groups:
        for start in sorted(group):
            cycle = cycle_within(graph, group, start)
            edges = frozenset(zip(cycle, cycle[1:]))
            if edges not in seen:
                seen.add(edges)
                found.append(cycle)
    return found


def cycle_within(graph: dict[str, dict[str, int]], group: set[str], start: str) -> list[str]:
    """A shortest path from start back to itself, staying inside its group."""
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for target in sorted(graph[node]):
                if target == start:
                    return paths[node] + [start]
                if target in group and target not in paths:
                    paths[target] = paths[node] + [target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle through {start} in {sorted(group)}")


def test_the_scan_sees_the_package() -> None:
    """The source scan finds every subpackage, resolves relative imports and sees imports in functions and
    under TYPE_CHECKING, so the checks below look at real data."""
    names = sources()
    assert len(names) > 30 and "cquinlib.commands.cli" in names and "cquinlib.library" in names
    on_disk = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert on_disk == set(LAYERS), f"subpackages on disk {sorted(on_disk)} != layers {sorted(LAYERS)}"
    graph = import_graph()
    # `from . import urls` in library/model.py and `from ..core.digest import digest_values` in library/cards.py.
    assert "cquinlib.library.urls" in graph["cquinlib.library.model"]
    assert "cquinlib.core.digest" in graph["cquinlib.library.cards"]
    tree = ast.parse("import typing\nif typing.TYPE_CHECKING:\n    from ..core import digest\n"
                     "def f() -> None:\n    from .urls import scheme_id\n")
    assert [i.line for i in imports_of(tree)] == [1, 3, 5]
    assert resolve("cquinlib.library.model", Import(3, 2, "core", "digest")) == "cquinlib.core.digest"
    assert resolve("cquinlib.library", Import(5, 1, "urls", "scheme_id")) == "cquinlib.library.urls"
    assert resolve("cquinlib.library.model", Import(1, 1, "", "urls")) == "cquinlib.library.urls"


def test_every_internal_import_names_a_module() -> None:
    """Every import of cquinlib names a module that exists, so no edge of the graph is lost to a typo."""
    missing = [f"{name}:{line} -> {target}" for name, edges in import_graph().items()
               for target, line in edges.items() if target not in sources()]
    assert not missing, "imports of modules that do not exist:\n" + "\n".join(missing)


def test_cycle_finder_finds_cycles() -> None:
    """The cycle finder reports a known cycle and a self-import, and nothing for an acyclic graph."""
    assert cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b": 1, "c": 1}, "b": {"a": 1}, "c": {"a": 1}}) == [["a", "b", "a"], ["c", "a", "c"]]
    assert cycles({"a": {"a": 1}, "b": {}}) == [["a", "a"]]
    assert cycles({"a": {"b": 1, "c": 1}, "b": {"c": 1}, "c": {}}) == []


def test_no_import_cycles() -> None:
    """No module imports, directly or through others, a module that imports it back."""
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in found)


def test_layers() -> None:
    """Each module imports only its own subpackage or a lower layer; search and site never import each other;
    the top package imports nothing of cquinlib (and nothing imports the top package)."""
    violations = []
    for name, edges in sorted(import_graph().items()):
        own = subpackage(name)
        for target, line in sorted(edges.items()):
            other = subpackage(target)
            if own is None or other is None or own not in LAYERS or other not in LAYERS:
                allowed = False  # the top package is in no layer: it imports nothing, and nothing imports it
            else:
                allowed = other == own or LAYERS[other] < LAYERS[own]
            if not allowed:
                violations.append(f"{name}:{line} -> {target}")
    assert not violations, "imports against the layers (core < format < library < search, site < build < " \
                           "commands):\n" + "\n".join(violations)


def test_third_party_libraries_stay_home() -> None:
    """whoosh and numpy only in search, jinja2, markdown and nh3 only in site, livereload and tornado only in
    commands/serve.py."""
    seen = {library: False for library in THIRD_PARTY_HOMES}
    violations = []
    for name, path in sources().items():
        rel = path.relative_to(REPO).as_posix()
        for library, line in sorted(external_imports(name).items()):
            if library in THIRD_PARTY_HOMES:
                seen[library] = True
                if not rel.startswith(THIRD_PARTY_HOMES[library]):
                    violations.append(f"{rel}:{line} imports {library}")
    assert not violations, "third-party libraries outside their subpackage:\n" + "\n".join(violations)
    # Each rule watches a library the package really uses, so none of them passes by being about nothing.
    assert [library for library, used in seen.items() if not used] == []


def test_modules_are_short() -> None:
    """No module is over 400 lines."""
    long = {path.relative_to(REPO).as_posix(): n for path in sources().values()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: " + ", ".join(f"{p} ({n})" for p, n in sorted(long.items()))


def test_subpackages_say_what_they_may_import() -> None:
    """Every subpackage has an __init__.py whose docstring says "May import"."""
    folders = sorted(p for p in PACKAGE.iterdir() if p.is_dir() and any(p.glob("*.py")))
    assert folders, "no subpackages found"
    problems = []
    for folder in folders:
        init = folder / "__init__.py"
        if not init.is_file():
            problems.append(f"{folder.relative_to(REPO).as_posix()}: no __init__.py")
            continue
        doc = ast.get_docstring(parsed(module_name(init))) or ""
        if "May import" not in doc:
            problems.append(f"{init.relative_to(REPO).as_posix()}: docstring does not say 'May import'")
    assert not problems, "\n".join(problems)


def test_everything_has_a_docstring() -> None:
    """Every module, function (nested ones and methods too) and class in cquinlib has a docstring."""
    missing = []
    for name, path in sources().items():
        rel = path.relative_to(REPO).as_posix()
        tree = parsed(name)
        if not ast.get_docstring(tree):
            missing.append(f"{rel}:1 (module)")
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not ast.get_docstring(node):
                missing.append(f"{rel}:{node.lineno} {node.name}")
    assert not missing, "missing docstrings:\n" + "\n".join(missing)


class FreshBuild(NamedTuple):
    """What a build in a new Python gave: exit code, the heavy libraries and the modules of the validation path
    it loaded, and what it printed."""

    code: int
    loaded: list[str]
    validation: list[str]
    stdout: str
    stderr: str


def build_in_fresh_interpreter(root: Path) -> FreshBuild:
    """Build root's library in a new Python with the arguments helpers.build uses."""
    args = ["build", "--schemes", str(root / "schemes"), "--content", str(root / "content"),
            "--out", str(root / "site"), "--cache", str(root / ".cache")]
    code = (f"from cquinlib.commands.cli import main; code = main({args!r}); import sys; "
            f"print([sorted(m for m in names if m in sys.modules) for names in ({HEAVY!r}, {VALIDATION!r})]); "
            "raise SystemExit(code)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    result = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True,
                            timeout=60)
    lines = result.stdout.strip().splitlines()
    assert lines, f"no output (exit {result.returncode}): {result.stderr}"
    loaded, validation = ast.literal_eval(lines[-1])
    return FreshBuild(result.returncode, loaded, validation, result.stdout, result.stderr)


def test_up_to_date_build_loads_no_heavy_library(tmp_path: Path) -> None:
    """A cold build loads jinja2 and whoosh (so the check can see them); the same build again is up to date
    and loads none of jinja2, whoosh, numpy, markdown or nh3, nor the YAML reader and the validation path."""
    write_library(tmp_path)
    write_content(tmp_path)
    cold = build_in_fresh_interpreter(tmp_path)
    assert cold.code == 0, cold.stderr
    assert {"jinja2", "whoosh"} <= set(cold.loaded), f"a cold build loaded only {cold.loaded}"
    assert cold.validation == sorted(VALIDATION), f"a cold build loaded only {cold.validation} of the validation path"
    assert "is up to date" not in cold.stdout and (tmp_path / "site" / "index.html").is_file()
    warm = build_in_fresh_interpreter(tmp_path)
    assert warm.code == 0, warm.stderr
    assert "is up to date" in warm.stdout, warm.stdout + warm.stderr
    assert warm.loaded == [], f"an up-to-date build loaded {warm.loaded}"
    assert warm.validation == [], f"an up-to-date build loaded {warm.validation}"
