"""What stands between the page and other websites, as one ASGI middleware around Gradio.

Gradio, served on a name other than localhost, answers every Origin with
`Access-Control-Allow-Origin: <it>` and `Allow-Credentials: true`, and sets its sign-in cookie
`SameSite=None`: a page on any site could then read a signed-in person's conversations. On
loopback nothing checks the Host header, so a site whose name is made to resolve to 127.0.0.1
(DNS rebinding) talks to the page as if it were the page. This guard, outermost:

- answers only to the names the page is meant to be reached by (`Host`), else 421;
- refuses any request a browser marks as coming from another site (`Origin` not one of those
  names, or `Sec-Fetch-Site: cross-site` for anything but following a link to the page), 403;
- makes cookies `SameSite=Strict` (and `Secure` over TLS), and sends headers that keep the page
  out of other sites' frames and limit what it may load.

Gradio adds its CORS layer outside any middleware given to it, so its preflight answers still
name the asking origin; the request that follows is refused here, before Gradio sees it.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})
POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
          "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
          "media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; "
          "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")
HEADERS = [
    (b"content-security-policy", POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


def page_names(bind: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The names the page answers to: loopback, the bound address, and the configured names."""
    names = set(LOOPBACK_NAMES) | {n.strip().lower() for n in extra if n.strip()}
    if bind.strip().lower() not in WILDCARDS:
        names.add(bind.strip().lower().strip("[]"))
    return frozenset(names)


def hostname(value: str) -> str:
    """`host[:port]` or an origin URL, as a lower-case name without port or brackets."""
    value = value.strip()
    if "://" in value:
        return (urlsplit(value).hostname or "").lower()
    if value.startswith("["):
        return value[1:value.find("]")].lower() if "]" in value else ""
    try:
        return str(ipaddress.ip_address(value))  # a bare IPv6 address has colons of its own
    except ValueError:
        return value.rsplit(":", 1)[0].lower() if value.count(":") == 1 else value.lower()


class SignInLimiter:
    """Failed sign-ins per address: the first FREE in WINDOW seconds are free, then each
    further try must wait twice as long as the last (capped), answered 429 until then."""

    FREE = 10
    WINDOW = 900.0
    MOST = 300.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.failures: dict[str, list[float]] = {}

    def wait(self, address: str) -> float:
        now = self.clock()
        recent = [t for t in self.failures.get(address, []) if now - t < self.WINDOW]
        self.failures[address] = recent
        extra = len(recent) - self.FREE
        if extra < 0:
            return 0.0
        return max(0.0, recent[-1] + min(self.MOST, 2.0 ** extra) - now)

    def failed(self, address: str) -> None:
        self.failures.setdefault(address, []).append(self.clock())

    def succeeded(self, address: str) -> None:
        self.failures.pop(address, None)


class SameSiteGuard:
    def __init__(self, app: ASGIApp, names: frozenset[str], secure: bool = False,
                 limiter: SignInLimiter | None = None) -> None:
        self.app = app
        self.names = names
        self.secure = secure
        self.limiter = limiter or SignInLimiter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        refusal = self.refusal(headers)
        address = (scope.get("client") or ("?", 0))[0]
        signing_in = scope["type"] == "http" and scope.get("method") == "POST" and (
            scope.get("path", "").rstrip("/").endswith("/login"))
        if refusal is None and signing_in and (wait := self.limiter.wait(address)):
            refusal = 429, f"Too many failed sign-ins from here; try again in {wait:.0f} s."
        if refusal is not None:
            await self._refuse(scope, receive, send, *refusal)
            return

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._headers(message.get("headers", []))
                if signing_in:
                    ok = message["status"] < 400  # 200, or a redirect; 400 when refused
                    (self.limiter.succeeded if ok else self.limiter.failed)(address)
            await send(message)

        await self.app(scope, receive, guarded)

    def refusal(self, headers: dict[str, str]) -> tuple[int, str] | None:
        if hostname(headers.get("host", "")) not in self.names:
            return 421, "This page does not answer to that name."
        origin = headers.get("origin")
        if origin is not None and (origin == "null" or hostname(origin) not in self.names):
            return 403, "Requests from other websites are refused."
        if (headers.get("sec-fetch-site") == "cross-site"
                and headers.get("sec-fetch-mode") != "navigate"):
            return 403, "Requests from other websites are refused."
        return None

    def _headers(self, raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        kept = []
        for key, value in raw:
            name = key.lower()
            if name == b"set-cookie":
                value = _strict_cookie(value, self.secure)
            kept.append((key, value))
        present = {k.lower() for k, _ in kept}
        return kept + [(k, v) for k, v in HEADERS if k not in present]

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int,
                      text: str) -> None:
        if scope["type"] == "websocket":
            await receive()  # the connect message
            await send({"type": "websocket.close", "code": 1008, "reason": text})
            return
        body = text.encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()), *HEADERS]})
        await send({"type": "http.response.body", "body": body})


def _strict_cookie(value: bytes, secure: bool) -> bytes:
    parts = [p.strip() for p in value.decode("latin-1").split(";")]
    parts = [p for p in parts if not p.lower().startswith("samesite")]
    parts.append("SameSite=Strict")
    if secure and not any(p.lower() == "secure" for p in parts):
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")
