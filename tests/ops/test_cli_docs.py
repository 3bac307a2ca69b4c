"""docs/cli.md is generated from the CLI; this fails when a command changed and the docs were not regenerated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cli_reference_is_current():
    result = subprocess.run([sys.executable, "scripts/gen_cli_docs.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + "\n(regenerate with: python scripts/gen_cli_docs.py)"


def test_every_command_has_help_with_an_example():
    sys.path.insert(0, str(ROOT))
    from metastore.cli import main
    from scripts.gen_cli_docs import walk

    leaves = {name: text for name, text in walk(main, ["metahive"], None)
              if name.split()[-1] in {"serve", "show", "upgrade", "current", "check"}}
    assert set(leaves) >= {"metahive serve", "metahive config show", "metahive db upgrade",
                           "metahive db current", "metahive db check"}
    for name, text in leaves.items():
        assert "Example" in text, f"{name} --help has no example"
