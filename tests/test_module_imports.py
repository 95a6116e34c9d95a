"""Test modules are leaves: what anything else needs from the tests (the
servers, factories, sample data) lives in a helper module under tests/."""

import ast

from tests.servers import PROJECT

SKIPPED = {".venv", ".git", "node_modules", "mutants"}


def imported_modules(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_no_module_but_a_test_imports_a_test_module():
    importers = {}
    for path in PROJECT.rglob("*.py"):
        relative = path.relative_to(PROJECT)
        if SKIPPED & set(relative.parts) or relative.name.startswith("test_"):
            continue
        tests = {name for name in imported_modules(path) if name.startswith("tests.test_")}
        if tests:
            importers[str(relative)] = sorted(tests)

    assert importers == {}
