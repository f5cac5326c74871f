"""`python -m bot [run|migrate|backup PATH|demo|manifest]`: the one entry point."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.app import App, database_for
from bot.core import Core
from bot.demo import seed_demo
from bot.logs import configure_logging
from bot.registry import load_features, selected_features
from config.settings import Settings, SettingsError, load_settings
from storage import Sealer, StorageError

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the local console when no platform token is set)")
    sub.add_parser("migrate", help="bring the database schema up to date, then exit")
    backup = sub.add_parser("backup", help="write a consistent copy of the database")
    backup.add_argument("path", type=Path)
    sub.add_parser("demo", help="seed a sample community, then open the console")
    sub.add_parser("manifest", help="print the Slack app manifest for the loaded features")
    return parser


def _secrets(settings: Settings) -> list[str]:
    values = [
        settings.discord_token,
        settings.slack_bot_token,
        settings.slack_app_token,
        settings.slack_signing_secret,
        settings.data_key,
        settings.database_url,
    ]
    found = [v.get_secret_value() for v in values if v is not None]
    if settings.database_url is not None:
        # The password alone, too: a driver error may quote it without the rest of the URL.
        password = make_url(settings.database_url.get_secret_value()).password
        if password:
            found.append(str(password))
    return found


async def _migrate(settings: Settings) -> None:
    db = database_for(settings)
    await db.open()
    try:
        await db.migrate()
    finally:
        await db.close()


async def _backup(settings: Settings, path: Path) -> None:
    db = database_for(settings)
    await db.open()
    try:
        await db.migrate()
        await db.backup(path)
    finally:
        await db.close()


async def _demo(settings: Settings) -> None:
    app = App(settings)
    await app.start(with_surfaces=False)
    try:
        await seed_demo(app.core)
    finally:
        await app.shutdown()
    await App(settings).run()


def slack_manifest(settings: Settings) -> str:
    from bot.slack.manifest import manifest, to_yaml

    # setup() needs no open database, and nothing is sealed: no key is read or made.
    core = Core.build(settings, database_for(settings), sealer=Sealer.ephemeral())
    names = selected_features(settings.features, settings.wants_all_features())
    return to_yaml(manifest(load_features(core, names))) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        console = settings.discord_token is None and settings.slack_bot_token is None
        log_file = settings.data_dir / "preceptor.log" if console else None
        configure_logging(settings.log_level, _secrets(settings), log_file)
        command = args.command or "run"
        if command == "migrate":
            asyncio.run(_migrate(settings))
            print("Database is up to date.")
        elif command == "backup":
            asyncio.run(_backup(settings, args.path))
            print(f"Backup written to {args.path}")
        elif command == "demo":
            asyncio.run(_demo(settings))
        elif command == "manifest":
            sys.stdout.write(slack_manifest(settings))
        else:
            asyncio.run(App(settings).run())
    except SettingsError as exc:
        print(f"preceptor: {exc}", file=sys.stderr)
        return 2
    except StorageError as exc:
        print(f"preceptor: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
