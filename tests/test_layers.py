"""The layers of docs/architecture.md hold, and a wrong import breaks `make lint`.

The contracts are pyproject.toml's (import-linter). The wrong imports are
written into a copy of the code, never into the tree itself.
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("liveblog", "entries", "updates")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def copy_of_the_code(tmp_path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    for package in ("tests", "bench"):  # root packages of the contracts: their names suffice
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").touch()
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_code_keeps_every_layers_contract():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "broken"),
    [
        ("entries/models.py", "from updates import paging", "entries imports nothing from updates"),
        ("liveblog/http.py", "from entries import remembered", "The library (liveblog/)"),
        ("updates/models.py", "from updates import changes", "Within updates"),
        ("updates/views.py", "from tests import factories", "imports no test"),
    ],
    ids=["entries-imports-updates", "library-imports-an-app", "models-import-writes", "test-code"],
)
def test_a_wrong_import_breaks_its_contract(copy_of_the_code, module, wrong_import, broken):
    path = copy_of_the_code / module
    # In a function, as the old knots were: import-linter sees those too.
    path.write_text(path.read_text() + f"\n\ndef knot():\n    {wrong_import}  # noqa\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode == 1, result.stdout + result.stderr
    # Others may break with it (an app below importing one above breaks
    # the layers within that app too), never only others.
    broken_names = [line for line in result.stdout.splitlines() if " BROKEN" in line]
    assert any(broken in line for line in broken_names), result.stdout


def function_level_imports(path: Path, root: Path = ROOT) -> list[str]:
    """Imports inside a function of the module's own app, as `file:line module`."""
    own = path.relative_to(root).parts[0]
    found = []
    for function in ast.walk(ast.parse(path.read_text())):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            found += [
                f"{path.relative_to(root)}:{node.lineno} {name}"
                for name in names
                if name.split(".")[0] == own
            ]
    return found


def test_no_module_imports_its_own_app_inside_a_function():
    # Such an import hides a cycle: the module above imported at the top.
    found = [
        hit for package in PACKAGES for path in (ROOT / package).rglob("*.py")
        for hit in function_level_imports(path)
    ]  # fmt: skip

    assert found == []


def test_the_check_for_function_level_imports_finds_one(tmp_path, monkeypatch):
    module = ROOT / "updates" / "knot_for_the_test.py"
    monkeypatch.setattr(
        Path, "read_text", lambda self: "def f():\n    from updates import models\n"
    )

    assert function_level_imports(module) == ["updates/knot_for_the_test.py:2 updates"]
