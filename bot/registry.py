"""The registry of loaded features, and the loader that fills it from `FEATURES`."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Iterable
from typing import TYPE_CHECKING

import cogs
from bot.feature import Feature, JobKind
from bot.model import Action, Command, EventHandler, Form
from config.settings import ALL_FEATURES, SettingsError

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

# Loaded whatever FEATURES says: without them nobody can configure or discover the bot.
CORE_FEATURES = ("help", "setup")


class Registry:
    def __init__(self) -> None:
        self.features: dict[str, Feature] = {}
        self.failed: dict[str, str] = {}
        self._groups: dict[str, Feature] = {}
        self._actions: dict[str, Action] = {}
        self._forms: dict[str, Form] = {}
        self._jobs: dict[str, JobKind] = {}

    def add(self, feature: Feature) -> None:
        """Register a feature whole, or not at all when it clashes with one already loaded."""
        clashes = []
        if feature.name in self.features:
            clashes.append(f"feature name {feature.name!r}")
        if feature.group in self._groups:
            clashes.append(f"command group /{feature.group}")
        clashes += [f"action {a!r}" for a in feature.actions if a in self._actions]
        clashes += [f"form {f!r}" for f in feature.forms if f in self._forms]
        clashes += [f"job kind {j!r}" for j in feature.jobs if j in self._jobs]
        for command in feature.contributed:
            owner = self._groups.get(command.group)
            if owner is None:
                clashes.append(f"no group /{command.group} for {command.path}")
            elif any(c.name == command.name for c in owner.commands):
                clashes.append(f"command {command.path}")
        if clashes:
            raise ValueError("cannot register: " + ", ".join(clashes))
        self.features[feature.name] = feature
        self._groups[feature.group] = feature
        self._actions.update(feature.actions)
        self._forms.update(feature.forms)
        self._jobs.update(feature.jobs)
        for command in feature.contributed:
            self._groups[command.group].commands.append(command)

    def groups(self) -> list[str]:
        return list(self._groups)

    def feature_for_group(self, group: str) -> Feature | None:
        return self._groups.get(group)

    def commands(self) -> list[Command]:
        return [command for feature in self.features.values() for command in feature.commands]

    def command(self, group: str, name: str) -> Command | None:
        feature = self._groups.get(group)
        if feature is None:
            return None
        for command in feature.commands:
            if command.name == name:
                return command
        return None

    def action(self, name: str) -> Action | None:
        return self._actions.get(name)

    def form(self, form_id: str) -> Form | None:
        return self._forms.get(form_id)

    def job_kind(self, name: str) -> JobKind | None:
        return self._jobs.get(name)

    def job_kinds(self) -> Iterable[JobKind]:
        return self._jobs.values()

    def event_handlers(self, event: str) -> list[EventHandler]:
        return [h for feature in self.features.values() for h in feature.events.get(event, [])]


def available_features() -> list[str]:
    return sorted(module.name for module in pkgutil.iter_modules(cogs.__path__) if module.ispkg)


def selected_features(requested: list[str], wants_all: bool) -> list[str]:
    """Core features first, then what FEATURES asks for; an unknown name stops the start.

    A dotted entry (`my_plugins.rounds`) names a feature package outside `cogs/`, so a
    community can add its own features without forking.
    """
    available = available_features()
    plugins = [name.strip() for name in requested if "." in name]
    if wants_all:
        chosen = [*available, *plugins]
    else:
        wanted = [name.strip().lower() for name in requested if "." not in name]
        unknown = [name for name in wanted if name not in available and name != ALL_FEATURES]
        if unknown:
            raise SettingsError(
                f"Invalid setting FEATURES: unknown feature {', '.join(unknown)} "
                f"(available: {', '.join(available)})."
            )
        chosen = [*[name for name in available if name in wanted], *plugins]
    return [
        *[n for n in CORE_FEATURES if n in available],
        *[n for n in chosen if n not in CORE_FEATURES],
    ]


def load_features(core: Core, names: list[str]) -> Registry:
    """Import and set up each feature. One that fails is logged and the rest still run."""
    registry = Registry()
    for name in names:
        try:
            path = name if "." in name else f"cogs.{name}"
            module = importlib.import_module(path)
            feature = module.setup(core)
            if not isinstance(feature, Feature):
                raise TypeError(f"{path}.setup() returned {type(feature).__name__}")
            registry.add(feature)
        except Exception as exc:
            log.exception("feature %s failed to load; the others still run", name)
            registry.failed[name] = f"{type(exc).__name__}"
    log.info("loaded features: %s", ", ".join(registry.features) or "none")
    return registry
