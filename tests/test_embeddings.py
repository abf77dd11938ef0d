import json
from pathlib import Path

import numpy as np

from assistant.embeddings import LlamaEmbeddings
from assistant.models import embedding_model_path

REFERENCE = Path(__file__).parent / "data" / "minilm_reference.json"


def test_vectors_match_sentence_transformers(model_cache: Path) -> None:
    """The GGUF conversion run through llama.cpp gives the reference model's vectors."""
    reference = json.loads(REFERENCE.read_text())
    embeddings = LlamaEmbeddings(lambda: embedding_model_path(None, model_cache))
    ours = np.array(embeddings.embed_documents(reference["sentences"]))
    theirs = np.array(reference["vectors"])
    cosines = (ours * theirs).sum(axis=1) / (
        np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1))
    assert cosines.min() >= 0.999, cosines


def test_overlong_text_is_cut_to_the_model_window(model_cache: Path) -> None:
    embeddings = LlamaEmbeddings(lambda: embedding_model_path(None, model_cache))
    long = "Interdependence is the practice of staying present. " * 200
    vector = np.array(embeddings.embed_query(long))
    head = np.array(embeddings.embed_query(long[:1000]))
    assert vector.shape == (384,) and float(vector @ head) > 0.9
