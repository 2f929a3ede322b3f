"""The repository holds source, decks and docs: no binaries, no large data files."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAX_BYTES = 512 << 10


def tracked() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True)
    return [REPO / name for name in out.stdout.decode().split("\0") if name]


def test_no_large_or_binary_files_are_tracked() -> None:
    offenders = []
    for path in tracked():
        if not path.is_file():
            continue  # deleted in the working tree, not yet committed
        data = path.read_bytes()
        if len(data) > MAX_BYTES or b"\0" in data[:8192]:
            offenders.append(f"{path.relative_to(REPO)} ({len(data):,} bytes)")
    assert offenders == []
