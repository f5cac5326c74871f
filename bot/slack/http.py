"""HTTP mode: Slack's signed requests, checked on the raw bytes before Bolt sees them.

Stock Bolt answers a non-numeric timestamp with 500, parses some bodies before it
verifies them, and logs a body whose signature fails. Here a request must be signed and
fresh and well formed, or it gets 401 or 400 with no body, and nothing of what it carried
is logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

log = logging.getLogger(__name__)

PATH = "/slack/events"
MAX_BODY = 256 * 1024  # Slack's payloads are far smaller
MAX_AGE = 300  # seconds, Slack's replay window
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def verify(raw: bytes, headers: dict[str, str], secret: str, now: float) -> str:
    """The body as text if the request is Slack's, fresh and well formed; else Refused."""
    stamp = headers.get("x-slack-request-timestamp", "")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        raise Refused(401, "missing or non-numeric timestamp")
    if abs(now - int(stamp)) > MAX_AGE:
        raise Refused(401, "stale timestamp")
    signature = headers.get("x-slack-signature", "")
    expected = (
        "v0="
        + hmac.new(
            secret.encode(), b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256
        ).hexdigest()
    )
    if not hmac.compare_digest(signature.encode(errors="replace"), expected.encode()):
        raise Refused(401, "bad signature")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == JSON:
            if not isinstance(json.loads(text), dict):
                raise ValueError("not an object")
        elif kind == FORM:
            form = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text))
            if "payload" in form and not isinstance(json.loads(form["payload"][0]), dict):
                raise ValueError("payload is not an object")
        else:
            raise Refused(400, "unsupported content type")
    except (ValueError, UnicodeError):
        raise Refused(400, "malformed body") from None
    return text


class SlackHttpServer:
    def __init__(
        self,
        app: AsyncApp,
        *,
        secret: str,
        port: int,
        host: str = "0.0.0.0",  # noqa: S104 - Slack must reach it; the signature guards it
    ) -> None:
        self._app = app
        self._secret = secret
        self._port = port
        self._host = host
        self._runner: web.AppRunner | None = None
        self.refused = 0

    @property
    def port(self) -> int:
        """The bound port (useful when configured as 0)."""
        assert self._runner is not None
        for site in self._runner.sites:
            server = getattr(site, "_server", None)
            if server is not None and server.sockets:
                return int(server.sockets[0].getsockname()[1])
        return self._port

    async def start(self) -> None:
        web_app = web.Application(client_max_size=MAX_BODY)
        web_app.router.add_post(PATH, self._handle)
        # access logs would carry query strings; nothing else logs a request
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        log.info("slack HTTP mode listening on port %d", self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413)
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            text = verify(raw, headers, self._secret, time.time())
        except Refused as refused:
            self.refused += 1
            log.debug("refused a Slack request: %s (%d)", refused.reason, refused.status)
            return web.Response(status=refused.status)
        bolt_request = AsyncBoltRequest(
            body=text, query=request.query_string, headers=dict(request.headers)
        )
        try:
            answer = await self._app.async_dispatch(bolt_request)
        except Exception as exc:  # noqa: BLE001 - a signed body Bolt cannot use: refuse it
            log.warning("Bolt could not handle a signed request (%s)", type(exc).__name__)
            return web.Response(status=400)
        return web.Response(
            status=answer.status,
            body=answer.body,
            headers=answer.first_headers_without_set_cookie(),
        )
