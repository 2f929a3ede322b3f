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


@pytest.mark.parametrize("path", sorted((SRC).rglob("*.py")), ids=lambda p: p.name)
def test_only_the_worker_imports_torch(path: Path) -> None:
    if path.name == "worker.py":
        return
    statement = re.compile(r"^\s*(import torch|from torch\b)", re.MULTILINE)
    assert not statement.search(path.read_text()), f"{path} imports torch"
