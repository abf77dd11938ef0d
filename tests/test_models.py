import hashlib
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant import models
from assistant.errors import ModelCorruptError, ModelNotFoundError
from assistant.models import assemble_chat_model, check_gguf


@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Three small parts standing in for the 22 packages, with their true size and hash."""
    pieces = [b"GGUF" + b"a" * 100, b"b" * 50, b"c" * 7]
    paths = []
    for i, piece in enumerate(pieces):
        path = tmp_path / f"part{i}.bin"
        path.write_bytes(piece)
        paths.append(path)
    whole = b"".join(pieces)
    monkeypatch.setattr(models, "chat_part_paths", lambda: paths)
    monkeypatch.setattr(models, "CHAT_SIZE", len(whole))
    monkeypatch.setattr(models, "CHAT_SHA256", hashlib.sha256(whole).hexdigest())
    return whole


def test_parts_are_assembled_once_and_verified(tmp_path: Path, fake_parts: bytes,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    target = assemble_chat_model(tmp_path / "cache", progress=False)
    assert target.read_bytes() == fake_parts
    monkeypatch.setattr(models, "chat_part_paths", lambda: pytest.fail("assembled twice"))
    assert assemble_chat_model(tmp_path / "cache", progress=False) == target


def test_a_wrong_hash_leaves_no_model_behind(tmp_path: Path, fake_parts: bytes,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "CHAT_SHA256", "0" * 64)
    with pytest.raises(ModelCorruptError, match="hash"):
        assemble_chat_model(tmp_path / "cache", progress=False)
    assert list((tmp_path / "cache" / "models").glob("*.gguf")) == []
    assert list((tmp_path / "cache" / "models").glob("*.partial")) == []


def test_two_at_once_on_a_fresh_machine_make_the_model_once(
        tmp_path: Path, fake_parts: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two replicas (or a turn and the warm-up) asking for the model before it exists: one
    assembles, the other waits and finds it made (they wrote over each other's file)."""
    read, made = models._read_chunks, []

    def slowly(parts: list[Path]):  # type: ignore[no-untyped-def]
        made.append(1)
        for chunk in read(parts):
            time.sleep(0.05)
            yield chunk

    monkeypatch.setattr(models, "_read_chunks", slowly)
    with ThreadPoolExecutor(2) as pool:
        paths = list(pool.map(lambda _: assemble_chat_model(tmp_path / "cache", progress=False),
                              range(2)))
    assert paths[0] == paths[1] and paths[0].read_bytes() == fake_parts and made == [1]


def test_missing_part_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "CHAT_PART_PACKAGE", "no_such_model_part{}")
    with pytest.raises(ModelNotFoundError, match="make setup"):
        models.chat_part_paths()


def test_missing_and_corrupt_model_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="ASSISTANT_MODEL_PATH"):
        check_gguf(tmp_path / "absent.gguf")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"<html>not a model</html>")
    with pytest.raises(ModelCorruptError, match="not a GGUF"):
        check_gguf(bad)


def test_truncated_gguf_is_refused_by_llama_cpp(tmp_path: Path, small_model: Path) -> None:
    from assistant.llm import LlamaCppChatModel

    cut = tmp_path / "cut.gguf"
    cut.write_bytes(small_model.read_bytes()[:4096])
    model = LlamaCppChatModel(lambda: check_gguf(cut), n_ctx=512)
    with pytest.raises(ModelCorruptError, match="could not load"):
        list(model.stream([{"role": "user", "content": "hi"}]))


