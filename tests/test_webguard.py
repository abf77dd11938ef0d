import pytest

from assistant.webguard import SameSiteGuard, _strict_cookie, hostname, page_names


@pytest.mark.parametrize(("value", "name"), [
    ("127.0.0.1:7860", "127.0.0.1"), ("LocalHost:7860", "localhost"), ("[::1]:7860", "::1"),
    ("::1", "::1"), ("https://Reflect.example:8443", "reflect.example"),
    ("http://[::1]:7860", "::1"), ("reflect.lan", "reflect.lan"), ("", ""),
])
def test_hostname(value: str, name: str) -> None:
    assert hostname(value) == name


def test_the_page_answers_to_loopback_the_bound_address_and_the_named_hosts() -> None:
    assert page_names("127.0.0.1") == {"localhost", "127.0.0.1", "::1"}
    assert page_names("0.0.0.0", [" Reflect.LAN ", ""]) == {"localhost", "127.0.0.1", "::1",
                                                            "reflect.lan"}
    assert "192.168.1.20" in page_names("192.168.1.20")


def guard() -> SameSiteGuard:
    async def app(scope, receive, send) -> None:  # never reached in these checks
        raise AssertionError

    return SameSiteGuard(app, page_names("127.0.0.1", ["reflect.lan"]))


@pytest.mark.parametrize(("headers", "refused"), [
    ({"host": "127.0.0.1:7860"}, None),
    ({"host": "reflect.lan", "origin": "https://reflect.lan"}, None),
    ({"host": "evil.example:7860"}, 421),
    ({"host": "127.0.0.1:7860", "origin": "https://evil.example"}, 403),
    ({"host": "127.0.0.1:7860", "origin": "null"}, 403),
    ({"host": "127.0.0.1:7860", "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors"}, 403),
    ({"host": "127.0.0.1:7860", "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate"},
     None),
    ({"host": "127.0.0.1:7860", "sec-fetch-site": "same-origin", "sec-fetch-mode": "cors"}, None),
])
def test_what_is_refused(headers: dict[str, str], refused: int | None) -> None:
    verdict = guard().refusal(headers)
    assert (verdict[0] if verdict else None) == refused


def test_cookies_become_strict_and_secure_over_tls() -> None:
    cookie = b"access-token=abc; Path=/; SameSite=none; HttpOnly"
    assert _strict_cookie(cookie, secure=False) == (
        b"access-token=abc; Path=/; HttpOnly; SameSite=Strict")
    assert _strict_cookie(cookie, secure=True).endswith(b"SameSite=Strict; Secure")


def test_failed_sign_ins_from_one_address_are_slowed_and_others_are_not() -> None:
    import asyncio

    from assistant.webguard import SignInLimiter

    now = [1000.0]
    limiter = SignInLimiter(clock=lambda: now[0])
    answers = {"right": 200, "wrong": 400}

    async def app(scope, receive, send) -> None:
        body = (await receive())["body"].decode()
        await send({"type": "http.response.start", "status": answers[body], "headers": []})
        await send({"type": "http.response.body", "body": b""})

    guard = SameSiteGuard(app, page_names("127.0.0.1"), limiter=limiter)

    def sign_in(address: str, password: str) -> int:
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": password.encode()}

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/login", "client": (address, 1),
                 "headers": [(b"host", b"127.0.0.1:7860")]}
        asyncio.run(guard(scope, receive, send))
        return sent[0]["status"]

    assert [sign_in("10.0.0.9", "wrong") for _ in range(SignInLimiter.FREE)] == [400] * 10
    assert sign_in("10.0.0.9", "right") == 429  # then this address waits, right or not
    assert sign_in("10.0.0.7", "right") == 200  # another address is not held up
    now[0] += 1
    assert sign_in("10.0.0.9", "wrong") == 400  # after 1 s it may try once more ...
    now[0] += 1.5
    assert sign_in("10.0.0.9", "right") == 429  # ... then the wait doubles
    now[0] += 0.6
    assert sign_in("10.0.0.9", "right") == 200  # and a success clears it
    assert limiter.wait("10.0.0.9") == 0.0
    sign_in("10.0.0.9", "wrong")
    now[0] += SignInLimiter.WINDOW
    assert limiter.wait("10.0.0.9") == 0.0
