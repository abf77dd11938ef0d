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
