"""HTTP plumbing shared by the fake Bot Connector and the fake Microsoft Graph.

Both fakes are aiohttp apps on 127.0.0.1 at a port the OS picks, in the test's own event loop (bolt-python's mock
server on a fixed port is the anti-example in STYLE.md). They record every call, can be told to fail the way
Microsoft's services fail (429 with ``Retry-After``, 5xx, "it worked but the answer was 500") and to answer slowly
(the benchmark's 100 ms per call), and keep a list of ``problems``: requests the real service would refuse because
the caller got something wrong. A test asserts that list stays empty.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, NamedTuple, Self

from aiohttp import web

HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
MAX_BODY = 8 * 1024 * 1024


@dataclass(frozen=True)
class Call:
    """One request: the decoded path (percent-escapes resolved, without the fake's :attr:`FakeServer.prefix`), the
    query, the parsed body (JSON, or a form as a dict), lower-cased headers, the status answered, and
    ``time.monotonic()`` on arrival."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    status: int
    at: float
    raw_path: str = ""
    """The path and query exactly as sent (percent-escapes kept)."""

    @property
    def authorization(self) -> str:
        return self.headers.get("authorization", "")


class Answer(NamedTuple):
    status: int
    body: Any = None
    headers: dict[str, str] | None = None


class ApiError(Exception):
    """Raised by handlers and turned into the API's error body. ``problem`` (if any) is recorded: the caller
    sent something the real service refuses."""

    def __init__(self, status: int, code: str, message: str = "", *, problem: str = "") -> None:
        super().__init__(f"{status} {code}")
        self.status, self.code, self.message, self.problem = status, code, message, problem


@dataclass
class Fault:
    method: str | None
    path_prefix: str | None
    status: int
    code: str
    retry_after: float | None
    left: int
    after_success: bool

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path_prefix is None or path.startswith(self.path_prefix)
        )


Handler = Callable[[web.Request, Any], Answer]