def test_two_models_loading_at_once_leave_the_process_able_to_print(small_model: Path) -> None:
    """llama.cpp quiets a load by pointing stdout and stderr at /dev/null and back; two loads at
    once could restore each other's /dev/null and silence every later error (about one pair in
    two did, before loads took turns). Run apart: the silence would be pytest's too."""
    script = f"""
import os, sys, threading
from pathlib import Path
from assistant.llm import load_llama
for _ in range(8):
    both = [threading.Thread(target=load_llama, args=(Path({str(small_model)!r}),),
                             kwargs={{"n_ctx": 64}}) for _ in range(2)]
    [t.start() for t in both]
    [t.join() for t in both]
print("stdout still writes", flush=True)
print("stderr still writes", file=sys.stderr, flush=True)
os.write(2, b"and its descriptor")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    assert "stdout still writes" in done.stdout
    assert "stderr still writes" in done.stderr and "and its descriptor" in done.stderr


@pytest.mark.slow
def test_the_shipped_chat_model_assembles_to_its_published_hash(model_cache: Path) -> None:
    info = models.chat_model_info(None, model_cache, progress=False)
    assert info.path.stat().st_size == models.CHAT_SIZE
    digest = hashlib.sha256()
    with info.path.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            digest.update(chunk)
    assert digest.hexdigest() == models.CHAT_SHA256 == info.sha256


def test_threads_default_to_the_physical_cores_for_reading_and_generating(tmp_path) -> None:
    from assistant.config import Settings, physical_cores
    from assistant.llm import LlamaCppChatModel

    settings = Settings()
    assert settings.n_threads == physical_cores() >= 1
    model = LlamaCppChatModel(lambda: tmp_path / "unused.gguf", n_threads=settings.n_threads)
    assert model._options["n_threads"] == model._options["n_threads_batch"] == physical_cores()


@pytest.mark.slow
def test_after_a_turn_the_model_keeps_the_system_prompt_and_none_of_the_persons_words(
        small_model: Path) -> None:
    from assistant.llm import LlamaCppChatModel

    model = LlamaCppChatModel(lambda: small_model, n_ctx=2048)
    system = ("You are a quiet listener for a reader of essays on interdependence, on "
              "sovereignty, on listening instead of fixing and on deciding together. Reply in "
              "one short sentence that says back what you heard, in plain and gentle words, "
              "without advice, and never more than one question at the end of it.")
    words = "My neighbour Quillibert painted our shared fence tangerine"
    ask = [{"role": "system", "content": system}, {"role": "user", "content": words}]
    assert "".join(model.stream(ask, max_tokens=12, temperature=0.0))
    llm = model.llama
    secret = llm.tokenize(b" Quillibert", add_bos=False)
    system_tokens = llm.tokenize(system.encode(), add_bos=False)
    assert len(system_tokens) <= llm.n_tokens < len(system_tokens) + 30  # the prompt, kept
    everything = llm.input_ids.tolist()
    assert not any(everything[i:i + len(secret)] == secret for i in range(len(everything)))
    for _, tokens, count in model._states.values():  # noqa: SLF001 - what would be restored
        kept = tokens[:count].tolist()
        assert count == llm.n_tokens and not any(kept[i:i + len(secret)] == secret
                                                 for i in range(len(kept)))
    # and the next turn starts from the kept prompt: only what follows it is read
    import llama_cpp

    def read_so_far() -> int:
        return int(llama_cpp.llama_perf_context(llm._ctx.ctx).n_p_eval)  # noqa: SLF001

    again = [{"role": "system", "content": system}, {"role": "user", "content": "Hello."}]
    before = read_so_far()
    assert "".join(model.stream(again, max_tokens=4, temperature=0.0))
    assert read_so_far() - before < 20 < len(system_tokens) / 2


def test_a_model_file_changed_after_it_was_verified_is_rebuilt_not_used(
        tmp_path: Path, fake_parts: bytes) -> None:
    target = assemble_chat_model(tmp_path / "cache", progress=False)
    tampered = bytearray(fake_parts)
    tampered[10] ^= 0xFF  # same size, one byte changed, as an edit in place would
    target.write_bytes(bytes(tampered))
    assert assemble_chat_model(tmp_path / "cache", progress=False) == target
    assert target.read_bytes() == fake_parts


def test_a_configured_model_must_match_an_allowed_hash(tmp_path: Path,
                                                        small_model: Path) -> None:
    with pytest.raises(ModelCorruptError, match="ASSISTANT_MODEL_SHA256"):
        models.chat_model_info(small_model, tmp_path, False, ("0" * 64,))
    right = hashlib.sha256(small_model.read_bytes()).hexdigest()
    assert models.chat_model_info(small_model, tmp_path, False, ("0" * 64, right)).sha256 == right


@pytest.mark.slow
def test_the_converted_embedder_is_verified_at_every_load(tmp_path: Path) -> None:
    path = models.embedding_model_path(None, tmp_path)
    good = path.read_bytes()
    with path.open("r+b") as fh:  # a tensor byte changed in place
        fh.seek(len(good) - 100)
        fh.write(b"\x00\x01\x02\x03")
    assert models.embedding_model_path(None, tmp_path).read_bytes() == good


@pytest.mark.slow
def test_the_shipped_model_is_read_in_chatml_the_same_as_its_own_template(
        model_cache: Path) -> None:
    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter, format_chatml

    from assistant import backend

    backend.ensure()
    path = assemble_chat_model(model_cache, progress=False)
    vocab = Llama(model_path=str(path), vocab_only=True, verbose=False)
    own = Jinja2ChatFormatter(template=vocab.metadata["tokenizer.chat_template"],
                              eos_token="<|im_end|>", bos_token="")
    messages = [{"role": "system", "content": "Listen; do not fix."},
                {"role": "user", "content": "My sister never calls."},
                {"role": "assistant", "content": "It sounds lonely."},
                {"role": "user", "content": "It is."}]
    assert format_chatml(messages).prompt == own(messages=messages).prompt


@pytest.mark.slow
def test_a_new_process_starts_from_the_read_prompt_kept_on_disk(tmp_path: Path,
                                                                small_model: Path) -> None:
    import json as _json

    import llama_cpp

    from assistant.llm import LlamaCppChatModel

    system = " ".join(["You listen to a reader of essays on interdependence and say back "
                       "what you heard, plainly, without advice."] * 6)
    states = tmp_path / "states"

    def ask(words: str) -> tuple[LlamaCppChatModel, int]:
        model = LlamaCppChatModel(lambda: small_model, n_ctx=2048, state_dir=states)
        llm = model.llama
        before = int(llama_cpp.llama_perf_context(llm._ctx.ctx).n_p_eval)  # noqa: SLF001
        messages = [{"role": "system", "content": system}, {"role": "user", "content": words}]
        assert "".join(model.stream(messages, max_tokens=4, temperature=0.0))
        return model, int(llama_cpp.llama_perf_context(llm._ctx.ctx).n_p_eval) - before  # noqa: SLF001

    first, read_first = ask("My aunt Philomena sold the piano.")
    [kept] = list(states.glob("*.state"))
    header = _json.loads(kept.read_bytes()[8:8 + int.from_bytes(kept.read_bytes()[:8],
                                                                   "little")])
    secret = first.llama.tokenize(b" Philomena", add_bos=False)
    tokens = header["tokens"]
    assert not any(tokens[i:i + len(secret)] == secret for i in range(len(tokens)))
    second, read_second = ask("My brother moved away.")  # a fresh model object, as a restart
    assert read_first > 100 and read_second < read_first / 3  # only the new words are read
    kept.write_bytes(kept.read_bytes()[:1000])  # a broken file is read afresh, never trusted
    _, read_third = ask("My brother moved away.")
    assert read_third > 100 and len(list(states.glob("*.state"))) == 1


@pytest.mark.slow
def test_a_conversations_words_stay_for_its_next_turn_and_no_one_elses(
        small_model: Path) -> None:
    """keep_for: the conversation's next turn reads only what is new; another conversation's
    call, and forget(), drop those words before anything else happens."""
    import llama_cpp

    from assistant.llm import LlamaCppChatModel

    model = LlamaCppChatModel(lambda: small_model, n_ctx=2048)
    system = ("You are a quiet listener for a reader of essays on interdependence, on "
              "sovereignty, on listening instead of fixing and on deciding together. Reply in "
              "one short sentence that says back what you heard, in plain and gentle words.")
    llm = model.llama

    def read_so_far() -> int:
        return int(llama_cpp.llama_perf_context(llm._ctx.ctx).n_p_eval)  # noqa: SLF001

    def holds(word: str) -> bool:
        secret = llm.tokenize(word.encode(), add_bos=False)
        ids = llm.input_ids.tolist()  # all of it: what lies past n_tokens is still memory
        return any(ids[i:i + len(secret)] == secret for i in range(len(ids)))

    def turn(messages: list[dict[str, str]], who: str | None) -> tuple[str, int]:
        before = read_so_far()
        text = "".join(model.stream(messages, max_tokens=8, temperature=0.0,
                                    **({"keep_for": who} if who else {})))
        return text, read_so_far() - before

    talk = [{"role": "system", "content": system},
            {"role": "user", "content": "My neighbour Quillibert painted our shared fence."}]
    reply, _ = turn(talk, "ana")  # the system prompt's first read: saved without her words
    talk += [{"role": "assistant", "content": reply},
             {"role": "user", "content": "He did not ask anyone about the colour."}]
    reply, _ = turn(talk, "ana")
    assert holds(" Quillibert")  # kept, for her next turn
    talk += [{"role": "assistant", "content": reply},
             {"role": "user", "content": "And then it rained on it."}]
    _, kept_read = turn(talk, "ana")
    model.forget()
    assert not holds(" Quillibert") and not holds(" rained")
    _, fresh_read = turn(talk, None)  # the same turn read from the system prompt on
    assert kept_read < fresh_read / 2, (kept_read, fresh_read)
    turn(talk[:2], "ana")
    turn(talk, "ana")
    assert holds(" Quillibert") and holds(" rained")
    ben = [{"role": "system", "content": system},
           {"role": "user", "content": "Our choir lost its conductor, Wendeline."}]
    turn(ben, "ben")
    assert holds(" Wendeline")
    assert not holds(" Quillibert") and not holds(" rained")  # hers gone before his was read
    model.forget()
    assert not holds(" Wendeline")
