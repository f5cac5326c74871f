"""Running the project's own entry points as real child processes, for storage tests."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def cli_env(data_dir: Path) -> dict[str, str]:
    """The caller's environment without any Preceptor setting, plus DATA_DIR.

    No platform token means the CLI runs in console mode on the SQLite file in `data_dir`.
    """
    ours = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in ours}
    env["DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_cli(*args: str, data_dir: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` with cwd at the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=cli_env(data_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class WriterProcess:
    """`tests/helpers/writer.py` in a child process; `acked` holds every id it reported.

    The writer prints an id only after the commit that wrote it returned, so an id in
    `acked` is a row the database promised to keep.
    """

    def __init__(self, db_path: Path, *, tasks: int = 3, pad: int = 1500) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.helpers.writer",
                str(db_path),
                f"--tasks={tasks}",
                f"--pad={pad}",
            ],
            cwd=ROOT,
            env=cli_env(db_path.parent),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._lock = threading.Lock()
        self._acked: list[int] = []
        self.ready = threading.Event()
        self.stderr = b""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if not line.endswith(b"\n"):
                break  # a torn last line was never fully acknowledged
            text = line.decode().strip()
            if text == "ready":
                self.ready.set()
                continue
            with self._lock:
                self._acked.append(int(text))

    @property
    def acked(self) -> list[int]:
        with self._lock:
            return list(self._acked)

    def wait_for(self, count: int, timeout: float = 30) -> None:
        """Block until at least `count` ids were acknowledged."""
        deadline = time.monotonic() + timeout
        while len(self.acked) < count:
            if self.proc.poll() is not None:
                raise AssertionError(f"writer exited early ({self.proc.returncode}): {self._err()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"writer acknowledged only {len(self.acked)} rows in time")
            time.sleep(0.005)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> int:
        """SIGKILL, then collect everything it printed; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.kill()
        code = self.proc.wait(timeout=30)
        self._reader.join(timeout=30)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        return code

    def _err(self) -> str:
        assert self.proc.stderr is not None
        try:
            return self.proc.stderr.read().decode(errors="replace")[-2000:]
        except ValueError:
            return ""
