"""How many commands per second the core serves, next to what SQLite itself can commit.

    .venv/bin/python -m bench.core_bench [--members N] [--commands-per-member K]

One run measures, on the same machine and in the same process:

1. raw SQLite: stdlib `sqlite3` on a WAL file with synchronous=NORMAL, one INSERT per
   committed transaction (`BEGIN IMMEDIATE; INSERT; COMMIT`), sequentially;
2. the storage layer: the project's `Database` + `AuditRepository.record`, one committed
   transaction per call, sequentially and from concurrent tasks
   (both baselines run in rounds and report the median round, with the spread);
3. the core: the real `App` (every feature, a fresh SQLite file, migrations, scheduler)
   with a minimal in-bench surface, first one member alone (unloaded latency), then N
   members as concurrent asyncio tasks, each issuing K commands back to back through
   `Dispatcher.context` + `Dispatcher.run_text`.

It prints figures and ratios and writes them as JSON to bench/results/ (git-ignored).
It asserts nothing about timings: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App
from bot.context import SilentResponder
from bot.core import Core
from bot.dispatch import Dispatcher, Response
from bot.model import Actor, ChannelRef, MemberRef, Reply
from bot.surface import Surface
from config.settings import Settings
from storage import Database
from storage.audit import AuditRepository
from storage.db import sqlite_url
from storage.models import Scope

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PLATFORM = "bench"
ZONES = ("America/Chicago", "Europe/London", "Asia/Tokyo", "America/New_York", "Africa/Lagos")
CHANNELS = ("intros", "welcome", "hello", "new-members")
FAILURE_MARK = "something went wrong on our side"


# ----- the surface ------------------------------------------------------------------------


class BenchSurface:
    """Transport + Resolver that delivers into a counter: no I/O, nothing kept."""

    name = "bench"
    platform = PLATFORM

    def __init__(self, core: Core) -> None:
        self.core = core
        self.delivered = 0

    async def start(self) -> None:
        self.core.delivery.attach(self)

    async def wait(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def _ref(self) -> str:
        self.delivered += 1
        return f"m{self.delivered}"

    async def send_dm(self, scope: Scope, user_ids: Sequence[str], reply: Reply) -> str:
        return self._ref()

    async def post(self, scope: Scope, channel_id: str, reply: Reply) -> str:
        return self._ref()

    async def edit(self, scope: Scope, message_ref: str, reply: Reply) -> None:
        return None

    async def delete(self, scope: Scope, message_ref: str) -> None:
        return None

    async def post_private(self, scope: Scope, channel_id: str, user_id: str, reply: Reply) -> str:
        return self._ref()

    def mention(self, user_id: str) -> str:
        return f"<@{user_id}>"

    def channel_label(self, channel_id: str) -> str:
        return f"<#{channel_id}>"

    def format_time(self, when: datetime, timezone: str) -> str:
        return when.isoformat()

    async def resolve_member(self, scope: Scope, text: str) -> MemberRef | None:
        user_id = text.strip().removeprefix("<@").removesuffix(">").lstrip("@")
        return MemberRef(user_id, user_id) if user_id else None

    async def resolve_channel(self, scope: Scope, text: str) -> ChannelRef | None:
        channel_id = text.strip().removeprefix("<#").removesuffix(">").lstrip("#")
        return ChannelRef(channel_id, channel_id) if channel_id else None


# ----- the workload -----------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str
    template: str  # may use {zone} and {channel}
    admin: bool  # platform_admin for this interaction (the surface decides it)
    writes: bool
    weight: int


MIX = (
    Kind("help", "/help", admin=False, writes=False, weight=30),
    Kind("help setup", "/help setup", admin=False, writes=False, weight=10),
    Kind("setup show", "/setup show", admin=True, writes=False, weight=20),
    Kind("setup timezone", "/setup timezone zone:{zone}", admin=True, writes=True, weight=20),
    Kind(
        "setup channels",
        "/setup channels introductions:#{channel}",
        admin=True,
        writes=True,
        weight=20,
    ),
)


@dataclass(frozen=True)
class Step:
    kind: Kind
    line: str


def plan(rng: random.Random, count: int) -> list[Step]:
    kinds = rng.choices(MIX, weights=[k.weight for k in MIX], k=count)
    return [
        Step(k, k.template.format(zone=rng.choice(ZONES), channel=rng.choice(CHANNELS)))
        for k in kinds
    ]


@dataclass
class Samples:
    """Seconds per command, by kind, plus anything that did not come back as a reply."""

    by_kind: dict[str, list[float]] = field(default_factory=dict)
    failures: int = 0
    failure_examples: list[str] = field(default_factory=list)

    def add(self, kind: str, seconds: float) -> None:
        self.by_kind.setdefault(kind, []).append(seconds)

    def fail(self, what: str) -> None:
        self.failures += 1
        if len(self.failure_examples) < 5:
            self.failure_examples.append(what[:300])

    def all(self) -> list[float]:
        return [s for values in self.by_kind.values() for s in values]


def percentile(values: Sequence[float], q: float) -> float:
    """Exact nearest-rank percentile: the smallest observed value with >= q% at or below."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "count": len(values),
        "mean_ms": 1000 * sum(values) / len(values) if values else math.nan,
        "p50_ms": 1000 * percentile(values, 50),
        "p99_ms": 1000 * percentile(values, 99),
        "max_ms": 1000 * max(values) if values else math.nan,
    }


