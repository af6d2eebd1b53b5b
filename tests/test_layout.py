"""The import rules of docs/architecture.md, read from the code's own imports: one direction
from models and choices through the shared helpers and each room's selectors, services and
analysis to its forms, then its views, admin and tasks."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "responses"
ROOMS = ("respondent", "fieldwork", "results")

# Layer of a module by its role; an import may only go to the same layer or a lower one.
SHARED = {"links", "audit", "access", "uploads", "broker"}
TOP = {"views", "admin", "tasks", "urls", "session", "templatetags", "management"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    parts = module.split(".")
    if parts[0] != "responses":
        return -1
    names = set(parts[1:])
    if names & TOP:
        return 4
    if "forms" in names:
        return 3
    if len(parts) == 1 or parts[1] in {"models", "choices", "apps"}:
        return 0
    if names & SHARED:
        return 1
    return 2


def room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ROOMS else None


def resolve(module: str, node: ast.ImportFrom, is_package: bool) -> list[str]:
    if node.level == 0:
        base = node.module or ""
    else:
        parts = module.split(".")
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[:keep] + ([node.module] if node.module else []))
    # `from . import views` imports the module views itself.
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def imports(path: Path):
    """(imported module, top level?) for every import of the file."""
    module = module_name(path)
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in top
        elif isinstance(node, ast.ImportFrom):
            for name in resolve(module, node, path.name == "__init__.py"):
                yield name, id(node) in top


def known(name: str) -> str:
    """The longest prefix of `name` that is a module of ours."""
    parts = name.split(".")
    while parts:
        candidate = ROOT.joinpath(*parts)
        if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
            return ".".join(parts)
        parts.pop()
    return name


def app_files(folder: Path):
    return [p for p in folder.rglob("*.py") if "migrations" not in p.parts]


def test_layout_statements_import_nothing_from_responses():
    found = [
        (module_name(p), name)
        for p in app_files(ROOT / "statements")
        for name, _ in imports(p)
        if name.startswith("responses")
    ]
    assert found == []


def test_layout_imports_go_one_way():
    wrong = []
    for path in app_files(APP):
        module = module_name(path)
        for name, top_level in imports(path):
            target = known(name)
            if layer(target) > layer(module) and top_level:
                wrong.append((module, target))
    assert wrong == []


def test_layout_services_import_tasks_only_inside_a_function():
    wrong = [
        (module_name(p), known(name))
        for p in app_files(APP)
        if "services" in p.parts
        for name, top_level in imports(p)
        if known(name).endswith(".tasks") and top_level
    ]
    assert wrong == []


def test_layout_no_room_imports_another_rooms_views_forms_or_tasks():
    wrong = []
    for path in app_files(APP):
        module = module_name(path)
        for name, _ in imports(path):
            target = known(name)
            roles = set(target.split(".")[2:])  # views/ as a package counts as views
            # The app's urls.py includes each room's urls: the one door between them.
            door = module == "responses.urls" and roles == {"urls"}
            if room(target) not in (None, room(module)) and roles & (TOP | {"forms"}) and not door:
                wrong.append((module, target))
    assert wrong == []


FORBIDDEN_IN_ANALYSIS = ("django", "responses.models", "responses.results.selectors")


def test_layout_analysis_is_pure():
    found = [
        known(name)
        for path in sorted((APP / "results" / "analysis").glob("*.py"))
        for name, _ in imports(path)
        if known(name).startswith(FORBIDDEN_IN_ANALYSIS) or ".services" in known(name)
    ]
    assert found == []


@pytest.mark.parametrize("room_name", ["fieldwork", "results"])
def test_layout_tasks_are_named_task(room_name):
    tree = ast.parse((APP / room_name / "tasks.py").read_text())
    tasks = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any("shared_task" in ast.unparse(d) for d in node.decorator_list)
    ]
    assert tasks and all(name.endswith("_task") for name in tasks)
