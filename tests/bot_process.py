"""The bot as users run it (`python -m bot run`), in its own process, for surface tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class BotProcess:
    """One run of the bot process; `start()` again after `stop()` is a restart. Readiness
    is the surface's own log line, so a test never races the start."""

    def __init__(self, data_dir: Path, env: dict[str, str], *, ready_line: str) -> None:
        self.data_dir = data_dir
        self.log_path = data_dir / "bot-process.log"
        self.ready_line = ready_line
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", str(data_dir)),
            "DATA_DIR": str(data_dir),
            "FEATURES": "all,tests.probe,tests.greeter",
            "LOG_LEVEL": "INFO",
            **env,
        }
        self.proc: asyncio.subprocess.Process | None = None

    def prepare(self) -> None:
        """Set what is only known once the fake has started (its address)."""

    async def start(self, *, timeout: float = 30.0) -> None:
        self.prepare()
        ready_lines = self.log().count(self.ready_line)
        log = self.log_path.open("ab")
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=ROOT,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        finally:
            log.close()
        deadline = asyncio.get_running_loop().time() + timeout
        while self.log().count(self.ready_line) == ready_lines:
            if self.proc.returncode is not None:
                raise AssertionError(f"the bot exited with {self.proc.returncode}:\n{self.log()}")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the bot did not get ready:\n{self.log()}")
            await asyncio.sleep(0.05)

    async def stop(self) -> int:
        """SIGTERM, as a service manager stops it; returns the exit code."""
        if self.proc is None or self.proc.returncode is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), 20)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise AssertionError(f"the bot did not stop on SIGTERM:\n{self.log()}") from None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
