"""The docs' commands work: every line of a ```` ```bash runnable ```` block in README.md and
docs/*.md is run (cheap commands only: help, checks, rendering, tiny sample data) from the
repository folder with TMPDIR set to a fresh folder, and must exit 0."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.conftest import REPO

BLOCK = re.compile(r"^```bash runnable\n(.*?)^```", re.M | re.S)


def runnable_commands() -> list[tuple[str, str]]:
    out = []
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for block in BLOCK.findall(doc.read_text(encoding="utf-8")):
            for line in block.splitlines():
                command = line.split("  #", 1)[0].strip()
                if command and not command.startswith("#"):
                    out.append((doc.name, command))
    return out


def test_the_docs_mark_commands_as_runnable():
    assert len(runnable_commands()) >= 8


@pytest.mark.parametrize(("doc", "command"), runnable_commands(), ids=[f"{d}: {c}" for d, c in runnable_commands()])
def test_a_runnable_command_of_the_docs_works(doc, command, tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(["bash", "-c", command], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{doc}: {command}\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