def _failed(replies: list[Response]) -> str | None:
    if not replies:
        return "no reply"
    for reply in replies:
        if isinstance(reply, Reply) and FAILURE_MARK in reply.text:
            return reply.text
    return None


async def one_member(
    dispatcher: Dispatcher,
    actor: Actor,
    steps: Sequence[Step],
    samples: Samples,
    gate: asyncio.Event,
) -> None:
    responder = SilentResponder()
    await gate.wait()
    for step in steps:
        started = time.perf_counter()
        try:
            ctx = await dispatcher.context(
                actor, responder=responder, platform_admin=step.kind.admin
            )
            replies = await dispatcher.run_text(ctx, step.line)
        except Exception as exc:  # not caught by the dispatcher: context() is unguarded
            samples.fail(f"{step.line}: {type(exc).__name__}: {exc}")
            continue
        samples.add(step.kind.name, time.perf_counter() - started)
        if (problem := _failed(replies)) is not None:
            samples.fail(f"{step.line}: {problem}")


# ----- what the database does per command -------------------------------------------------


@dataclass
class SqlCounters:
    """Counted with SQLAlchemy events on the App's engine (no change to the core)."""

    write_tx: int = 0  # BEGIN IMMEDIATE: taken under the Database's writer lock
    read_tx: int = 0  # deferred BEGIN (every `db.read()` autobegins one)
    statements: int = 0  # excluding the BEGINs themselves
    checkouts: int = 0
    in_use: int = 0
    max_in_use: int = 0

    def attach(self, engine: AsyncEngine) -> None:
        sync_engine = engine.sync_engine
        event.listen(sync_engine, "begin", self._on_begin)
        event.listen(sync_engine, "before_cursor_execute", self._on_execute)
        event.listen(sync_engine, "checkout", self._on_checkout)
        event.listen(sync_engine, "checkin", self._on_checkin)

    def reset(self) -> None:
        self.write_tx = self.read_tx = self.statements = self.checkouts = 0
        self.max_in_use = self.in_use

    def snapshot(self) -> dict[str, int]:
        return {
            "write_tx": self.write_tx,
            "read_tx": self.read_tx,
            "statements": self.statements,
            "pool_checkouts": self.checkouts,
            "max_connections_in_use": self.max_in_use,
        }

    def _on_begin(self, conn: Any) -> None:
        if conn.get_execution_options().get("sqlite_immediate", False):
            self.write_tx += 1
        else:
            self.read_tx += 1

    def _on_execute(self, *args: Any) -> None:
        statement = str(args[2])
        if not statement.startswith("BEGIN"):
            self.statements += 1

    def _on_checkout(self, *_args: Any) -> None:
        self.checkouts += 1
        self.in_use += 1
        self.max_in_use = max(self.max_in_use, self.in_use)

    def _on_checkin(self, *_args: Any) -> None:
        self.in_use -= 1


# ----- the core ---------------------------------------------------------------------------


@dataclass
class CoreResult:
    members: int
    commands_per_member: int
    communities: int
    commands: int
    seconds: float
    commands_per_second: float
    latency: dict[str, float]
    latency_by_kind: dict[str, dict[str, float]]
    solo_latency_by_kind: dict[str, dict[str, float]]
    solo_commands_per_second: float
    sql_per_command: dict[str, float]
    max_connections_in_use: int
    failures: int
    failure_examples: list[str]
    delivered_by_surface: int
    audit_rows_expected: int
    audit_rows_found: int


