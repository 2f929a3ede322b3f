"""The command line contract: exit codes and output of lint, schema, check and trust."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizcards.cli import main

from .conftest import DECKS, REPO

MALFORMED = Path(__file__).parent / "malformed"


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "quizcards", *args], capture_output=True,
                          text=True, cwd=cwd, env=dict(os.environ), timeout=300)


def test_lint_shipped_decks_structure_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--no-exec", str(DECKS)]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("name", ["yaml-unclosed-bracket.yaml", "unknown-card-field.yaml",
                                  "not-utf8.yaml", "empty.yaml", "duplicate-card-id.yaml"])
def test_lint_malformed_exits_1_with_position(name: str, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(MALFORMED.parent)
    assert main(["lint", "--no-exec", f"malformed/{name}"]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out, "a problem line is printed"
    for line in out:
        path, line_no, col, rest = line.split(":", 3)
        assert path == f"malformed/{name}"
        assert int(line_no) >= 1 and int(col) >= 1 and rest.startswith(" ")


def test_lint_every_malformed_file_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(MALFORMED.parent)
    for path in sorted(MALFORMED.glob("*.yaml")):
        assert main(["lint", "--no-exec", str(path)]) == 1, path.name


def test_lint_json_lists_problems(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--no-exec", "--json", str(MALFORMED / "unknown-kind.yaml")]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    (problem,) = data["problems"]
    assert (problem["line"], problem["col"], problem["card"]) == (7, 11, "s1")
    assert "did you mean 'shape'" in problem["message"]


def test_lint_missing_path_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "no/such/deck.yaml"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_unknown_command_is_usage_error() -> None:
    assert main(["frobnicate"]) == 2


def test_schema_is_valid_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    import jsonschema

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    card_kinds = {ref.split("/")[-1] for ref in json.dumps(schema["$defs"]).split('"') if
                  ref.endswith("Card")}
    assert {"ShapeCard", "ValueCard", "OutputCard", "RaisesCard", "CodeCard", "ChoiceCard",
            "RecallCard"} <= card_kinds
    # every field explains itself
    for name, definition in schema["$defs"].items():
        for field, spec in definition.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{field} has no description"


def test_schema_file_in_docs_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    main(["schema"])
    current = json.loads(capsys.readouterr().out)
    shipped = json.loads((REPO / "docs" / "deck.schema.json").read_text())
    assert shipped == current, "run: quizcards schema > docs/deck.schema.json"


def test_shipped_decks_validate_against_the_schema() -> None:
    import jsonschema
    import yaml

    from quizcards.core.models import schema_json

    validator = jsonschema.Draft202012Validator(schema_json())
    for path in DECKS.glob("*.yaml"):
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        assert not errors, (path.name, errors[:1])


def test_installed_command_finds_shipped_decks(tmp_path: Path) -> None:
    from quizcards.paths import shipped_decks_dir

    assert (shipped_decks_dir() / "torch-dim.yaml").is_file()
    proc = run("lint", "--no-exec", str(shipped_decks_dir()), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_contract_json() -> None:
    proc = run("check", "decks/torch-dim.yaml", "max-dim1-shape", "--answer", "(4, 3)", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["correct"] is False
    assert data["status"] == "ok"
    assert data["expected"] == "(3, 4)"
    assert data["got"] == "(4, 3)"
    assert data["diagnosis"] == "right dims, wrong order"
    assert data["suggested_grade"] == 2
    isolation = data["isolation"]  # which sandbox layers held for this check
    assert {"landlock", "seccomp", "pid_ns", "net_ns", "mount_ns", "no_caps",
            "missing"} <= set(isolation)


@pytest.mark.parametrize("answer,status,correct,malformed", [
    ("3x4", "ok", True, False), ("(4, 3)", "ok", False, False),
    ("three by four", "error", False, True),
])
def test_check_json_keeps_its_keys_and_statuses(answer: str, status: str, correct: bool,
                                                malformed: bool) -> None:
    proc = run("check", "decks/torch-dim.yaml", "max-dim1-shape", "--answer", answer, "--json")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0
    assert {"correct", "status", "expected", "got", "diagnosis", "suggested_grade"} <= set(data)
    assert (data["status"], data["correct"], data["malformed"]) == (status, correct, malformed)
    assert data["status"] in ("ok", "timeout", "memory", "crashed", "error")


def test_check_right_answer_suggests_5() -> None:
    proc = run("check", "decks/torch-dim.yaml", "max-dim1-shape", "--answer", "3x4", "--json")
    data = json.loads(proc.stdout)
    assert (data["correct"], data["suggested_grade"]) == (True, 5)


def test_check_unknown_card_exits_2() -> None:
    proc = run("check", "decks/torch-dim.yaml", "no-such-card", "--answer", "1", "--json")
    assert proc.returncode == 2
    assert "no card 'no-such-card'" in proc.stderr


def test_check_missing_answer_is_usage_error() -> None:
    assert main(["check", str(DECKS / "torch-dim.yaml"), "max-dim1-shape"]) == 2


def test_check_untrusted_deck_refuses_until_trusted(tmp_path: Path) -> None:
    deck = tmp_path / "mine.yaml"
    deck.write_text((DECKS / "torch-dim.yaml").read_text())
    proc = run("check", str(deck), "max-dim1-shape", "--answer", "3x4", "--json")
    assert proc.returncode == 2
    assert "quizcards trust" in proc.stderr
    assert run("trust", str(deck)).returncode == 0
    proc = run("check", str(deck), "max-dim1-shape", "--answer", "3x4", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["correct"] is True
    deck.write_text(deck.read_text() + "\n# edited\n")
    proc = run("check", str(deck), "max-dim1-shape", "--answer", "3x4", "--json")
    assert proc.returncode == 2 and "changed since you trusted it" in proc.stderr


def test_readme_holds_the_two_setup_commands_and_ci_runs_the_test_one() -> None:
    readme = (REPO / "README.md").read_text()
    commands = [line for line in readme.splitlines() if line.startswith("pip install ")]
    assert len(commands) == 2
    assert commands[0].endswith("&& quizcards review")
    assert "pytest" in commands[1] and "torch==2.13.0" in commands[1]
    ci = (REPO / ".ci" / "run").read_text()
    assert "grep -E '^pip install .*pytest' README.md" in ci
