"""Who may reach the page: hashed passwords from configuration (PBKDF2-SHA256, stdlib only)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import os
import time
from collections.abc import Callable

from .errors import AssistantError

ITERATIONS = 600_000  # OWASP (2023) for PBKDF2-HMAC-SHA256; stored hashes keep their own count


class ExposureError(AssistantError):
    """The server was asked to be reachable in a way that is not safe."""


def hash_password(password: str, salt: bytes | None = None,
                  iterations: int = ITERATIONS) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    encoded = (base64.b64encode(part).decode() for part in (salt, digest))
    return "$".join(["pbkdf2_sha256", str(iterations), *encoded])


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt),
                                    int(iterations))
    return hmac.compare_digest(candidate, base64.b64decode(digest))


def parse_users(spec: str) -> dict[str, str]:
    """`name:hash,name:hash` (from ASSISTANT_USERS) as {name: hash}."""
    users = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, hashed = item.partition(":")
        if not name or not hashed.startswith("pbkdf2_sha256$"):
            raise ExposureError(f"ASSISTANT_USERS entry {name or item!r} is not name:hash; "
                                "make a hash with `reflect hash-password`.")
        users[name] = hashed
    return users


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, users: dict[str, str], share: bool, tls: bool = True,
                   names: tuple[str, ...] = ()) -> None:
    """Refuse a share link, and any address beyond this machine without passwords, without
    TLS, or (on every address at once) without the names it is reached by."""
    if share:
        raise ExposureError("Share links would send the page through an outside server; "
                            "they are refused. Bind an address on your network instead.")
    if not is_loopback(host) and not users:
        raise ExposureError(
            f"Refusing to serve on {host}: anyone on that network could read conversations. "
            "Set ASSISTANT_USERS (name:hash pairs from `reflect hash-password`) first.")
    if not is_loopback(host) and not tls:
        raise ExposureError(
            f"Refusing to serve on {host} over plain HTTP: passwords and conversations would "
            "cross the network readable. Set ASSISTANT_TLS_CERT and ASSISTANT_TLS_KEY, or bind "
            "127.0.0.1 behind a reverse proxy on this machine that terminates TLS.")
    if host.strip() in ("0.0.0.0", "::", "") and not names:
        raise ExposureError(
            f"Serving on every address ({host}) needs ASSISTANT_ALLOWED_HOSTS: the names people "
            "reach the page by. Other names are refused, so a hostile site cannot pose as it.")


class SignIn:
    """Gradio's sign-in check, off the event loop, the same work for unknown names, and
    slower after repeated failures for a name (Gradio does not hand its check the address)."""

    FREE_FAILURES = 5  # then 1 s, 2 s, 4 s ... up to `most` before each further attempt
    WINDOW = 900.0  # failures older than this are forgotten

    def __init__(self, users: dict[str, str], most: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.users = users
        self.most = most
        self.clock = clock
        self.failures: dict[str, list[float]] = {}
        self.decoy = hash_password(os.urandom(16).hex())  # hashed like a real one

    def delay(self, name: str) -> float:
        now = self.clock()
        recent = [t for t in self.failures.get(name, []) if now - t < self.WINDOW]
        self.failures[name] = recent
        extra = len(recent) - self.FREE_FAILURES
        return 0.0 if extra < 0 else min(self.most, 2.0 ** extra)

    async def check(self, name: str, password: str) -> bool:
        """Gradio awaits this (it must be a coroutine function, not a callable object)."""
        if wait := self.delay(name):
            await asyncio.sleep(wait)
        stored = self.users.get(name, self.decoy)
        ok = await asyncio.to_thread(verify_password, password, stored)
        ok = ok and name in self.users
        if not ok:
            self.failures.setdefault(name, []).append(self.clock())
        return ok
