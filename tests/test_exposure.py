import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import pytest

from assistant.auth import (
    ExposureError,
    check_exposure,
    hash_password,
    parse_users,
    verify_password,
)
from assistant.service import Assistant
from assistant.ui import launch
from tests.browser import free_port


def test_passwords_are_hashed_and_checked() -> None:
    stored = hash_password("quiet garden")
    assert "quiet garden" not in stored
    assert verify_password("quiet garden", stored) and not verify_password("quiet", stored)
    assert parse_users(f"ana:{stored}") == {"ana": stored}
    with pytest.raises(ExposureError, match="reflect hash-password"):
        parse_users("ana:plaintext")


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_other_addresses_need_passwords(host: str) -> None:
    with pytest.raises(ExposureError, match="ASSISTANT_USERS"):
        check_exposure(host, {}, share=False)
    check_exposure(host, {"ana": hash_password("x")}, share=False, names=("reflect.lan",))


@pytest.mark.parametrize("host", ["192.168.1.20", "example.org"])
def test_beyond_this_machine_plain_http_is_refused(host: str) -> None:
    with pytest.raises(ExposureError, match="plain HTTP"):
        check_exposure(host, {"ana": hash_password("x")}, share=False, tls=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_every_address_at_once_needs_the_names_it_is_reached_by(host: str) -> None:
    with pytest.raises(ExposureError, match="ASSISTANT_ALLOWED_HOSTS"):
        check_exposure(host, {"ana": hash_password("x")}, share=False)


def test_loopback_needs_none_and_share_links_are_refused() -> None:
    check_exposure("127.0.0.1", {}, share=False)
    check_exposure("localhost", {}, share=False)
    with pytest.raises(ExposureError, match="Share links"):
        check_exposure("127.0.0.1", {"ana": hash_password("x")}, share=True)


def test_launch_refuses_before_serving(assistant: Assistant) -> None:
    assistant.settings.host = "0.0.0.0"
    with pytest.raises(ExposureError):
        launch(assistant, prevent_thread_lock=True)
    assistant.settings.host = "127.0.0.1"
    with pytest.raises(ExposureError):
        launch(assistant, share=True, prevent_thread_lock=True)


@pytest.fixture
def served_with_auth(assistant: Assistant) -> Iterator[str]:
    assistant.settings.port = free_port()
    assistant.settings.users = (f"ana:{hash_password('quiet garden')},"
                                f"ben:{hash_password('open door')}")
    _, url, _ = launch(assistant, prevent_thread_lock=True, quiet=True)
    yield url
    gr.close_all()


def status_of(url: str, **headers: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={k.replace("_", "-"): v
                                                   for k, v in headers.items()})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.read(4096).decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(4096).decode(errors="replace")


@pytest.mark.slow
def test_another_website_cannot_reach_a_signed_in_persons_page(served_with_auth: str) -> None:
    import httpx

    port = served_with_auth.rstrip("/").rsplit(":", 1)[1]
    login = httpx.post(f"{served_with_auth}login", data={"username": "ana",
                                                         "password": "quiet garden"})
    assert login.status_code == 200
    cookies = login.headers.get_list("set-cookie")
    assert cookies and all("samesite=strict" in c.lower() for c in cookies)
    assert "samesite=none" not in " ".join(cookies).lower()
    jar = login.cookies
    page = httpx.get(served_with_auth, cookies=jar)
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    api = f"{served_with_auth}gradio_api/info"
    assert httpx.get(api, cookies=jar).status_code == 200
    # A hostile page's script, with the person's cookie sent along:
    hostile = httpx.get(api, cookies=jar, headers={"Origin": "https://evil.example"})
    assert hostile.status_code == 403 and "ana" not in hostile.text
    assert httpx.get(api, cookies=jar, headers={"Origin": "null"}).status_code == 403
    fetch = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}
    assert httpx.get(api, cookies=jar, headers=fetch).status_code == 403
    link = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    assert httpx.get(served_with_auth, cookies=jar, headers=link).status_code == 200
    # DNS rebinding: a hostile name that resolves to 127.0.0.1 reaches the port by it.
    rebound = httpx.get(api, cookies=jar, headers={"Host": f"rebind.evil.example:{port}"})
    assert rebound.status_code == 421
    same = httpx.get(api, cookies=jar, headers={"Origin": f"http://127.0.0.1:{port}"})
    assert same.status_code == 200