class FakeServer:
    """The common part: lifecycle, call log, injected failures and latency, waiting for calls.

    Subclasses register routes in :meth:`routes` (wrapping each handler with :meth:`serve`), give the API's error
    body in :meth:`error_body` and may refuse unauthenticated calls in :meth:`unauthorized`.
    """

    default_codes: dict[int, str] = {}
    """The error code a status gets when :meth:`fail` is not told one."""

    def __init__(self, *, prefix: str = "") -> None:
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        """A path in front of every route (e.g. the ``/amer/<tenant>`` of a Teams service URL)."""
        self.calls: list[Call] = []
        self.problems: list[str] = []
        self.latency = 0.0
        """Seconds slept (without blocking the loop) before every answer."""
        self._faults: list[Fault] = []
        self._runner: web.AppRunner | None = None
        self._base = ""

    # -- lifecycle -------------------------------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        self.routes(app)
        app.router.add_route("*", "/{tail:.*}", self.serve(self._unknown_route))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self._base = f"http://{host}:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT``."""
        if not self._base:
            raise RuntimeError(f"{type(self).__name__} is not started; use `async with` or await start() first")
        return self._base

    # -- failure injection -----------------------------------------------------------------------------
    def fail(
        self,
        match: str,
        status: int = 429,
        *,
        times: int = 1,
        retry_after: float | None = None,
        code: str | None = None,
    ) -> None:
        """Answer the next ``times`` matching calls with ``status`` before they take effect.

        ``match`` is an HTTP method (``"POST"``), a decoded path prefix after :attr:`prefix`
        (``"/v3/conversations"``, ``"/v1.0/chats"``) or both (``"PUT /v3/conversations/a:1"``). A 429 always
        carries ``Retry-After`` (``retry_after``, default 0); other statuses carry it only when ``retry_after``
        is given. ``code`` is the error code in the body (default: the API's code for that status).
        """
        self._faults.append(self._fault(match, status, times, retry_after, code, after_success=False))

    def fail_after_success(self, match: str, status: int = 500, *, times: int = 1, code: str | None = None) -> None:
        """Let the next ``times`` matching calls take effect, then answer ``status`` anyway: the "it worked but the
        answer said 500" case that a retry must not turn into a duplicate."""
        self._faults.append(self._fault(match, status, times, None, code, after_success=True))

    def _fault(
        self, match: str, status: int, times: int, retry_after: float | None, code: str | None, *, after_success: bool
    ) -> Fault:
        method, _, path = match.strip().partition(" ")
        if method.upper() not in HTTP_METHODS:
            method, path = "", match.strip()
        path = path.strip()
        if path and not path.startswith("/"):
            raise ValueError(f"a path prefix starts with '/': {match!r}")
        code = code or self.default_codes.get(status, f"Http{status}")
        return Fault(method.upper() or None, path or None, status, code, retry_after, times, after_success)

    def _take_fault(self, method: str, path: str, *, after_success: bool) -> Fault | None:
        for fault in self._faults:
            if fault.after_success == after_success and fault.matches(method, path):
                fault.left -= 1
                if fault.left <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def fault_answer(self, fault: Fault) -> Answer:
        headers: dict[str, str] = {}
        if fault.status == 429 or fault.retry_after is not None:
            headers["Retry-After"] = f"{fault.retry_after or 0:g}"
        return Answer(fault.status, self.error_body(fault.status, fault.code, "Injected by the test."), headers)

    # -- reading the log -------------------------------------------------------------------------------
    def calls_to(self, method: str | None = None, path: str = "") -> list[Call]:
        """Calls with this HTTP method (any if ``None``) whose decoded path starts with ``path``."""
        return [c for c in self.calls if (method is None or c.method == method) and c.path.startswith(path)]

    async def wait_for(
        self, method: str | None = None, path: str = "", *, count: int = 1, timeout: float = 5.0
    ) -> list[Call]:
        """Poll until ``count`` matching calls were answered (the bot calls out after its own HTTP answer, so
        asserting right after posting an activity would race)."""
        await self.wait_until(
            lambda: len(self.calls_to(method, path)) >= count,
            timeout=timeout,
            what=f"{count} call(s) to {method or '*'} {path or '/'}",
        )
        return self.calls_to(method, path)

    async def wait_until(self, predicate: Callable[[], bool], *, timeout: float = 5.0, what: str = "") -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() >= deadline:
                seen = [f"{c.method} {c.path} -> {c.status}" for c in self.calls[-20:]]
                raise AssertionError(f"not reached within {timeout:g}s: {what or predicate}; last calls: {seen}")
            await asyncio.sleep(0.01)

    # -- dispatch --------------------------------------------------------------------------------------
    def error_body(self, status: int, code: str, message: str) -> Any:
        return {"error": {"code": code, "message": message}}

    def unauthorized(self, request: web.Request) -> Answer | None:
        """Override to refuse requests without the right ``Authorization``."""
        return None

    def route_path(self, request: web.Request) -> str:
        """The decoded path without :attr:`prefix`."""
        path = request.path
        return path[len(self.prefix) :] if self.prefix and path.startswith(self.prefix + "/") else path

    def logged_body(self, request: web.Request, body: Any) -> Any:
        """What the call log keeps of a body; override to redact secrets."""
        return body

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def serve(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """Wrap a handler: read the body, sleep ``latency``, apply faults and auth, log the call."""

        async def serve(request: web.Request) -> web.StreamResponse:
            at = time.monotonic()
            body, bad_body = await read_body(request)
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            answer = self._answer(request, handler, body, bad_body)
            headers = {k.lower(): v for k, v in request.headers.items()}
            logged = self.logged_body(request, body)
            path = self.route_path(request)
            call = Call(request.method, path, dict(request.query), logged, headers, answer.status, at, request.raw_path)
            self.calls.append(call)  # after the state change: wait_for() implies its effects are visible
            if answer.body is None:
                return web.Response(status=answer.status, headers=answer.headers)
            return web.json_response(answer.body, status=answer.status, headers=answer.headers)

        return serve

    def _answer(self, request: web.Request, handler: Handler, body: Any, bad_body: bool) -> Answer:
        method, path = request.method, self.route_path(request)
        fault = self._take_fault(method, path, after_success=False)
        if fault is not None:
            return self.fault_answer(fault)
        refused = self.unauthorized(request)
        if refused is not None:
            return refused
        try:
            if bad_body:
                raise ApiError(
                    400,
                    self.default_codes.get(400, "BadRequest"),
                    "The body is not JSON.",
                    problem="the request body is not valid JSON",
                )
            answer = handler(request, body)
        except ApiError as exc:
            if exc.problem:
                self.problem(f"{method} {path}: {exc.problem}")
            return Answer(exc.status, self.error_body(exc.status, exc.code, exc.message or exc.code))
        fault = self._take_fault(method, path, after_success=True)
        return self.fault_answer(fault) if fault is not None else answer

    def _unknown_route(self, request: web.Request, body: Any) -> Answer:
        raise ApiError(404, "NotFound", "No such route.", problem="this route is not served by the fake")


async def read_body(request: web.Request) -> tuple[Any, bool]:
    """JSON parsed, a form as a dict (the token endpoint), no body as ``None``; ``True`` when unreadable."""
    if not request.body_exists:
        return None, False
    if request.content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        return {k: v for k, v in form.items() if isinstance(v, str)}, False
    raw = await request.read()
    try:
        return json.loads(raw), False
    except (ValueError, RecursionError):
        return None, True


def encode_offset(offset: int) -> str:
    """An opaque continuation token."""
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_offset(token: str) -> int | None:
    """The offset in a token from :func:`encode_offset`; ``None`` for anything else."""
    try:
        kind, _, number = base64.b64decode(token, validate=True).decode().partition(":")
        return int(number) if kind == "offset" else None
    except ValueError:
        return None
