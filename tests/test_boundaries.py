"""The layers stay light: only the checker worker imports torch; core imports no I/O or UI.

The import contracts themselves (layers, core pure, ui without store, torch only in the
worker, judge apart from runner) are import-linter's, in pyproject.toml
[tool.importlinter]: test_import_contract runs `lint-imports` on this checkout's src/. The
tests after it check what the static graph cannot: what a real import loads at run time
(external packages that import torch, deferred imports that run at import time).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src" / "quizcards"
PYPROJECT = REPO / "pyproject.toml"
CONTRACTS = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]


@pytest.fixture(scope="module")
def lint_imports() -> str:
    """`lint-imports` on this checkout's src/ (never on an installed copy elsewhere), every
    contract at once: its report."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SRC.parent), *filter(None, [os.environ.get("PYTHONPATH")])]), "COLUMNS": "200"}
    code = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    out = subprocess.run([sys.executable, "-c", code, "--no-cache", "--no-logo",
                          str(PYPROJECT)], capture_output=True, text=True, env=env, cwd=REPO,
                         timeout=120)
    return out.stdout + out.stderr


@pytest.mark.parametrize("contract", CONTRACTS, ids=[c["id"] for c in CONTRACTS])
def test_import_contract(contract: dict[str, str], lint_imports: str) -> None:
    """Each contract of pyproject.toml is kept; a broken one fails with import-linter's
    report (which imports break it, at which lines)."""
    kept = [line for line in lint_imports.splitlines()
            if line.startswith(f"{contract['name']} KEPT")]  # "KEPT (2 ignored imports)"
    if not kept:
        pytest.fail(f"contract {contract['id']!r} not kept:\n{lint_imports}", pytrace=False)


def test_lint_imports_analyses_this_checkout() -> None:
    """The graph is built from the src/ beside these tests (an editable install may point
    at another checkout): a module that exists only here is in it."""
    env = {**os.environ, "PYTHONPATH": str(SRC.parent)}
    code = ("import grimp, quizcards; g = grimp.build_graph('quizcards', cache_dir=None);"
            "print(len(g.modules)); print(quizcards.__file__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    assert int(out[0]) == len(list(SRC.rglob("*.py")))
    assert Path(out[1]).resolve() == (SRC / "__init__.py").resolve()


def _modules_after(imports: str) -> set[str]:
    code = f"import sys\n{imports}\nprint('\\n'.join(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(SRC.parent)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout
    return set(out.split())


def _modules_of(package: str) -> list[str]:
    folder = SRC / package
    return sorted(f"quizcards.{package}" + ("" if p.stem == "__init__" else f".{p.stem}")
                  for p in folder.glob("*.py"))


def test_cli_ui_and_client_never_import_torch() -> None:
    """Every UI module (the app and each screen), the CLI, lint, the client and the store
    imported for real in a fresh interpreter: no torch, no numpy (an external package that
    imports torch would not show in the static contracts)."""
    ui = _modules_of("ui")
    assert "quizcards.ui.app" in ui and "quizcards.ui.review" in ui and len(ui) >= 8
    wanted = ["quizcards.cli", "quizcards.library", "quizcards.line_review",
              "quizcards.decks.lint", "quizcards.checker.client", *_modules_of("store"), *ui]
    loaded = _modules_after("\n".join(f"import {m}" for m in wanted))
    assert set(wanted) <= loaded, sorted(set(wanted) - loaded)  # it really imported them
    assert "torch" not in loaded
    assert "numpy" not in loaded


def test_core_is_pure() -> None:
    cores = [f"import quizcards.core.{p.stem}" for p in (SRC / "core").glob("*.py")
             if p.stem != "__init__"]
    loaded = _modules_after("\n".join(cores))
    for heavy in ("torch", "textual", "sqlite3", "yaml", "quizcards.store", "quizcards.ui"):
        assert heavy not in loaded, heavy


def test_the_first_card_paints_before_the_checker_and_yaml_load() -> None:
    """What launch imports before the first card is painted: no checker modules (they load
    after the first paint, with the worker) and no PyYAML (decks come from the parse cache)."""
    loaded = _modules_after("import quizcards.cli, quizcards.library, quizcards.ui.app, "
                            "quizcards.ui.review")
    assert not {m for m in loaded if m.startswith("quizcards.checker")}
    assert "yaml" not in loaded