@pytest.mark.slow
def test_on_loopback_without_passwords_a_rebound_name_is_refused(assistant: Assistant) -> None:
    assistant.settings.port = free_port()
    _, url, _ = launch(assistant, prevent_thread_lock=True, quiet=True)
    try:
        assert status_of(url)[0] == 200
        port = str(assistant.settings.port)
        assert status_of(url, Host=f"attacker.example:{port}")[0] == 421
        assert status_of(f"{url}gradio_api/info", Origin="http://attacker.example")[0] == 403
        assert status_of(url, Host=f"localhost:{port}")[0] == 200
    finally:
        gr.close_all()


@pytest.mark.slow
def test_with_passwords_the_page_asks_for_them(served_with_auth: str) -> None:
    from gradio_client import Client

    with pytest.raises(ValueError):
        Client(served_with_auth, verbose=False)
    client = Client(served_with_auth, auth=("ana", "quiet garden"), verbose=False)
    assert client.view_api(print_info=False, return_format="dict")


@pytest.mark.slow
def test_no_file_outside_the_apps_assets_is_served(assistant: Assistant) -> None:
    assistant.settings.port = free_port()
    _, url, _ = launch(assistant, prevent_thread_lock=True, quiet=True)
    try:
        index = assistant.settings.store_dir.resolve() / "chroma.sqlite3"
        for path in ("/etc/passwd", str(index), "../../../../etc/passwd"):
            for route in ("gradio_api/file=", "file="):
                code, body = status_of(f"{url}{route}{path}")
                assert code >= 400 and "root:" not in body, (route, path, code)
        assert status_of(url)[0] == 200
    finally:
        gr.close_all()


@pytest.mark.slow
def test_each_signed_in_person_sees_only_their_own(served_with_auth: str,
                                                   assistant: Assistant) -> None:
    from gradio_client import Client

    ana = Client(served_with_auth, auth=("ana", "quiet garden"), verbose=False)
    job = ana.submit("My garden plan with the neighbours fell apart.", [], "Reflect",
                     api_name="/ask")
    list(job)
    [hers] = assistant.history.summaries("ana")
    assert assistant.history.summaries("ben") == []
    ben = Client(served_with_auth, auth=("ben", "open door"), verbose=False)
    chat = ben.predict(hers.id, api_name="/resume_conversation")[0]
    assert chat == []
    ben.predict(api_name="/delete_all_my_data")
    assert len(assistant.history.summaries("ana")) == 1


@pytest.mark.slow
def test_an_invitation_saved_by_a_signed_in_person_is_theirs_alone(
        served_with_auth: str, assistant: Assistant) -> None:
    from gradio_client import Client

    journal = assistant.companion.journal
    assert journal is not None
    ana = Client(served_with_auth, auth=("ana", "quiet garden"), verbose=False)
    first = next(iter(assistant.companion.invitations))
    ana.predict(first, [], api_name="/offer_invitation")
    chat = ana.predict([], api_name="/invitation_begin")[0]
    chat = ana.predict(chat, api_name="/invitation_move_on")[0]
    for _ in range(6):
        if "save this to your journal" in str(chat[-1]["content"]):
            break
        chat = ana.predict(chat, api_name="/invitation_skip")[0]
    chat = ana.predict(chat, api_name="/invitation_save")[0]
    assert len(journal.entries("ana")) == 1, journal.entries("local")
    assert journal.entries("local") == [] and journal.entries("ben") == []
    ben = Client(served_with_auth, auth=("ben", "open door"), verbose=False)
    assert "##" not in Path(ben.predict(api_name="/export_journal")).read_text()
    ben.predict(api_name="/delete_all_my_data")
    assert len(journal.entries("ana")) == 1


