"""Slack HTTP mode: a thousand generated bad requests, every one refused with a 4xx before
Bolt sees it, and nothing they carried in the logs."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.http import MAX_BODY, PATH, SlackHttpServer

SECRET = "test-signing-secret"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass
class Attempt:
    kind: str
    body: bytes
    headers: dict[str, str]


def sign(body: bytes, stamp: str, secret: str = SECRET) -> str:
    base = b"v0:" + stamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def command_body(canary: str) -> bytes:
    return urlencode(
        {"command": "/probe", "text": f"all title:{canary}", "team_id": "T1", "user_id": "U1"}
    ).encode()


def generate(rng: random.Random, n: int) -> Attempt:
    """One bad request of a randomly chosen kind; every body carries a canary."""
    canary = f"CANARY{n:04d}x{rng.randrange(10**6)}"
    body = command_body(canary)
    now = str(int(time.time()))
    good = {"content-type": FORM, "x-slack-request-timestamp": now}
    kinds: dict[str, Callable[[], Attempt]] = {
        "no timestamp": lambda: Attempt(
            "no timestamp", body, {"content-type": FORM, "x-slack-signature": sign(body, now)}
        ),
        "non-numeric timestamp": lambda: _with(
            body,
            {
                **good,
                "x-slack-request-timestamp": rng.choice(
                    ["abc", "12e3", "-5", " 1", "\u0661\u0662", "", "1.5"]
                ),
            },
        ),
        "stale timestamp": lambda: _signed(
            body,
            {**good, "x-slack-request-timestamp": str(int(time.time()) - rng.randint(301, 10**6))},
        ),
        "future timestamp": lambda: _signed(
            body,
            {**good, "x-slack-request-timestamp": str(int(time.time()) + rng.randint(301, 10**6))},
        ),
        "huge timestamp": lambda: _with(body, {**good, "x-slack-request-timestamp": "9" * 40}),
        "no signature": lambda: Attempt("no signature", body, good),
        "wrong secret": lambda: Attempt(
            "wrong secret", body, {**good, "x-slack-signature": sign(body, now, "other")}
        ),
        "signature of another body": lambda: Attempt(
            "other body", body, {**good, "x-slack-signature": sign(body + b"&x=1", now)}
        ),
        "mangled signature": lambda: Attempt(
            "mangled", body, {**good, "x-slack-signature": _mangle(rng, sign(body, now))}
        ),
        "not utf-8": lambda: _signed(canary.encode() + b"\xff\xfe=\xc3", good),
        "bad json": lambda: _signed(
            b'{"event": "' + canary.encode() + b'"', {**good, "content-type": JSON}
        ),
        "json array": lambda: _signed(
            json.dumps([canary]).encode(), {**good, "content-type": JSON}
        ),
        "bad form": lambda: _signed(canary.encode() + b"&&=%zz&" * rng.randint(1, 3), good),
        "payload not json": lambda: _signed(urlencode({"payload": "{" + canary}).encode(), good),
        "payload not object": lambda: _signed(
            urlencode({"payload": json.dumps([canary])}).encode(), good
        ),
        "other content type": lambda: _signed(
            body, {**good, "content-type": rng.choice(["text/plain", "multipart/form-data", ""])}
        ),
        "random bytes": lambda: _maybe_signed(
            rng,
            bytes(rng.randrange(256) for _ in range(rng.randint(0, 300))) + canary.encode(),
            good,
        ),
    }
    name = rng.choice(sorted(kinds))
    attempt = kinds[name]()
    attempt.kind = name
    return attempt


def _with(body: bytes, headers: dict[str, str]) -> Attempt:
    return Attempt("", body, {**headers, "x-slack-signature": "v0=" + "0" * 64})


def _signed(body: bytes, headers: dict[str, str]) -> Attempt:
    return Attempt(
        "", body, {**headers, "x-slack-signature": sign(body, headers["x-slack-request-timestamp"])}
    )


def _maybe_signed(rng: random.Random, body: bytes, headers: dict[str, str]) -> Attempt:
    return _signed(body, headers) if rng.random() < 0.5 else _with(body, headers)


def _mangle(rng: random.Random, signature: str) -> str:
    choice = rng.randrange(4)
    if choice == 0:
        return signature[:-1]
    if choice == 1:
        return "v1=" + signature[3:]
    if choice == 2:
        return signature.upper()
    return signature[:10] + ("a" if signature[10] != "a" else "b") + signature[11:]


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[Any]]]:
    reached: list[Any] = []
    app = AsyncApp(
        client=AsyncWebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/"),
        signing_secret=SECRET,
    )

    @app.middleware
    async def record(body: dict[str, Any], next: Callable[[], Any]) -> Any:
        reached.append(body)  # nothing bad may get this far
        return await next()

    http = SlackHttpServer(app, secret=SECRET, port=0, host="127.0.0.1")
    await http.start()
    try:
        yield f"http://127.0.0.1:{http.port}{PATH}", reached
    finally:
        await http.stop()


async def test_a_thousand_bad_requests_get_4xx_and_leave_no_trace_in_the_logs(
    server: tuple[str, list[Any]], caplog: pytest.LogCaptureFixture
) -> None:
    url, reached = server
    rng = random.Random(20261122)
    caplog.set_level(logging.DEBUG)
    statuses: dict[str, set[int]] = {}
    canaries: list[bytes] = []
    async with aiohttp.ClientSession() as session:
        for n in range(1000):
            attempt = generate(rng, n)
            canaries.append(attempt.body)
            async with session.post(url, data=attempt.body, headers=attempt.headers) as answer:
                statuses.setdefault(attempt.kind, set()).add(answer.status)
                assert 400 <= answer.status < 500, (attempt.kind, answer.status)
                assert await answer.read() == b""
        oversized = b"a=" + b"x" * (MAX_BODY + 10)
        headers = {"content-type": FORM, "x-slack-request-timestamp": str(int(time.time()))}
        async with session.post(
            url,
            data=oversized,
            headers={
                **headers,
                "x-slack-signature": sign(oversized, headers["x-slack-request-timestamp"]),
            },
        ) as answer:
            assert answer.status == 413
    assert len(statuses) >= 15  # every kind of fault was generated
    assert reached == []
    logged = caplog.text
    assert "CANARY" not in logged
    for record in caplog.records:
        assert record.levelno < logging.ERROR, record.getMessage()