async def bench_core(
    data_dir: Path,
    *,
    members: int,
    commands_per_member: int,
    communities: int,
    solo_commands: int,
    modlog: bool,
    seed: int,
) -> CoreResult:
    settings = Settings(_env_file=None, data_dir=data_dir)
    surface: BenchSurface | None = None

    def surfaces(core: Core) -> list[Surface]:
        nonlocal surface
        surface = BenchSurface(core)
        return [surface]

    app = App(settings, surfaces=surfaces)
    await app.start()
    try:
        if surface is None:
            raise RuntimeError("the App did not build the bench surface")
        core = app.core
        dispatcher = Dispatcher(core, surface)
        counters = SqlCounters()
        counters.attach(core.db.engine)
        scopes = [Scope(PLATFORM, f"w{i}") for i in range(communities)]
        rng = random.Random(seed)

        # Configure each community and warm every code path (not measured).
        warm = Samples()
        for scope in scopes:
            admin = Actor(scope, "admin", "Admin")
            if modlog:  # audited commands then also post a line to the moderator log
                await one_member(
                    dispatcher,
                    admin,
                    [Step(MIX[4], "/setup channels modlog:#modlog announcements:#news")],
                    warm,
                    _open_gate(),
                )
            await one_member(dispatcher, admin, plan(rng, 20), warm, _open_gate())

        # One member alone: the latency of each kind without queueing.
        solo = Samples()
        solo_steps = plan(rng, solo_commands)
        started = time.perf_counter()
        await one_member(
            dispatcher, Actor(scopes[0], "solo", "Solo"), solo_steps, solo, _open_gate()
        )
        solo_seconds = time.perf_counter() - started
        await core.tasks.settle()

        # N members at once, K commands each, back to back.
        audit_before = await core.repos.audit.count()
        delivered_before = surface.delivered
        samples = Samples()
        gate = asyncio.Event()
        plans = [
            plan(random.Random(seed * 1_000_003 + i), commands_per_member) for i in range(members)
        ]
        tasks = [
            asyncio.create_task(
                one_member(
                    dispatcher,
                    Actor(scopes[i % communities], f"u{i}", f"Member {i}"),
                    plans[i],
                    samples,
                    gate,
                )
            )
            for i in range(members)
        ]
        await asyncio.sleep(0)  # let every task reach the gate
        counters.reset()
        started = time.perf_counter()
        gate.set()
        await asyncio.gather(*tasks)
        seconds = time.perf_counter() - started
        sql = counters.snapshot()
        await core.tasks.settle()

        issued = members * commands_per_member
        writes = sum(1 for p in plans for step in p if step.kind.writes)
        audit_after = await core.repos.audit.count()
        done = len(samples.all())
        return CoreResult(
            members=members,
            commands_per_member=commands_per_member,
            communities=communities,
            commands=issued,
            seconds=seconds,
            commands_per_second=done / seconds,
            latency=summary(samples.all()),
            latency_by_kind={k.name: summary(samples.by_kind.get(k.name, [])) for k in MIX},
            solo_latency_by_kind={k.name: summary(solo.by_kind.get(k.name, [])) for k in MIX},
            solo_commands_per_second=len(solo.all()) / solo_seconds,
            sql_per_command={
                key: value / max(done, 1)
                for key, value in sql.items()
                if key != "max_connections_in_use"
            },
            max_connections_in_use=sql["max_connections_in_use"],
            failures=samples.failures + solo.failures + warm.failures,
            failure_examples=(
                warm.failure_examples + solo.failure_examples + samples.failure_examples
            )[:5],
            delivered_by_surface=surface.delivered - delivered_before,
            audit_rows_expected=writes,
            audit_rows_found=audit_after - audit_before,
        )
    finally:
        await app.shutdown()


def _open_gate() -> asyncio.Event:
    gate = asyncio.Event()
    gate.set()
    return gate


# ----- the baselines ----------------------------------------------------------------------


def rate(per_round: list[float]) -> dict[str, Any]:
    """Rounds of equal size; the median round is the figure, min and max show the noise."""
    return {
        "median": statistics.median(per_round),
        "min": min(per_round),
        "max": max(per_round),
        "rounds": per_round,
    }


