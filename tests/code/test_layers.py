"""The layers of decisions/: imports point one way, at module level only. Pure: reads the source with ast.

    contract  <-  domain  <-  answers, appmodel, ...  <-  configs  <-  models  <-  store  <-  forms  <-  views, admin

A module may import its own layer or any below it, never one above, and never inside a function (an
import there is how a cycle hides).
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "decisions"
# Lowest first. A module not named here sits in the layer of its package's entry (decisions.configs.*).
LAYERS = (
    ("contract", ("decisions.contract",)),
    ("domain", ("decisions.domain",)),
    (
        "pure",
        (
            "decisions.answers",
            "decisions.appmodel",
            "decisions.scoring",
            "decisions.expectations",
            "decisions.space",
            "decisions.sharing",
            "decisions.seeding",
            "decisions.history",
            "decisions.setups",
            "decisions.measured",
        ),
    ),
    ("configs", ("decisions.configs", "decisions.charts", "decisions.decision_record")),
    ("models", ("decisions.models", "decisions.protection")),
    ("store", ("decisions.store", "decisions.signals")),
    ("forms", ("decisions.forms", "decisions.edits", "decisions.uploads")),
    (
        "web",
        (
            "decisions.views",
            "decisions.imported",
            "decisions.caching",
            "decisions.middleware",
            "decisions.admin",
            "decisions.apps",
            "decisions.checks",
            "decisions.context_processors",
            "decisions.management",
            "decisions.migrations",
        ),
    ),
)
# Function-level imports of the project's modules that must stay, and why.
ALLOWED_LOCAL_IMPORTS = {
    (
        "decisions.apps",
        "decisions.signals",
    ): "Django connects signal handlers in AppConfig.ready(), once the models load",
    ("decisions.apps", "decisions.checks"): "Django registers system checks in AppConfig.ready(), once the models load",
}


def layer_of(module: str) -> int:
    if module == "decisions":
        return 0  # the package's empty __init__
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports(tree: ast.Module, module: str):
    """(imported module, line, whether inside a function) for each import of a decisions module."""
    functions = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    local = {id(node) for function in functions for node in ast.walk(function) if node is not function}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(module.split(".")[: -node.level] + ([base] if base else []))
            # `from decisions import store` imports the module decisions.store
            names = [f"{base}.{alias.name}" if base == "decisions" else base for alias in node.names]
        else:
            continue
        for name in names:
            if name == "decisions" or name.startswith("decisions."):
                yield name, node.lineno, id(node) in local


def problems_in(path: Path, source: str) -> list[str]:
    module = module_name(path)
    own = layer_of(module)
    problems = []
    for imported, line, in_function in project_imports(ast.parse(source), module):
        where = f"{path.relative_to(PACKAGE.parent)}:{line}"
        if in_function and (module, imported) not in ALLOWED_LOCAL_IMPORTS:
            problems.append(f"{where}: {module} imports {imported} inside a function")
        if layer_of(imported) > own:
            problems.append(
                f"{where}: {module} ({LAYERS[own][0]}) imports {imported}"
                f" ({LAYERS[layer_of(imported)][0]}), a layer above"
            )
    return problems


def test_it_finds_no_import_of_a_layer_above_and_none_inside_a_function():
    problems = [problem for path in sorted(PACKAGE.rglob("*.py")) for problem in problems_in(path, path.read_text())]
    assert problems == []


@pytest.mark.parametrize(
    "path, source, problem",
    [
        (
            "domain.py",
            "from decisions.models import Server\n",
            "decisions.domain (domain) imports decisions.models (models), a layer above",
        ),
        (
            "scoring.py",
            "from decisions import store\n",
            "decisions.scoring (pure) imports decisions.store (store), a layer above",
        ),
        (
            "configs/plan.py",
            "from ..models import Server\n",
            "decisions.configs.plan (configs) imports decisions.models (models)",
        ),
        (
            "models.py",
            "def clean():\n    from decisions import domain\n",
            "decisions.models imports decisions.domain inside a function",
        ),
    ],
)
def test_it_catches_an_upward_or_a_function_level_import(path, source, problem):
    assert any(problem in found for found in problems_in(PACKAGE / path, source))


def test_it_allows_imports_from_the_same_or_a_lower_layer():
    assert (
        problems_in(PACKAGE / "views.py", "from decisions import store\nfrom decisions.domain import Criteria\n") == []
    )
