"""The layers stay light: only the checker worker imports torch; core imports no I/O or UI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "quizcards"


def _modules_after(imports: str) -> set[str]:
    code = f"import sys\n{imports}\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return set(out.split())


def test_cli_ui_and_client_never_import_torch() -> None:
    imports = ["import quizcards.cli", "import quizcards.decks.lint",
               "import quizcards.checker.client"]
    if (SRC / "ui" / "__init__.py").exists():
        imports.append("import quizcards.ui")
    if (SRC / "store" / "__init__.py").exists():
        imports.append("import quizcards.store")
    loaded = _modules_after("\n".join(imports))
    assert "torch" not in loaded
    assert "numpy" not in loaded


def test_core_is_pure() -> None:
    cores = [f"import quizcards.core.{p.stem}" for p in (SRC / "core").glob("*.py")
             if p.stem != "__init__"]
    loaded = _modules_after("\n".join(cores))
    for heavy in ("torch", "textual", "sqlite3", "yaml", "quizcards.store", "quizcards.ui"):
        assert heavy not in loaded, heavy


# Fitting FSRS runs torch in the app's process, and only while `optimize` or `evaluate` fits
# (it always did, through the fsrs package's optimizer; since issue 14 quizcards runs the
# model itself). Importing these modules does not import torch (test_fit_model.py).
FITTING = {SRC / "scheduling" / "fit.py", SRC / "scheduling" / "fsrs_torch.py"}


@pytest.mark.parametrize("path", sorted((SRC).rglob("*.py")), ids=lambda p: p.name)
def test_only_the_worker_imports_torch(path: Path) -> None:
    if path.name == "worker.py" or path in FITTING:
        return
    statement = re.compile(r"^\s*(import torch|from torch\b)", re.MULTILINE)
    assert not statement.search(path.read_text()), f"{path} imports torch"


def _imports_of(path: Path) -> set[str]:
    """Every quizcards module a file imports, at any depth in it (deferred imports too)."""
    import ast

    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in found if m.startswith("quizcards")}


def _closure(module: str) -> set[str]:
    """The quizcards modules reachable from `module` through its imports."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        parts = name.split(".")[1:]
        path = SRC.joinpath(*parts).with_suffix(".py")
        if not path.exists():
            path = SRC.joinpath(*parts, "__init__.py")
        if not path.exists():
            continue
        seen.add(name)
        todo.extend(_imports_of(path))
    return seen


@pytest.mark.parametrize("trusted", ["quizcards.checker.judge", "quizcards.checker.reader",
                                     "quizcards.checker.rules", "quizcards.checker.client"])
def test_what_judges_never_reaches_what_runs_code(trusted: str) -> None:
    """The judge's side never imports the child side or the sandbox (statically, deferred
    imports included), so nothing that judges can share a process with learner code."""
    reached = _closure(trusted)
    for forbidden in ("quizcards.checker.run", "quizcards.checker.worker",
                      "quizcards.checker.sandbox"):
        assert not any(m == forbidden or m.startswith(forbidden + ".") for m in reached), (
            trusted, sorted(reached))


def test_what_runs_code_never_reaches_the_judge() -> None:
    for runner in ("quizcards.checker.run", "quizcards.checker.worker",
                   "quizcards.checker.sandbox"):
        reached = _closure(runner)
        for forbidden in ("quizcards.checker.judge", "quizcards.checker.rules",
                          "quizcards.checker.reader", "quizcards.checker.client"):
            assert forbidden not in reached, (runner, sorted(reached))


def test_core_imports_nothing_of_ours_but_core() -> None:
    for path in (SRC / "core").glob("*.py"):
        outside = {m for m in _imports_of(path) if not m.startswith("quizcards.core")}
        assert not outside, (path.name, outside)


def test_the_first_card_paints_before_the_checker_and_yaml_load() -> None:
    """What launch imports before the first card is painted: no checker modules (they load
    after the first paint, with the worker) and no PyYAML (decks come from the parse cache)."""
    loaded = _modules_after("import quizcards.cli, quizcards.library, quizcards.ui.app, "
                            "quizcards.ui.review")
    assert not {m for m in loaded if m.startswith("quizcards.checker")}
    assert "yaml" not in loaded
