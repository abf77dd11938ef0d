import hashlib
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
    assert list((tmp_path / "cache" / "models").iterdir()) == []


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