def test_deleting_a_journal_in_the_terminal_deletes_one_persons(tmp_path: Path) -> None:
    """Run as a person runs it, in a process of its own (in this one, a model loading in another
    test's thread could swap sys.stdout under typer's CliRunner and lose its output)."""
    from assistant.journal import Journal

    book = Journal(tmp_path / "journal.sqlite3")
    book.save("T", "E", "ana's words", owner="ana")
    book.save("T", "E", "local words")

    def reflect(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True,
                              text=True, timeout=120, check=False,
                              env={**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path)})

    assert (done := reflect("journal", "--delete-all")).returncode == 0, done.stderr
    assert book.entries() == [] and [e.text for e in book.entries("ana")] == ["ana's words"]
    assert "ana's words" in reflect("journal", "--owner", "ana", "--json").stdout


def test_failed_sign_ins_for_a_name_are_slowed_and_unknown_names_cost_the_same() -> None:
    import asyncio

    from assistant.auth import SignIn

    now = [0.0]
    sign_in = SignIn({"ana": hash_password("quiet garden")}, clock=lambda: now[0])
    assert asyncio.run(sign_in.check("ana", "quiet garden"))
    assert not asyncio.run(sign_in.check("nobody", "quiet garden"))
    for _ in range(SignIn.FREE_FAILURES):
        sign_in.failures.setdefault("ana", []).append(now[0])
    assert sign_in.delay("ana") == 1.0 and sign_in.delay("ben") == 0.0
    sign_in.failures["ana"] += [now[0]] * 95  # the hundredth failure
    assert sign_in.delay("ana") == sign_in.most
    now[0] += SignIn.WINDOW + 1
    assert sign_in.delay("ana") == 0.0
    assert sign_in.decoy.startswith("pbkdf2_sha256$")  # unknown names are hashed too


