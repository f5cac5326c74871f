#!/usr/bin/env python3
"""Set up the project's virtual environment from the lock file, then run the bot or the tests.

    python3 dev.py run [ARGS...]   # the bot (the local console when no platform token is set)
    python3 dev.py test [PYTEST ARGS...]   # lint, type-check and the whole test suite

Only the standard library is used here, so a fresh machine with Python 3.11+ is enough.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements-dev.lock"
STAMP = VENV / ".lock-sha256"


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_env() -> Path:
    """Create or refresh .venv so it matches requirements.lock exactly (hash-checked).

    The project itself is not installed: commands run from the repository root, so
    `python -m bot` and the tests import the working tree directly.
    """
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit(f"Preceptor needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    python = _venv_python()
    if python.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return python
    if not python.exists():
        print("Creating .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q"]
    print("Installing locked dependencies ...", file=sys.stderr)
    subprocess.run([*pip, "install", "--require-hashes", "-r", str(LOCK)], check=True)
    STAMP.write_text(wanted)
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__, file=sys.stderr)
        return 2
    python = str(ensure_env())
    command, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    if command == "run":
        return subprocess.call([python, "-m", "bot", *rest])
    for step in (
        [python, "-m", "ruff", "check", "."],
        [python, "-m", "mypy"],
        [python, "-m", "pytest", *rest],
    ):
        code = subprocess.call(step)
        if code != 0:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