def round_sizes(transactions: int, rounds: int) -> list[int]:
    rounds = max(1, min(rounds, transactions))
    return [transactions // rounds + (1 if r < transactions % rounds else 0) for r in range(rounds)]


def bench_raw_sqlite(path: Path, transactions: int, rounds: int) -> dict[str, Any]:
    """Committed transactions per second: stdlib sqlite3, WAL, synchronous=NORMAL."""
    conn = sqlite3.connect(path, isolation_level=None)  # we issue BEGIN/COMMIT ourselves
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        # The shape of the project's audit_log, index included, so each INSERT costs the same.
        conn.execute(
            "CREATE TABLE audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " platform VARCHAR(16) NOT NULL, workspace_id VARCHAR(64) NOT NULL,"
            " actor_id VARCHAR(64) NOT NULL, action VARCHAR(64) NOT NULL,"
            " target VARCHAR(200), detail TEXT, created_at DATETIME NOT NULL)"
        )
        conn.execute(
            "CREATE INDEX ix_audit_log_scope_created ON audit_log (platform, workspace_id,"
            " created_at)"
        )
        sql = (
            "INSERT INTO audit_log (platform, workspace_id, actor_id, action, target, detail,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )

        def commit_one(i: int) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                sql,
                (
                    PLATFORM,
                    "w0",
                    "u1",
                    "bench.tx",
                    None,
                    json.dumps({"i": i}, sort_keys=True),
                    datetime.now(UTC).replace(tzinfo=None).isoformat(" "),
                ),
            )
            conn.execute("COMMIT")

        for i in range(200):  # warm up
            commit_one(i)
        per_round = []
        for size in round_sizes(transactions, rounds):
            started = time.perf_counter()
            for i in range(size):
                commit_one(i)
            per_round.append(size / (time.perf_counter() - started))
    finally:
        conn.close()
    return rate(per_round)


async def bench_db_layer(
    path: Path, transactions: int, rounds: int, concurrency: int
) -> dict[str, dict[str, Any]]:
    """Committed transactions per second through Database + AuditRepository.record."""
    db = Database(sqlite_url(path))
    await db.open()
    try:
        await db.migrate()
        repo = AuditRepository(db)
        scope = Scope(PLATFORM, "w0")

        async def record(i: int) -> None:
            await repo.record(scope, "u1", "bench.tx", datetime.now(UTC), detail={"i": i})

        for i in range(200):  # warm the statement cache and the pool
            await record(i)

        sequential = []
        for size in round_sizes(transactions, rounds):
            started = time.perf_counter()
            for i in range(size):
                await record(i)
            sequential.append(size / (time.perf_counter() - started))

        async def worker(offset: int, size: int) -> None:
            for i in range(offset, size, concurrency):
                await record(i)

        concurrent = []
        for size in round_sizes(transactions, rounds):
            started = time.perf_counter()
            await asyncio.gather(*(worker(w, size) for w in range(concurrency)))
            concurrent.append(size / (time.perf_counter() - started))
    finally:
        await db.close()
    return {"sequential": rate(sequential), "concurrent": rate(concurrent)}


# ----- the report -------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def report(results: dict[str, Any]) -> None:
    core: dict[str, Any] = results["core"]
    raw = results["raw_sqlite_tx_per_s"]
    layer = results["db_layer_tx_per_s"]
    m = results["machine"]
    print()
    print(
        f"machine: {m['usable_cpus']} usable CPU(s) of {m['nproc']}, Python {m['python']}, "
        f"SQLite {m['sqlite']}, {m['platform']}"
    )
    print(
        f"core run: {core['members']} members x {core['commands_per_member']} commands "
        f"= {core['commands']} commands over {core['communities']} communities "
        f"in {core['seconds']:.2f} s"
    )
    print()

    def spread(r: dict[str, Any]) -> str:
        return f"rounds {r['min']:,.0f}-{r['max']:,.0f}"

    rows = [
        ("core commands/s (N concurrent members)", f"{core['commands_per_second']:,.0f}", ""),
        ("core commands/s (one member alone)", f"{core['solo_commands_per_second']:,.0f}", ""),
        ("time-to-reply p50 (ms)", f"{core['latency']['p50_ms']:.2f}", ""),
        ("time-to-reply p99 (ms)", f"{core['latency']['p99_ms']:.2f}", ""),
        ("time-to-reply max (ms)", f"{core['latency']['max_ms']:.2f}", ""),
        ("raw SQLite tx/s (sqlite3, WAL, sync=NORMAL)", f"{raw['median']:,.0f}", spread(raw)),
        (
            "DB-layer tx/s (AuditRepository.record)",
            f"{layer['sequential']['median']:,.0f}",
            spread(layer["sequential"]),
        ),
        (
            f"DB-layer tx/s ({results['db_layer_concurrency']} concurrent tasks)",
            f"{layer['concurrent']['median']:,.0f}",
            spread(layer["concurrent"]),
        ),
        ("ratio core cmd/s ÷ raw SQLite tx/s", f"{results['ratio_core_to_raw']:.4f}", ""),
        ("ratio core cmd/s ÷ DB-layer tx/s", f"{results['ratio_core_to_db_layer']:.4f}", ""),
        ("ratio DB-layer tx/s ÷ raw SQLite tx/s", f"{results['ratio_db_layer_to_raw']:.4f}", ""),
        (
            "writer-lock ceiling cmd/s",
            f"{results['writer_lock_ceiling_cmd_per_s']:,.0f}",
            "DB-layer tx/s ÷ write tx per command",
        ),
    ]
    width = max(len(name) for name, _, _ in rows)
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>10}  {note}".rstrip())
    print()
    print("per command kind (ms)         share   loaded p50   loaded p99   alone p50   alone p99")
    for kind in MIX:
        loaded = core["latency_by_kind"][kind.name]
        alone = core["solo_latency_by_kind"][kind.name]
        share = loaded["count"] / max(core["commands"], 1)
        print(
            f"  {kind.name:<27} {share:>6.0%} {loaded['p50_ms']:>12.2f} {loaded['p99_ms']:>12.2f}"
            f" {alone['p50_ms']:>11.2f} {alone['p99_ms']:>11.2f}"
        )
    print()
    sql = core["sql_per_command"]
    print(
        "per command (average over the mix): "
        f"{sql['write_tx']:.2f} write transactions (BEGIN IMMEDIATE), "
        f"{sql['read_tx']:.2f} read transactions, {sql['statements']:.2f} SQL statements, "
        f"{sql['pool_checkouts']:.2f} pool checkouts; "
        f"at most {core['max_connections_in_use']} connections in use"
    )
    print(
        f"checks: {core['failures']} failed command(s); "
        f"{core['audit_rows_found']} audit rows for {core['audit_rows_expected']} writes; "
        f"{core['delivered_by_surface']} messages delivered to the surface"
    )
    for example in core["failure_examples"]:
        print(f"  failure: {example}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.core_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--members", type=int, default=200, help="concurrent members (N)")
    parser.add_argument(
        "--commands-per-member", type=int, default=20, help="commands each member issues (K)"
    )
    parser.add_argument("--communities", type=int, default=4, help="communities the members use")
    parser.add_argument(
        "--solo-commands", type=int, default=200, help="commands for the one-member run"
    )
    parser.add_argument(
        "--transactions", type=int, default=5000, help="transactions for the SQLite baselines"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="the baselines report the median of these rounds"
    )
    parser.add_argument(
        "--db-concurrency", type=int, default=50, help="tasks for the concurrent DB-layer run"
    )
    parser.add_argument(
        "--modlog",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="configure a moderator-log channel, so audited commands also post to it",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="where to write the JSON")
    parser.add_argument("--no-json", action="store_true", help="do not write JSON")
    args = parser.parse_args(argv)
    for name in ("members", "commands_per_member", "communities", "transactions", "rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


async def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    print(f"raw SQLite: {args.transactions:,} transactions ...", flush=True)
    raw = bench_raw_sqlite(work / "raw.sqlite3", args.transactions, args.rounds)
    print(f"DB layer: {args.transactions:,} transactions, twice ...", flush=True)
    layer = await bench_db_layer(
        work / "layer.sqlite3", args.transactions, args.rounds, args.db_concurrency
    )
    print(f"core: {args.members} members x {args.commands_per_member} commands ...", flush=True)
    core = await bench_core(
        work / "app",
        members=args.members,
        commands_per_member=args.commands_per_member,
        communities=args.communities,
        solo_commands=args.solo_commands,
        modlog=args.modlog,
        seed=args.seed,
    )
    raw_tps: float = raw["median"]
    layer_tps: float = layer["sequential"]["median"]
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, "-m", "bench.core_bench", *sys.argv[1:]]),
        "machine": machine(),
        "mix": [
            {"kind": k.name, "line": k.template, "admin": k.admin, "weight": k.weight} for k in MIX
        ],
        "core": core.__dict__,
        "raw_sqlite_tx_per_s": raw,
        "db_layer_tx_per_s": layer,
        "db_layer_concurrency": args.db_concurrency,
        # Ratios use the median round of each baseline.
        "ratio_core_to_raw": core.commands_per_second / raw_tps,
        "ratio_core_to_db_layer": core.commands_per_second / layer_tps,
        "ratio_db_layer_to_raw": layer_tps / raw_tps,
        # Every write transaction holds the Database's one writer lock, so commands cannot go
        # faster than this however many members there are.
        "writer_lock_ceiling_cmd_per_s": layer_tps / max(core.sql_per_command["write_tx"], 1e-9),
    }


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="preceptor-bench-") as tmp:
        results = asyncio.run(run(args, Path(tmp)))
    report(results)
    if not args.no_json:
        target = args.json or RESULTS_DIR / (
            f"core_bench-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
            f"-n{args.members}-k{args.commands_per_member}.json"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {target}")


if __name__ == "__main__":
    main()