@pytest.mark.slow
def test_a_reply_keeps_streaming_while_someone_signs_in(assistant: Assistant,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Signing in hashes for about a second here; the other person's reply must not stop."""
    import threading
    import time

    from gradio_client import Client

    from tests.fakes import FakeChatModel

    assistant.ask.model = FakeChatModel(
        ["Sovereignty, the essay says, is each person's own ground. " * 12], pause=0.05)
    assistant.settings.port = free_port()
    assistant.settings.users = (f"ana:{hash_password('quiet garden')},"
                                f"ben:{hash_password('open door', iterations=3_000_000)}")
    _, url, _ = launch(assistant, prevent_thread_lock=True, quiet=True)
    try:
        ana = Client(url, auth=("ana", "quiet garden"), verbose=False)
        seen: list[float] = []
        job = ana.submit("What does the essay say about sovereignty?", [], "Ask",
                         api_name="/ask")
        reader = threading.Thread(target=lambda: [seen.append(time.monotonic()) for _ in job])
        reader.start()
        while len(seen) < 3:  # the reply itself is streaming (not only "Searching the essays")
            time.sleep(0.05)
        login = urllib.request.Request(f"{url}login", method="POST",
                                       data=b"username=ben&password=open+door")
        start = time.monotonic()
        with urllib.request.urlopen(login, timeout=60) as answer:  # noqa: S310 - loopback
            assert answer.status == 200
        end = time.monotonic()
        reader.join(timeout=120)
    finally:
        gr.close_all()
    assert any(start < t < end for t in seen), "the stream stood still during the sign-in"


def test_a_child_process_that_reaches_out_is_refused_and_caught(tmp_path: Path) -> None:
    """The guard every child of the tests runs with: an outside connect from a subprocess is
    refused and logged (the test clears the log, or the suite would fail it)."""
    import os
    import subprocess
    import sys

    code = ("import socket\n"
            "try:\n    socket.create_connection(('192.0.2.1', 80), timeout=2)\n"
            "except ConnectionRefusedError as e:\n    print('refused', e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    log = Path(os.environ["REFLECT_NET_LOG"])
    assert "refused outbound connection blocked" in done.stdout
    assert "192.0.2.1" in log.read_text()
    log.unlink()
    loopback = subprocess.run([sys.executable, "-c", "import socket; s = socket.socket(); "
                               "print(s.connect_ex(('127.0.0.1', 9)))"],
                              capture_output=True, text=True, check=True, timeout=60)
    assert loopback.stdout.strip() and not log.exists()  # loopback is allowed and not logged


@pytest.mark.slow
def test_a_conversation_deleted_on_the_page_leaves_no_copy_in_the_data_folder(
        served_with_auth: str, assistant: Assistant) -> None:
    from gradio_client import Client

    secret = "Marzipanwhistle"
    ana = Client(served_with_auth, auth=("ana", "quiet garden"), verbose=False)
    list(ana.submit(f"My cousin {secret} never pays me back.", [], "Reflect", api_name="/ask"))
    [mine] = assistant.history.summaries("ana")
    downloaded = Path(ana.predict(mine.id, api_name="/export_conversation"))
    assert secret in downloaded.read_text()
    data = assistant.settings.data_dir

    def files_with() -> list[Path]:
        return [p for p in data.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]

    assert len(files_with()) >= 2  # the database and the served export at least
    ana.predict(mine.id, api_name="/delete_conversation")
    assert assistant.history.summaries("ana") == []
    assert files_with() == []


@pytest.mark.slow
def test_the_page_refuses_a_large_upload(assistant: Assistant) -> None:
    import httpx

    assistant.settings.port = free_port()
    _, url, _ = launch(assistant, prevent_thread_lock=True, quiet=True)
    try:
        big = httpx.post(f"{url}gradio_api/upload",
                         files={"files": ("big.bin", b"x" * (3 * 2**20))}, timeout=30)
        assert big.status_code == 413
        served = assistant.served_dir
        assert not any(p.is_file() and p.stat().st_size >= 2**20 for p in served.rglob("*"))
    finally:
        gr.close_all()


@pytest.mark.slow
def test_guessing_across_names_from_one_address_is_slowed(served_with_auth: str) -> None:
    import httpx

    login = f"{served_with_auth}login"
    wrong = [httpx.post(login, data={"username": f"guess{i}", "password": "x"}).status_code
             for i in range(10)]
    assert wrong == [400] * 10
    held = httpx.post(login, data={"username": "ana", "password": "quiet garden"})
    assert held.status_code == 429 and "try again" in held.text


def test_new_hashes_use_owasps_count_and_older_ones_still_verify() -> None:
    from assistant.auth import verify_password

    assert hash_password("x").split("$")[1] == "600000"
    older = hash_password("quiet garden", iterations=240_000)
    assert verify_password("quiet garden", older) and not verify_password("quiet gardens", older)


def test_no_process_the_tests_start_can_reach_another_machine() -> None:
    """`make test` runs the suite through scripts/offline, in a network namespace with only
    loopback: a child that is not Python (so not under tests/guard) fails in the kernel."""
    import os
    import subprocess

    if os.environ.get("REFLECT_NETNS") != "1":
        pytest.skip("run through scripts/offline (as `make test` does) to check this")
    done = subprocess.run(["bash", "-c", "exec 3<>/dev/tcp/1.1.1.1/80"], capture_output=True,
                          text=True, timeout=30, check=False)
    assert done.returncode != 0 and "unreachable" in done.stderr.lower(), done.stderr
    here = subprocess.run(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9 || true"],
                          capture_output=True, text=True, timeout=30, check=False)
    assert "unreachable" not in here.stderr.lower()  # loopback is up: local servers work
